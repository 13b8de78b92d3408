package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidDuration is wrapped by every error ParseDuration returns.
var ErrInvalidDuration = errors.New("invalid working duration")

// maxDurationCount bounds each number in a duration, so that any parsed
// Duration converts to a time.Duration without overflow.
const maxDurationCount = 99999

const acceptedDurationForms = `accepted forms: 3d, 4h, 1d4h, 90m, ` +
	`"3 hari kerja", "4 jam kerja", "1 hari 4 jam kerja", ` +
	`"3 working days", "4 working hours", "1 working day and 4 working hours"`

// Duration is an amount of working time: working days, working hours and
// working minutes. The zero Duration is no time. A Calendar turns it into
// working time with Working and DayLength, so how long a working day is
// depends on the calendar's hours.
type Duration struct {
	Days    int
	Hours   int
	Minutes int
}

// Working returns the working time of d when a working day is dayLength.
func (d Duration) Working(dayLength time.Duration) time.Duration {
	return time.Duration(d.Days)*dayLength +
		time.Duration(d.Hours)*time.Hour +
		time.Duration(d.Minutes)*time.Minute
}

// String returns the compact form, such as "1d4h" or "90m", which
// ParseDuration accepts. The zero Duration is "0h". A Duration with a
// negative field does not parse back.
func (d Duration) String() string {
	var b strings.Builder
	if d.Days != 0 {
		fmt.Fprintf(&b, "%dd", d.Days)
	}
	if d.Hours != 0 {
		fmt.Fprintf(&b, "%dh", d.Hours)
	}
	if d.Minutes != 0 {
		fmt.Fprintf(&b, "%dm", d.Minutes)
	}
	if b.Len() == 0 {
		return "0h"
	}
	return b.String()
}

// Phrase returns d in words for people: "1 hari 4 jam kerja" for lang "id"
// and "1 working day and 4 working hours" for lang "en". Any other lang
// gets Indonesian. ParseDuration accepts both phrasings.
func (d Duration) Phrase(lang string) string {
	if lang == "en" {
		return d.englishPhrase()
	}
	return d.indonesianPhrase()
}

func (d Duration) indonesianPhrase() string {
	var parts []string
	if d.Days != 0 {
		parts = append(parts, fmt.Sprintf("%d hari", d.Days))
	}
	if d.Hours != 0 {
		parts = append(parts, fmt.Sprintf("%d jam", d.Hours))
	}
	if d.Minutes != 0 {
		parts = append(parts, fmt.Sprintf("%d menit", d.Minutes))
	}
	if len(parts) == 0 {
		parts = []string{"0 jam"}
	}
	return strings.Join(parts, " ") + " kerja"
}

func (d Duration) englishPhrase() string {
	var parts []string
	if d.Days != 0 {
		parts = append(parts, englishCount(d.Days, "day"))
	}
	if d.Hours != 0 {
		parts = append(parts, englishCount(d.Hours, "hour"))
	}
	if d.Minutes != 0 {
		parts = append(parts, englishCount(d.Minutes, "minute"))
	}
	if len(parts) == 0 {
		parts = []string{englishCount(0, "hour")}
	}
	return strings.Join(parts, " and ")
}

func englishCount(n int, unit string) string {
	if n == 1 {
		return "1 working " + unit
	}
	return fmt.Sprintf("%d working %ss", n, unit)
}

// MarshalText returns String, so that a Duration is written in its compact
// form in YAML and JSON.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText parses text with ParseDuration, so that configuration
// files may use any accepted form.
func (d *Duration) UnmarshalText(text []byte) error {
	parsed, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
