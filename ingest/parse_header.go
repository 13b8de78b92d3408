package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	stdtextproto "net/textproto"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// encodedWordPattern matches one RFC 2047 encoded-word.
var encodedWordPattern = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// splitHeader cuts an entity at the blank line that ends its header
// section. An entity without a blank line is all header.
func splitHeader(b []byte) (header, body []byte) {
	if bytes.HasPrefix(b, []byte("\n")) {
		return nil, b[1:]
	}
	if bytes.HasPrefix(b, []byte("\r\n")) {
		return nil, b[2:]
	}
	lf := bytes.Index(b, []byte("\n\n"))
	crlf := bytes.Index(b, []byte("\n\r\n"))
	switch {
	case lf >= 0 && (crlf < 0 || lf < crlf):
		return b[:lf+1], b[lf+2:]
	case crlf >= 0:
		return b[:crlf+1], b[crlf+3:]
	}
	return b, nil
}

// readHeader parses a header section leniently. Lines that are neither a
// field nor a continuation are dropped with a warning instead of ending
// the header, and only the first maxBytes bytes are read. It returns false
// when the section held no field at all, which means it was not a header.
func readHeader(block []byte, maxBytes int, warn *warnings) (textproto.Header, bool) {
	clean, fields := cleanHeader(block, maxBytes, warn)
	if fields == 0 {
		return textproto.Header{}, false
	}
	clean = append(clean, '\r', '\n')
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(clean)))
	if err != nil {
		// cleanHeader only keeps lines ReadHeader accepts, so this is
		// unexpected; keep the fields read so far.
		warn.add("read header: %v", err)
	}
	return h, true
}

// cleanHeader rewrites a header section so that every line is a field or
// a continuation of one, each ending in CRLF, and returns it with the
// number of fields kept.
func cleanHeader(block []byte, maxBytes int, warn *warnings) ([]byte, int) {
	if len(block) > maxBytes {
		warn.add("header section of %d bytes exceeds %d bytes: rest ignored", len(block), maxBytes)
		block = block[:maxBytes]
		if i := bytes.LastIndexByte(block, '\n'); i >= 0 {
			block = block[:i+1]
		}
	}

	out := make([]byte, 0, len(block)+64)
	fields, dropped := 0, 0
	for line := range bytes.Lines(block) {
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if fields == 0 {
				dropped++
				continue
			}
		case isFieldLine(line):
			fields++
		default:
			dropped++
			continue
		}
		out = append(out, line...)
		out = append(out, '\r', '\n')
	}
	if dropped > 0 && fields > 0 {
		warn.add("malformed header: %d lines dropped", dropped)
	}
	return out, fields
}

// isFieldLine reports whether line starts a header field: a name of
// printable ASCII characters other than the colon, then a colon. Spaces
// before the colon occur in the wild and are accepted.
func isFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

// firstLine returns the first physical line of a field's value, before
// any folding. Senders that fold a following field into this one by
// mistake leave the real value there.
func firstLine(h *textproto.Header, key string) string {
	raw, err := h.Raw(key)
	if err != nil || raw == nil {
		return ""
	}
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	_, value, _ := bytes.Cut(line, []byte(":"))
	return strings.TrimSpace(string(bytes.TrimRight(value, "\r")))
}

// decodeHeaderText decodes an unstructured header value (RFC 2047) into
// clean UTF-8 on one line. Raw 8-bit bytes that are not UTF-8 are read as
// windows-1252 before the encoded-words are decoded, and encoded-words
// that cannot be decoded are dropped with a warning.
func decodeHeaderText(value string, field string, warn *warnings) string {
	value = toUTF8(value)
	value = dropBrokenWords(value, field, warn)
	decoder := mime.WordDecoder{CharsetReader: wordCharsetReader}
	decoded, err := decoder.DecodeHeader(value)
	if err != nil {
		// DecodeHeader fails only when its CharsetReader does, and
		// wordCharsetReader does not. Keep the value as it came.
		warn.add("decode %s: %v", field, err)
		decoded = value
	}
	return cleanHeaderText(decoded)
}

// dropBrokenWords removes encoded-words that cannot be decoded, such as a
// base64 word with a truncated group, because their raw form is noise to
// a reader.
func dropBrokenWords(value string, field string, warn *warnings) string {
	if !strings.Contains(value, "=?") {
		return value
	}
	decoder := mime.WordDecoder{CharsetReader: wordCharsetReader}
	return encodedWordPattern.ReplaceAllStringFunc(value, func(word string) string {
		if _, err := decoder.Decode(word); err != nil {
			warn.add("malformed encoded-word in %s dropped", field)
			return ""
		}
		return word
	})
}

// toUTF8 returns s unchanged when it is valid UTF-8 (RFC 6532 allows raw
// UTF-8 in headers) and reads it as windows-1252 otherwise.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return decodeWindows1252([]byte(s))
}

// cleanHeaderText replaces control characters, including CR and LF, with
// spaces, collapses runs of spaces and trims the result, so that a header
// value can never break a line it is written into.
func cleanHeaderText(s string) string {
	s = toUTF8(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keptHeaderFields lists the header fields that Parse copies into
// Message.Header for classification and authentication.
func keptHeaderFields(loopHeader string) []string {
	return []string{
		"Authentication-Results", "Auto-Submitted", "X-Autoreply", "X-Autorespond",
		"Precedence", "X-Auto-Response-Suppress", "List-Id", "List-Post",
		"List-Unsubscribe", "Return-Path", "X-Failed-Recipients", "X-Loop",
		"Thread-Index", "Content-Language", "Accept-Language", "Content-Type",
		loopHeader,
	}
}

// keptHeader copies the fields later steps read, with CR, LF and other
// control characters replaced by spaces. Values stay otherwise raw: not
// RFC 2047-decoded.
func keptHeader(h *textproto.Header, loopHeader string) map[string][]string {
	fields := make(map[string][]string)
	for _, key := range keptHeaderFields(loopHeader) {
		key = stdtextproto.CanonicalMIMEHeaderKey(key)
		values := h.Values(key)
		if len(values) == 0 {
			continue
		}
		clean := make([]string, len(values))
		for i, v := range values {
			clean[i] = cleanHeaderText(v)
		}
		fields[key] = clean
	}
	return fields
}

// warnings collects the problems met while parsing, without repeats and
// up to a limit, so that a message with thousands of broken lines cannot
// grow its own record without bound.
type warnings struct {
	list    []string
	dropped int
}

const maxWarnings = 50

func (w *warnings) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, seen := range w.list {
		if seen == msg {
			return
		}
	}
	if len(w.list) >= maxWarnings {
		w.dropped++
		return
	}
	w.list = append(w.list, msg)
}

// result returns the collected warnings, nil when there are none.
func (w *warnings) result() []string {
	if w.dropped > 0 {
		return append(w.list, fmt.Sprintf("%d more warnings not shown", w.dropped))
	}
	return w.list
}
