package ingest

import (
	"net/mail"
	"strings"
	"time"
)

// dateLayouts returns the Date header shapes seen from mail clients and
// web forms that RFC 5322 parsing in net/mail rejects.
func dateLayouts() []string {
	return []string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700",
		"Mon, 2 Jan 06 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05",
		"2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05",
		"Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 -0700 2006",
		"Mon Jan 2 15:04:05 MST 2006",
		"Monday, January 2, 2006 15:04:05 -0700",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05",
	}
}

// maxDateTokens bounds how many trailing words parseDate tries to drop
// from a Date value that other text was folded into.
const maxDateTokens = 8

// parseDate reads a Date header value leniently. It tries RFC 5322 first,
// then the value without comments, then the same with trailing words
// dropped one by one, which recovers a date that swallowed the folded
// lines after it. It returns false when no attempt parses.
func parseDate(value string) (time.Time, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(value); err == nil {
		return t, true
	}

	words := strings.Fields(stripComments(value))
	for n := len(words); n > 0 && len(words)-n <= maxDateTokens; n-- {
		if t, ok := parseDateLayouts(strings.Join(words[:n], " ")); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseDateLayouts(s string) (time.Time, bool) {
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	for _, layout := range dateLayouts() {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// stripComments removes parenthesised comments such as "(WIB)", nested or
// not, and an unclosed one to the end of the value.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
