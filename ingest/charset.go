package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// decodeCharset converts text in the named charset to valid UTF-8. It never
// fails: an unknown or wrong label falls back to UTF-8 when the bytes are
// valid UTF-8 and to windows-1252 otherwise, and the second result then
// names the fallback. It is empty when the label was used as declared.
func decodeCharset(b []byte, label string) (string, string) {
	name := canonicalCharset(label)
	switch name {
	case "utf-8":
		return decodeDeclaredUTF8(b)
	case "us-ascii", "windows-1252", "iso-8859-1":
		return decodeLatin(b, name)
	case "":
		return decodeUnlabelled(b, label)
	}

	enc := lookupEncoding(name)
	if enc == nil {
		text, _ := decodeUnlabelled(b, "")
		return text, fmt.Sprintf("unknown charset %q: %s", label, guessedCharset(b))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		text, _ := decodeUnlabelled(b, "")
		return text, fmt.Sprintf("decode charset %q: %v: %s", label, err, guessedCharset(b))
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), ""
}

// canonicalCharset lower-cases a charset label and maps the labels that
// senders use but neither the WHATWG nor the IANA registry lists to the
// charset they mean. It returns "" for labels that name no charset at all,
// such as "x-unknown" or "unknown-8bit".
func canonicalCharset(label string) string {
	name := strings.ToLower(strings.Trim(label, " \t\"'"))
	switch name {
	case "", "x-unknown", "unknown", "unknown-8bit", "x-unknown-8bit", "default", "none", "x-user-defined", "charset":
		return ""
	case "utf8", "utf-8", "utf_8", "x-utf8", "x-utf_8j", "unicode-1-1-utf-8", "utf-8-sig":
		return "utf-8"
	case "ascii", "us-ascii", "us_ascii", "usascii", "ansi_x3.4-1968", "iso646-us", "7bit", "8bit":
		return "us-ascii"
	case "latin1", "latin-1", "latin_1", "l1", "iso-8859-1", "iso8859-1", "iso_8859-1", "iso8859_1", "iso_8859_1", "8859-1", "8859_1":
		return "iso-8859-1"
	case "cp1252", "cp-1252", "win-1252", "windows1252", "x-cp1252", "ansi", "ms-ansi", "windows-1252":
		return "windows-1252"
	// GB18030 is a superset of GBK, which extends GB2312: mail labelled
	// GB2312 routinely carries GBK-only characters.
	case "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "euc-cn", "x-euc-cn", "gbk", "x-gbk", "cp936", "chinese", "gb18030":
		return "gb18030"
	}
	return windowsCodePage(name)
}

// windowsCodePage maps a bare Windows code page number ("1252", "cp1250")
// to the charset name the registries know.
func windowsCodePage(name string) string {
	digits := strings.TrimPrefix(name, "cp")
	if _, err := strconv.Atoi(digits); err != nil {
		return name
	}
	switch digits {
	case "932":
		return "shift_jis"
	case "936":
		return "gb18030"
	case "949":
		return "euc-kr"
	case "950":
		return "big5"
	case "1252":
		return "windows-1252"
	}
	if strings.HasPrefix(digits, "12") || digits == "874" {
		return "windows-" + digits
	}
	return name
}

// lookupEncoding finds a decoder for a canonical charset name in the WHATWG
// registry first, whose labels match what mail clients write, then in the
// IANA registry. It returns nil when neither lists the name.
func lookupEncoding(name string) encoding.Encoding {
	if name == "gb18030" {
		return simplifiedchinese.GB18030
	}
	if enc, err := htmlindex.Get(name); err == nil && enc != nil {
		return enc
	}
	if enc, err := ianaindex.MIME.Encoding(name); err == nil && enc != nil {
		return enc
	}
	return nil
}

// decodeDeclaredUTF8 returns b as UTF-8. Text that is not valid UTF-8 and
// holds no valid multi-byte sequence at all was written in a legacy charset
// by a client that labels everything utf-8, so it is read as windows-1252;
// otherwise the invalid bytes become U+FFFD.
func decodeDeclaredUTF8(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	if !hasMultibyteUTF8(b) {
		return decodeWindows1252(b), "charset utf-8 declared but text is not utf-8: decoded as windows-1252"
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), "invalid utf-8 replaced"
}

// decodeLatin decodes text labelled us-ascii, iso-8859-1 or windows-1252.
// RFC 2045 section 5.2 makes us-ascii the default for a text part without
// a charset, so 8-bit text under that label is common. Valid UTF-8 with
// multi-byte sequences is kept as UTF-8, because Latin-1 text practically
// never forms such sequences. Other 8-bit bytes are read as windows-1252,
// a superset of ISO-8859-1 that the WHATWG encoding standard also uses for
// both labels.
func decodeLatin(b []byte, name string) (string, string) {
	if isASCII(b) {
		return string(b), ""
	}
	if utf8.Valid(b) {
		return string(b), fmt.Sprintf("charset %s declared but text is utf-8", name)
	}
	if name == "us-ascii" {
		return decodeWindows1252(b), "8-bit text in us-ascii part: decoded as windows-1252"
	}
	return decodeWindows1252(b), ""
}

// decodeUnlabelled decodes text whose charset is missing or names no
// charset: UTF-8 when valid, windows-1252 otherwise.
func decodeUnlabelled(b []byte, label string) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	warning := ""
	if label != "" {
		warning = fmt.Sprintf("charset %q names no charset: decoded as windows-1252", label)
	}
	return decodeWindows1252(b), warning
}

// guessedCharset names the charset decodeUnlabelled picks for b.
func guessedCharset(b []byte) string {
	if utf8.Valid(b) {
		return "decoded as utf-8"
	}
	return "decoded as windows-1252"
}

func decodeWindows1252(b []byte) string {
	// charmap.Windows1252 maps each of the 256 byte values, the five
	// undefined ones to U+FFFD, so its error is always nil.
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(out)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasMultibyteUTF8 reports whether b contains at least one valid UTF-8
// sequence of two or more bytes.
func hasMultibyteUTF8(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError && size > 1 {
			return true
		}
		b = b[size:]
	}
	return false
}

// wordCharsetReader is the CharsetReader of the RFC 2047 word decoder. It
// never returns an error, so that one encoded-word in an unknown charset
// does not leave the rest of a header undecoded.
func wordCharsetReader(label string, input io.Reader) (io.Reader, error) {
	// Encoded-words are at most 75 bytes each (RFC 2047 section 2), so
	// reading the input whole is cheap.
	b, err := io.ReadAll(input)
	if err != nil {
		return nil, fmt.Errorf("read encoded-word: %w", err)
	}
	text, _ := decodeCharset(b, label)
	return bytes.NewReader([]byte(text)), nil
}
