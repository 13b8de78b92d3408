package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// formatter writes dates, durations, numbers and catalog labels in the
// report's language and time zone.
type formatter struct {
	lang      string
	labels    Labeler
	loc       *time.Location
	dayLength time.Duration
	words     wording
}

func newFormatter(opts *Options) formatter {
	return formatter{
		lang:      opts.Language,
		labels:    opts.Labels,
		loc:       opts.Location,
		dayLength: opts.Calendar.DayLength(),
		words:     wordingFor(opts.Language),
	}
}

// label returns the catalog text of group.key, or fallback when the
// catalog has none.
func (f formatter) label(group, key, fallback string) string {
	if f.labels == nil {
		return fallback
	}
	full := group + "." + key
	if text := f.labels.Label(f.lang, full); text != full && text != "" {
		return text
	}
	return fallback
}

// code returns the catalog text of a code such as a state, or the code.
func (f formatter) code(group, key string) string {
	return f.label(group, key, key)
}

func (f formatter) monthName(t time.Time) string {
	english := t.Month().String()
	return f.label("month", strings.ToLower(english), english)
}

// longDate writes "7 Desember 2026", and "-" for the zero time.
func (f formatter) longDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(f.loc)
	return strconv.Itoa(t.Day()) + " " + f.monthName(t) + " " + strconv.Itoa(t.Year())
}

// dayMonth writes "7 Des", for chart axes.
func (f formatter) dayMonth(t time.Time) string {
	t = t.In(f.loc)
	return strconv.Itoa(t.Day()) + " " + abbreviate(f.monthName(t))
}

// monthYear writes "Des 2026", for chart axes.
func (f formatter) monthYear(t time.Time) string {
	t = t.In(f.loc)
	return abbreviate(f.monthName(t)) + " " + strconv.Itoa(t.Year())
}

// abbreviate keeps the first three letters of a month name, which gives
// the usual abbreviations in Indonesian and English.
func abbreviate(name string) string {
	runes := []rune(name)
	return string(runes[:min(3, len(runes))])
}

// shortDate writes 07/12/2026 in Indonesian and 2026-12-07 in English.
func (f formatter) shortDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if f.lang == "en" {
		return t.In(f.loc).Format("2006-01-02")
	}
	return t.In(f.loc).Format("02/01/2006")
}

// dateTime writes the short date and the clock time with the zone
// abbreviation: 07/12/2026 14.30 WIB.
func (f formatter) dateTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	clock := f.label("format", "clock", "15:04")
	return f.shortDate(t) + " " + t.In(f.loc).Format(clock+" MST")
}

// duration writes working time in words with the email templates'
// units: working days, hours and minutes, leaving out a zero part ("2
// hari kerja 20 menit", "3 jam"). Unlike the email templates it keeps
// the minutes beside days, so that a step a few minutes over a one-day
// standard does not read as exactly one day. It rounds to the minute and
// shows any positive duration as at least one minute.
func (f formatter) duration(d time.Duration) string {
	minutes := int64(d.Round(time.Minute) / time.Minute)
	if d > 0 && minutes == 0 {
		minutes = 1
	}
	minutes = max(minutes, 0)

	perDay := max(int64(f.dayLength/time.Minute), 1)
	days, rest := minutes/perDay, minutes%perDay
	hours, mins := rest/60, rest%60

	var words []string
	if days > 0 {
		words = append(words, f.unit("day", days))
	}
	if hours > 0 {
		words = append(words, f.unit("hour", hours))
	}
	if mins > 0 || len(words) == 0 {
		words = append(words, f.unit("minute", mins))
	}
	return strings.Join(words, " ")
}

// unit writes n with its unit word from the catalog keys
// duration.<unit>.one and duration.<unit>.other, whose "{n}" is replaced
// by the number.
func (f formatter) unit(name string, n int64) string {
	form := "other"
	if n == 1 {
		form = "one"
	}
	pattern := f.label("duration."+name, form, "{n} "+name)
	return strings.ReplaceAll(pattern, "{n}", strconv.FormatInt(n, 10))
}

// number writes n with the language's thousands separator: 12.345.
func (f formatter) number(n int) string {
	digits := strconv.Itoa(max(n, -n))
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(f.words.thousands)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// percent writes n out of total as a whole percentage, or "-" when
// total is not positive.
func (f formatter) percent(n, total int) string {
	if total <= 0 {
		return "-"
	}
	return strconv.Itoa(int(float64(n)*100/float64(total)+0.5)) + "%"
}

// minutes returns d in whole minutes, rounded, for CSV and JSON.
func minutes(d time.Duration) int64 {
	return int64(d.Round(time.Minute) / time.Minute)
}

// stepName returns the step's short name, or its code for a step the
// wording does not know.
func (f formatter) stepName(step workflow.Step) string {
	if name, ok := f.words.steps[step]; ok {
		return name
	}
	return string(step)
}

// applicationName returns an application's name, or the words for an
// unknown application when it is empty.
func (f formatter) applicationName(name string) string {
	if name == "" {
		return f.words.noApplication
	}
	return name
}

func (f formatter) channelName(key string) string { return f.code("channel", key) }

func (f formatter) stateName(key string) string { return f.code("state", key) }

// categoryName returns the display name of a category key.
func (f formatter) categoryName(key string) string {
	if key == KeyUnconfirmed {
		return f.words.unconfirmed
	}
	return f.code("category", key)
}
