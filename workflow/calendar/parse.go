package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseDuration parses an amount of working time. Case and extra spaces do
// not matter. It accepts:
//
//   - the compact form: a number followed by d (days), h (hours) or m
//     (minutes), several of them in one value: "5d", "4h", "1d4h", "90m";
//   - Indonesian: "3 hari kerja", "4 jam kerja", "30 menit kerja",
//     "1 hari 4 jam kerja";
//   - English: "3 working days", "1 working day", "4 working hours",
//     "1 working day and 4 working hours".
//
// Each unit may appear once, and each number may be at most 99999. Phrases
// in words must contain "kerja" or "working", because a bare "3 hari" could
// mean calendar days. The error wraps ErrInvalidDuration and names the
// value and the accepted forms.
func ParseDuration(s string) (Duration, error) {
	d, err := parseDuration(s)
	if err != nil {
		return Duration{}, fmt.Errorf("%w %q: %w; %s", ErrInvalidDuration, s, err, acceptedDurationForms)
	}
	return d, nil
}

// Units of a duration, as indexes into durationParser.seenUnits.
const (
	unitDays = iota
	unitHours
	unitMinutes
)

type durationParser struct {
	tokens    []string
	pos       int
	result    Duration
	seenUnits [3]bool
	inWords   bool
	qualified bool
}

func parseDuration(s string) (Duration, error) {
	tokens := strings.Fields(strings.ToLower(strings.ReplaceAll(s, ",", " ")))
	if len(tokens) == 0 {
		return Duration{}, errors.New("empty value")
	}

	p := &durationParser{tokens: tokens}
	for p.pos < len(p.tokens) {
		if err := p.parsePart(); err != nil {
			return Duration{}, err
		}
	}

	if p.inWords && !p.qualified {
		return Duration{}, errors.New(`a phrase in words must contain "kerja" or "working"`)
	}
	return p.result, nil
}

func (p *durationParser) take() string {
	if p.pos >= len(p.tokens) {
		return ""
	}
	token := p.tokens[p.pos]
	p.pos++
	return token
}

func (p *durationParser) skip(word string) bool {
	if p.pos < len(p.tokens) && p.tokens[p.pos] == word {
		p.pos++
		return true
	}
	return false
}

func (p *durationParser) parsePart() error {
	token := p.take()
	switch {
	case token == "dan" || token == "and":
		if p.pos == 1 || p.pos == len(p.tokens) {
			return fmt.Errorf("%q must stand between two parts", token)
		}
		return nil
	case isDigits(token):
		return p.parseWords(token)
	default:
		return p.parseCompact(token)
	}
}

// parseWords parses "<number> hari|jam|menit [kerja]" or
// "<number> working day(s)|hour(s)|minute(s)" after the number.
func (p *durationParser) parseWords(number string) error {
	p.inWords = true
	word := p.take()
	switch word {
	case "hari", "jam", "menit":
		p.qualified = p.skip("kerja") || p.qualified
		return p.set(indonesianUnit(word), number)
	case "working":
		p.qualified = true
		return p.parseEnglishUnit(number)
	case "":
		return fmt.Errorf("number %s has no unit", number)
	}
	return fmt.Errorf("%q is not a unit: use hari, jam or menit, or working days, hours or minutes", word)
}

func indonesianUnit(word string) int {
	switch word {
	case "hari":
		return unitDays
	case "jam":
		return unitHours
	}
	return unitMinutes
}

func (p *durationParser) parseEnglishUnit(number string) error {
	word := p.take()
	switch word {
	case "day", "days":
		return p.set(unitDays, number)
	case "hour", "hours":
		return p.set(unitHours, number)
	case "minute", "minutes":
		return p.set(unitMinutes, number)
	}
	return fmt.Errorf(`"working" must be followed by days, hours or minutes, not %q`, word)
}

// parseCompact parses a token such as "1d4h30m".
func (p *durationParser) parseCompact(token string) error {
	rest := token
	for rest != "" {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits == 0 || digits == len(rest) || !isLetter(rest[digits]) {
			return fmt.Errorf("%q is not a whole number followed by d, h or m", token)
		}

		number, unit := rest[:digits], rest[digits]
		rest = rest[digits+1:]
		if err := p.setCompact(token, number, unit); err != nil {
			return err
		}
	}
	return nil
}

func (p *durationParser) setCompact(token, number string, unit byte) error {
	switch unit {
	case 'd':
		return p.set(unitDays, number)
	case 'h':
		return p.set(unitHours, number)
	case 'm':
		return p.set(unitMinutes, number)
	}
	return fmt.Errorf("%q has unit %q: use d, h or m", token, string(unit))
}

func (p *durationParser) set(unit int, number string) error {
	if p.seenUnits[unit] {
		return fmt.Errorf("%s given twice", unitName(unit))
	}
	p.seenUnits[unit] = true

	n, err := strconv.Atoi(number)
	if err != nil || n > maxDurationCount {
		return fmt.Errorf("%s is too large: at most %d %s", number, maxDurationCount, unitName(unit))
	}

	switch unit {
	case unitDays:
		p.result.Days = n
	case unitHours:
		p.result.Hours = n
	default:
		p.result.Minutes = n
	}
	return nil
}

func unitName(unit int) string {
	switch unit {
	case unitDays:
		return "days"
	case unitHours:
		return "hours"
	}
	return "minutes"
}

func isLetter(b byte) bool {
	return b >= 'a' && b <= 'z'
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
