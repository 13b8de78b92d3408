package mailer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// templateFuncs are the functions templates call, bound to one language's
// label catalog. Words such as month names and duration units come from
// the catalog, so a language is added without Go code.
type templateFuncs struct {
	labels     map[string]string
	location   *time.Location
	workingDay time.Duration
}

func newTemplateFuncs(labels map[string]string, loc *time.Location, workingDay time.Duration) *templateFuncs {
	return &templateFuncs{labels: labels, location: loc, workingDay: workingDay}
}

// funcMap returns the functions for text/template and html/template,
// which accept the same map. The HTML set escapes every result, because
// none returns a safe-HTML type.
func (f *templateFuncs) funcMap() map[string]any {
	return map[string]any{
		"label":     f.label,
		"reason":    f.reason,
		"date":      f.date,
		"datetime":  f.datetime,
		"plaindate": f.plainDate,
		"monthyear": f.monthYear,
		"workdur":   f.workingDuration,
		"percent":   percent,
		"ratio":     ratio,
		"excerpt":   excerpt,
		"quote":     quote,
		"indent":    indent,
		"lines":     splitLines,
		"join":      strings.Join,
	}
}

// label joins its arguments with dots into a catalog key and returns the
// catalog text: label "state" .Ticket.State looks up "state.new". When
// the key is missing it returns the last argument, so that a value which
// is already display text (a topic, a free-text reason) shows as it is;
// a single missing key is returned whole.
func (f *templateFuncs) label(parts ...any) string {
	words := make([]string, len(parts))
	for i, part := range parts {
		words[i] = fmt.Sprint(part)
	}

	key := strings.Join(words, ".")
	if text, ok := f.labels[key]; ok {
		return text
	}
	if len(words) > 1 {
		return words[len(words)-1]
	}
	return key
}

// reason translates a stored quarantine or ignore reason; see
// translateReason.
func (f *templateFuncs) reason(stored string) string {
	return translateReason(f.labels, stored)
}

// date formats t in the configured zone with the day name:
// "Senin, 7 Desember 2026". The zero time is "-".
func (f *templateFuncs) date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(f.location)
	weekday := f.label("day", strings.ToLower(t.Weekday().String()))
	return weekday + ", " + f.plainDate(t)
}

// datetime is date followed by the clock time and the zone abbreviation:
// "Senin, 7 Desember 2026 14.30 WIB". The catalog key format.clock holds
// the Go layout of the clock time.
func (f *templateFuncs) datetime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(f.location)
	clock := f.label("format.clock")
	if clock == "format.clock" {
		clock = "15:04"
	}
	return f.date(t) + " " + t.Format(clock) + " " + t.Format("MST")
}

// plainDate formats t without the day name: "7 Desember 2026".
func (f *templateFuncs) plainDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(f.location)
	return strconv.Itoa(t.Day()) + " " + f.monthYear(t)
}

// monthYear formats the month of t: "Desember 2026".
func (f *templateFuncs) monthYear(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(f.location)
	month := f.label("month", strings.ToLower(t.Month().String()))
	return month + " " + strconv.Itoa(t.Year())
}

// workingDuration writes a duration of working time in words: whole
// working days and hours ("2 hari kerja 3 jam"), or hours and minutes
// under one working day ("3 jam 20 menit"). It rounds to the minute, and
// shows any positive duration as at least one minute.
func (f *templateFuncs) workingDuration(d time.Duration) string {
	minutes := int64(d.Round(time.Minute) / time.Minute)
	if d > 0 && minutes == 0 {
		minutes = 1
	}
	if minutes < 0 {
		minutes = 0
	}

	perDay := int64(f.workingDay / time.Minute)
	days, rest := minutes/perDay, minutes%perDay
	hours, mins := rest/60, rest%60

	var words []string
	if days > 0 {
		words = append(words, f.unit("day", days))
	}
	if hours > 0 {
		words = append(words, f.unit("hour", hours))
	}
	if days == 0 && (mins > 0 || hours == 0) {
		words = append(words, f.unit("minute", mins))
	}
	return strings.Join(words, " ")
}

// unit writes n with its unit word from the catalog keys
// duration.<unit>.one and duration.<unit>.other, whose "{n}" is replaced
// by the number.
func (f *templateFuncs) unit(name string, n int64) string {
	form := "other"
	if n == 1 {
		form = "one"
	}
	pattern := f.label("duration", name, form)
	if pattern == form {
		pattern = "{n} " + name
	}
	return strings.ReplaceAll(pattern, "{n}", strconv.FormatInt(n, 10))
}

// percent writes a share between 0 and 1 as a whole percentage: 0.824 is
// "82%".
func percent(share float64) string {
	if math.IsNaN(share) || math.IsInf(share, 0) {
		return "-"
	}
	return strconv.FormatFloat(math.Round(share*100), 'f', 0, 64) + "%"
}

// ratio writes n out of total as a whole percentage, or "-" when total is
// not positive.
func ratio(n, total int) string {
	if total <= 0 {
		return "-"
	}
	return percent(float64(n) / float64(total))
}

// excerpt shortens s to at most max characters, cutting at a space where
// one is near the end and adding "…". Line breaks become spaces.
func excerpt(max int, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	runes := []rune(s)
	if len(runes) <= max || max <= 0 {
		return s
	}

	cut := max
	for i := max; i > max*2/3; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace) + "…"
}

// quote prefixes every line of s with "> ", the usual mark of quoted
// email text.
func quote(s string) string {
	return prefixLines("> ", s)
}

// indent prefixes every line of s with n spaces.
func indent(n int, s string) string {
	return prefixLines(strings.Repeat(" ", max(n, 0)), s)
}

func prefixLines(prefix, s string) string {
	lines := splitLines(s)
	for i, line := range lines {
		lines[i] = strings.TrimRight(prefix+line, " ")
	}
	return strings.Join(lines, "\n")
}

// splitLines splits s into lines after removing trailing line breaks, so
// that HTML templates can join them with <br>. Empty text has no lines.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
