package ingest

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
)

// transferDecoder returns a reader of the decoded body of a leaf. It never
// fails: an unknown Content-Transfer-Encoding leaves the body as it is and
// returns a warning. Multipart entities have no transfer encoding of their
// own (RFC 2045 section 6.4), so the walk never calls this for them.
func transferDecoder(body []byte, encoding string) (io.Reader, string) {
	switch strings.ToLower(strings.Trim(encoding, " \t\"'")) {
	case "base64", "base-64":
		return base64.NewDecoder(base64.RawStdEncoding, newBase64Filter(body)), ""
	case "quoted-printable", "quotedprintable", "qp":
		return &qpReader{src: body}, ""
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
		return bytes.NewReader(body), ""
	}
	return bytes.NewReader(body), "unknown Content-Transfer-Encoding " + clip(encoding, 40) + ": body kept as is"
}

// base64Filter passes only base64 alphabet bytes through, so that line
// breaks of any length, stray blanks and padding inside the text do not
// stop decoding. It maps the URL-safe alphabet to the standard one. The
// decoder behind it uses no padding, so "=" is dropped here.
//
// NOTE: two base64 texts concatenated in one part ("...==" followed by
// more text) decode misaligned after the first one's padding.
type base64Filter struct {
	src   []byte
	table [256]byte
}

// newBase64Filter returns a filter over src with its lookup table: the
// byte to pass on for each input byte, or 0 to drop it.
func newBase64Filter(src []byte) *base64Filter {
	f := &base64Filter{src: src}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		f.table[alphabet[i]] = alphabet[i]
	}
	f.table['-'] = '+'
	f.table['_'] = '/'
	return f
}

func (f *base64Filter) Read(p []byte) (int, error) {
	n, i := 0, 0
	for ; i < len(f.src) && n < len(p); i++ {
		if c := f.table[f.src[i]]; c != 0 {
			p[n] = c
			n++
		}
	}
	f.src = f.src[i:]
	if n == 0 && len(f.src) == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// qpReader decodes quoted-printable (RFC 2045 section 6.7) without ever
// failing: "=" not followed by two hex digits or a line break is a literal
// "=", control bytes pass through, and white space at the end of a line,
// which transports may add, is removed. mime/quotedprintable stops at the
// first such byte instead.
type qpReader struct {
	src []byte
	// pending holds white space met inside a line, still to be written.
	pending []byte
}

func (r *qpReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.pending) > 0 {
			c := copy(p[n:], r.pending)
			r.pending = r.pending[c:]
			n += c
			continue
		}
		if len(r.src) == 0 {
			break
		}
		n += r.decodeOne(p[n:])
	}
	if n == 0 && len(r.src) == 0 && len(r.pending) == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// decodeOne decodes the next unit of the source into p, which is not
// empty, and returns the number of bytes written.
func (r *qpReader) decodeOne(p []byte) int {
	c := r.src[0]
	switch {
	case c == '=':
		if len(r.src) >= 3 && isHex(r.src[1]) && isHex(r.src[2]) {
			p[0] = unhex(r.src[1])<<4 | unhex(r.src[2])
			r.src = r.src[3:]
			return 1
		}
		if rest, ok := afterSoftBreak(r.src[1:]); ok {
			r.src = rest
			return 0
		}
	case c == ' ' || c == '\t':
		run := spaceRun(r.src)
		if atLineEnd(r.src[run:]) {
			r.src = r.src[run:]
			return 0
		}
		r.pending = r.src[:run]
		r.src = r.src[run:]
		return 0
	}
	p[0] = c
	r.src = r.src[1:]
	return 1
}

// afterSoftBreak returns what follows a soft line break ("=" then optional
// white space and a line end, or the end of the body).
func afterSoftBreak(b []byte) ([]byte, bool) {
	b = b[spaceRun(b):]
	switch {
	case len(b) == 0:
		return b, true
	case b[0] == '\n':
		return b[1:], true
	case b[0] == '\r' && len(b) > 1 && b[1] == '\n':
		return b[2:], true
	}
	return nil, false
}

func spaceRun(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

func atLineEnd(b []byte) bool {
	return len(b) == 0 || b[0] == '\n' || b[0] == '\r'
}
