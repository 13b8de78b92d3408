package ingest

import (
	"regexp"
	"strings"
)

// isoAttributionPattern matches the attribution line of older Gmail
// versions: "2024-08-05 9:12 GMT+07:00 Budi <budi@example.com>:".
var isoAttributionPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\b.*>:$`)

// clockTimePattern matches a time of day as attributions write it:
// "9:12", "09.12".
var clockTimePattern = regexp.MustCompile(`\b\d{1,2}[:.]\d{2}\b`)

// maxAttributionLines is how many physical lines an attribution such as
// "On <date> <name> wrote:" may be wrapped over. Gmail wraps long ones at
// the angle bracket of the address, which gives two or three lines.
const maxAttributionLines = 3

// maxAttributionBytes bounds an attribution's length, so that a long
// paragraph that happens to start with "On" and end with "wrote:" is not
// taken for one.
const maxAttributionBytes = 400

// StripReply returns the text a person wrote in a plain-text reply: the
// lines before the first quote header ("On ... wrote:", "Pada ...
// menulis:", "-----Original Message-----", an Outlook "From:/Sent:"
// block), without lines quoted with ">", the signature after "-- " and
// mobile footers such as "Sent from my iPhone" at the end. Inline replies
// between quoted lines are kept. Line ends become LF and the result is
// trimmed; an empty input returns "".
func StripReply(text string) string {
	lines := strings.Split(cleanText(text), "\n")
	lines = lines[:quoteStart(lines)]
	lines = dropQuotedLines(lines)
	lines = dropTrailingFooters(lines)
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// quoteStart returns the index of the first line of quoted history or
// signature, or len(lines) when there is none.
func quoteStart(lines []string) int {
	for i, line := range lines {
		switch {
		case isSignatureSeparator(line), isOriginalMessageLine(line):
			return i
		case isAttribution(lines[i:]):
			return i
		case isHeaderBlock(lines[i:]):
			return separatorBefore(lines, i)
		}
	}
	return len(lines)
}

// isSignatureSeparator reports whether line is the signature separator of
// RFC 3676 section 4.3, "-- ", or the "--" that clients which trim
// trailing spaces leave of it. Dashes inside a line do not count.
func isSignatureSeparator(line string) bool {
	return line == "-- " || line == "--"
}

// isOriginalMessageLine reports whether line is a dashed marker that
// introduces quoted or forwarded mail, such as "-----Original
// Message-----", "-----Pesan Asli-----" or "---------- Forwarded message
// ---------", or Apple Mail's "Begin forwarded message:".
func isOriginalMessageLine(line string) bool {
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "--") {
		label := strings.ToLower(strings.TrimSpace(strings.Trim(trimmed, "- ")))
		switch label {
		case "original message", "pesan asli", "pesan awal", "pesan orisinal",
			"forwarded message", "pesan terusan", "pesan yang diteruskan",
			"ursprüngliche nachricht", "message d'origine", "mensaje original":
			return true
		}
		return false
	}
	switch strings.ToLower(trimmed) {
	case "begin forwarded message:", "awal pesan yang diteruskan:", "pesan yang diteruskan:":
		return true
	}
	return false
}

// isAttribution reports whether lines start with an attribution line that
// introduces a quote, possibly wrapped over several lines. It accepts "On
// <date> <name> wrote:" and "Pada <date> <name> menulis:" with an address
// or a time of day in them, the older Gmail "<iso date> <name> <address>:",
// and any line ending in "wrote:" or "menulis:" before a quoted line. The
// address or time keeps a sentence such as "Pada tanggal 1 Juli saya
// menulis:" in the text.
func isAttribution(lines []string) bool {
	first := strings.TrimSpace(lines[0])
	if isoAttributionPattern.MatchString(first) {
		return true
	}
	if endsWithWrote(first) && nextIsQuoted(lines[1:]) {
		return true
	}
	lower := strings.ToLower(first)
	if !strings.HasPrefix(lower, "on ") && !strings.HasPrefix(lower, "pada ") {
		return false
	}
	joined := first
	for n := 1; n <= maxAttributionLines && n <= len(lines); n++ {
		if n > 1 {
			joined += " " + strings.TrimSpace(lines[n-1])
		}
		if len(joined) > maxAttributionBytes {
			return false
		}
		if endsWithWrote(joined) {
			return strings.Contains(joined, "@") || clockTimePattern.MatchString(joined)
		}
	}
	return false
}

func endsWithWrote(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	return strings.HasSuffix(s, " wrote") || strings.HasSuffix(s, " menulis")
}

// nextIsQuoted reports whether the first non-blank line starts with ">".
func nextIsQuoted(lines []string) bool {
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed != "" {
			return strings.HasPrefix(trimmed, ">")
		}
	}
	return false
}

// isHeaderBlock reports whether lines start with the header block that
// Outlook and other desktop clients put above quoted mail. The block is a
// "From:" or "Dari:" line, then a date line ("Sent:", "Date:", "Dikirim:",
// "Tanggal:") and at least one other header line ("To:", "Subject:",
// "Kepada:", "Perihal:"...), or all of them on the first line. Requiring
// the date line keeps the "Dari:/Kepada:/Perihal:" opening of a formal
// letter in the text. Bold markers from HTML conversion ("*From:*") are
// ignored.
func isHeaderBlock(lines []string) bool {
	if headerLabel(lines[0]) != "from" {
		return false
	}
	if inlineHeaderLabels(lines[0]) >= 2 {
		return true
	}
	seen := make(map[string]bool)
	for _, line := range lines[1:min(len(lines), 9)] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		label := headerLabel(line)
		if label == "" || label == "from" {
			break
		}
		seen[label] = true
	}
	return seen["sent"] && len(seen) >= 2
}

// headerLabel returns the English name of the quote header field a line
// starts with ("from", "sent", "to", "cc", "subject"), or "".
func headerLabel(line string) string {
	trimmed := strings.TrimLeft(strings.TrimSpace(line), "*")
	name, _, ok := strings.Cut(trimmed, ":")
	if !ok || len(name) > 20 {
		return ""
	}
	return quoteHeaderName(strings.ToLower(strings.TrimSpace(name)))
}

func quoteHeaderName(name string) string {
	switch name {
	case "from", "dari", "von", "de":
		return "from"
	case "sent", "date", "dikirim", "terkirim", "tanggal", "gesendet", "envoyé":
		return "sent"
	case "to", "kepada", "an", "à":
		return "to"
	case "cc", "tembusan", "kc":
		return "cc"
	case "subject", "subjek", "perihal", "judul", "betreff", "objet":
		return "subject"
	}
	return ""
}

// inlineHeaderLabels counts the quote header names after the first one on
// a line, for header blocks that lost their line breaks.
func inlineHeaderLabels(line string) int {
	lower := strings.ToLower(line)
	count := 0
	if !strings.Contains(lower, " sent:") && !strings.Contains(lower, " dikirim:") {
		return 0
	}
	for _, label := range []string{" sent:", " to:", " subject:", " dikirim:", " kepada:", " perihal:", " subjek:"} {
		if strings.Contains(lower, label) {
			count++
		}
	}
	return count
}

// separatorBefore returns the index of the separator line right above a
// header block ("____", "-----"), skipping blank lines, or i when there
// is none. Such lines elsewhere in a text are section breaks of the
// sender's own and are left alone.
func separatorBefore(lines []string, i int) int {
	j := i - 1
	for j >= 0 && strings.TrimSpace(lines[j]) == "" {
		j--
	}
	if j >= 0 && isSeparatorLine(lines[j]) {
		return j
	}
	return i
}

func isSeparatorLine(line string) bool {
	trimmed := strings.TrimSpace(line)
	if len(trimmed) < 5 {
		return false
	}
	return strings.Trim(trimmed, "_") == "" || strings.Trim(trimmed, "-") == "" || strings.Trim(trimmed, "━─") == ""
}

// dropQuotedLines removes lines quoted with ">".
func dropQuotedLines(lines []string) []string {
	var own []string
	for _, line := range lines {
		if !strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			own = append(own, line)
		}
	}
	return own
}

// dropTrailingFooters removes blank lines and mobile-client footers from
// the end. A footer line elsewhere is the sender's own text.
func dropTrailingFooters(lines []string) []string {
	for len(lines) > 0 {
		last := strings.TrimSpace(lines[len(lines)-1])
		if last != "" && !isMobileFooter(last) {
			return lines
		}
		lines = lines[:len(lines)-1]
	}
	return lines
}

// isMobileFooter reports whether a line is the footer a mail app adds,
// such as "Sent from my iPhone", "Dikirim dari iPhone saya", "Get Outlook
// for Android" or "Dikirim dari Yahoo Mail di Android".
func isMobileFooter(line string) bool {
	lower := strings.ToLower(strings.TrimSpace(line))
	if len(lower) > 80 {
		return false
	}
	for _, prefix := range []string{
		"sent from my ", "sent from mail for windows", "sent from yahoo mail", "sent from outlook",
		"sent from samsung", "sent with ", "sent via ", "get outlook for ", "dapatkan outlook untuk ",
		"diunduh dari ", "dikirim melalui ",
	} {
		if strings.HasPrefix(lower, prefix) {
			return true
		}
	}
	rest, ok := strings.CutPrefix(lower, "dikirim dari ")
	if !ok {
		return false
	}
	for _, device := range []string{
		"iphone", "ipad", "ponsel", "perangkat", "yahoo", "email", "e-mail", "surel",
		"outlook", "samsung", "android", "mail", "aplikasi", "huawei", "xiaomi", "oppo", "vivo",
	} {
		if strings.HasPrefix(rest, device) {
			return true
		}
	}
	return false
}
