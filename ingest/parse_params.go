package ingest

import (
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// contentType returns the lower-cased media type and parameters of an
// entity, or defaultType when the header is missing or names no valid
// type (RFC 2045 section 5.2).
func contentType(h *textproto.Header, defaultType string, warn *warnings) (string, map[string]string) {
	value := h.Get("Content-Type")
	if strings.TrimSpace(value) == "" {
		return defaultType, map[string]string{}
	}
	mediaType, params := parseParams(value, "Content-Type", warn)
	if !validMediaType(mediaType) {
		warn.add("invalid Content-Type %q: read as %s", clip(mediaType, 60), defaultType)
		return defaultType, params
	}
	return mediaType, params
}

// contentDisposition returns the lower-cased disposition type ("inline",
// "attachment" or "" when missing) and its parameters.
func contentDisposition(h *textproto.Header) (string, map[string]string) {
	value := h.Get("Content-Disposition")
	if strings.TrimSpace(value) == "" {
		return "", map[string]string{}
	}
	var ignored warnings
	return parseParams(value, "Content-Disposition", &ignored)
}

// parseParams parses a header value with parameters (RFC 2045, RFC 2183,
// RFC 2231). It uses mime.ParseMediaType and falls back to a lenient
// parser when that rejects the value, or when extended parameters are
// present, because mime.ParseMediaType drops RFC 2231 values in charsets
// other than UTF-8 and US-ASCII.
func parseParams(value, field string, warn *warnings) (string, map[string]string) {
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil {
		warn.add("%s: %v: parsed leniently", field, err)
		mediaType, params = parseParamsLenient(value)
	} else if strings.Contains(value, "*=") {
		_, lenient := parseParamsLenient(value)
		for k, v := range lenient {
			if _, ok := params[k]; !ok {
				params[k] = v
			}
		}
	}
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	if params == nil {
		params = map[string]string{}
	}
	return mediaType, params
}

func validMediaType(t string) bool {
	major, minor, ok := strings.Cut(t, "/")
	return ok && major != "" && minor != "" && !strings.ContainsAny(t, " \t\"()<>@,;:\\[]?=")
}

// paramSection is one piece of an RFC 2231 parameter value.
type paramSection struct {
	value    string
	extended bool
}

// parseParamsLenient splits "type; key=value; ..." by semicolons outside
// quotes and assembles RFC 2231 continuations ("name*0*=", "name*1*=")
// and extended values ("name*=charset'lang'percent-encoded") in any
// charset.
func parseParamsLenient(value string) (string, map[string]string) {
	pieces := splitOutsideQuotes(value, ';')
	mediaType := strings.TrimSpace(pieces[0])
	params := make(map[string]string)
	sections := make(map[string]map[int]paramSection)

	for _, piece := range pieces[1:] {
		key, val, ok := strings.Cut(piece, "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = unquote(strings.TrimSpace(val))
		extended := strings.HasSuffix(key, "*")
		key = strings.TrimSuffix(key, "*")

		name, number, isSection := strings.Cut(key, "*")
		n, err := strconv.Atoi(number)
		if isSection && err == nil && n >= 0 && n < 1000 {
			if sections[name] == nil {
				sections[name] = make(map[int]paramSection)
			}
			sections[name][n] = paramSection{value: val, extended: extended}
			continue
		}
		if extended {
			params[key] = decodeExtendedValue(val, true)
		} else if _, ok := params[key]; !ok {
			params[key] = val
		}
	}

	for name, parts := range sections {
		params[name] = joinSections(parts)
	}
	return mediaType, params
}

// joinSections concatenates RFC 2231 sections in order. The charset named
// by the first extended section applies to all extended sections.
func joinSections(parts map[int]paramSection) string {
	numbers := make([]int, 0, len(parts))
	for n := range parts {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)

	charset := ""
	var raw []byte
	for i, n := range numbers {
		part := parts[n]
		if !part.extended {
			raw = append(raw, part.value...)
			continue
		}
		text := part.value
		if i == 0 {
			charset, text = splitCharsetPrefix(text)
		}
		raw = append(raw, percentDecode(text)...)
	}
	text, _ := decodeCharset(raw, charset)
	return text
}

// decodeExtendedValue decodes "charset'lang'percent-encoded".
func decodeExtendedValue(v string, hasCharset bool) string {
	charset := ""
	if hasCharset {
		charset, v = splitCharsetPrefix(v)
	}
	text, _ := decodeCharset(percentDecode(v), charset)
	return text
}

// splitCharsetPrefix splits "charset'lang'rest" into the charset and the
// rest; a value without two quotes has no charset.
func splitCharsetPrefix(v string) (string, string) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", v
	}
	return parts[0], parts[2]
}

// percentDecode decodes %XX escapes and keeps a malformed escape as is.
func percentDecode(s string) []byte {
	if decoded, err := url.PathUnescape(s); err == nil {
		return []byte(decoded)
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// splitOutsideQuotes splits s at sep where sep is not inside a quoted
// string. A backslash escapes the next character inside quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote removes the quotes of a quoted string and its backslash escapes;
// an unterminated quote is kept open to the end.
func unquote(s string) string {
	if !strings.HasPrefix(s, `"`) {
		return s
	}
	s = strings.TrimSuffix(s[1:], `"`)
	var b strings.Builder
	escaped := false
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// clip shortens s to at most n bytes for a warning, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s...", s[:cut])
}

func isRuneStart(c byte) bool {
	return c&0xC0 != 0x80
}
