package ingest

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxDepth bounds multipart nesting. Real mail nests three or four levels
// (mixed, alternative, related). Deeper nesting is kept as one opaque part,
// so that crafted mail cannot exhaust the stack.
const maxDepth = 32

// maxLeaves bounds how many leaf parts one message may list, so that a
// message of many tiny parts cannot produce an unbounded record.
const maxLeaves = 1000

// errStopWalk ends a walk early without an error for the caller.
var errStopWalk = errors.New("stop walk")

// entity is one MIME entity of a raw message: its header and its body,
// still transfer-encoded and sharing memory with the raw bytes.
type entity struct {
	header    textproto.Header
	body      []byte
	mediaType string
	params    map[string]string
}

// position is the place of an entity in the multipart tree.
type position struct {
	// ancestors lists the media types of the enclosing multiparts,
	// outermost first.
	ancestors []string
	// alternative is the number of the nearest enclosing
	// multipart/alternative, counted from 1 in walk order, or 0 outside
	// any. Leaves with the same number are versions of the same text.
	alternative int
	depth       int
}

// leaf is an entity that contains no other entity, as a walk visits it.
type leaf struct {
	entity
	position
	// index counts leaves in depth-first order from 0; it is the
	// Attachment.Index.
	index int
	// isBody is true for text/plain and text/html parts that are the
	// readable message; every other leaf is an attachment.
	isBody bool
	// ordinal counts attachments from 1; it is zero for body leaves.
	ordinal int
}

// walker visits the leaves of a message depth-first. Message/rfc822 parts
// are leaves: a forwarded message is an attachment, not part of the body.
type walker struct {
	maxHeaderBytes int
	warn           *warnings
	visit          func(*leaf) error
	leaves         int
	attachments    int
	alternatives   int
}

// walk visits every leaf under e and returns the first error of visit.
// It stops reading parts once maxLeaves leaves were visited.
func (w *walker) walk(e *entity, pos position) error {
	if !strings.HasPrefix(e.mediaType, "multipart/") || w.leaves >= maxLeaves {
		return w.visitLeaf(e, pos)
	}
	if pos.depth >= maxDepth {
		w.warn.add("multipart nested deeper than %d levels: kept as one part", maxDepth)
		e.mediaType = "application/octet-stream"
		return w.visitLeaf(e, pos)
	}

	children, ok := w.children(e)
	if !ok {
		return w.visitLeaf(e, pos)
	}
	inner := position{ancestors: append(slices.Clip(pos.ancestors), e.mediaType), alternative: pos.alternative, depth: pos.depth + 1}
	if e.mediaType == "multipart/alternative" {
		w.alternatives++
		inner.alternative = w.alternatives
	}
	for _, child := range children {
		if err := w.walk(child, inner); err != nil {
			return err
		}
	}
	return nil
}

// children splits a multipart entity into its parts. When the body holds
// no boundary line at all, as when a client declares multipart but sends
// one plain body, it returns false and turns e into a text/plain entity
// with that body.
func (w *walker) children(e *entity) ([]*entity, bool) {
	boundary := e.params["boundary"]
	if boundary == "" {
		boundary = guessBoundary(e.body)
		if boundary == "" {
			w.warn.add("%s without boundary parameter: body read as text", e.mediaType)
			e.mediaType = "text/plain"
			return nil, false
		}
		w.warn.add("%s without boundary parameter: boundary taken from the body", e.mediaType)
	}

	bodies, closed := splitMultipart(e.body, boundary, maxLeaves+1)
	switch {
	case len(bodies) == 0 && closed:
		w.warn.add("%s has no parts", e.mediaType)
		return nil, true
	case len(bodies) == 0:
		w.warn.add("%s has no boundary line: body read as text", e.mediaType)
		e.mediaType = "text/plain"
		return nil, false
	case len(bodies) > maxLeaves:
		w.warn.add("more than %d parts: the rest ignored", maxLeaves)
		bodies = bodies[:maxLeaves]
	case !closed:
		w.warn.add("%s not closed: message truncated", e.mediaType)
	}

	defaultType := "text/plain"
	if e.mediaType == "multipart/digest" {
		// RFC 2046 section 5.1.5.
		defaultType = "message/rfc822"
	}
	children := make([]*entity, 0, len(bodies))
	for _, body := range bodies {
		children = append(children, w.readEntity(body, defaultType))
	}
	return children, true
}

// readEntity parses one part: its header and content type. A part that
// does not start with a header is all body.
func (w *walker) readEntity(b []byte, defaultType string) *entity {
	block, body := splitHeader(b)
	h, ok := readHeader(block, w.maxHeaderBytes, w.warn)
	if !ok && len(block) > 0 {
		body = b
	}
	e := &entity{header: h, body: body}
	e.mediaType, e.params = contentType(&h, defaultType, w.warn)
	return e
}

// visitLeaf classifies a leaf as body or attachment and calls visit.
func (w *walker) visitLeaf(e *entity, pos position) error {
	if w.leaves >= maxLeaves {
		if w.leaves == maxLeaves {
			w.warn.add("more than %d parts: the rest ignored", maxLeaves)
			w.leaves++
		}
		return nil
	}
	l := &leaf{entity: *e, position: pos, index: w.leaves}
	w.leaves++
	l.isBody = isBodyPart(&l.entity)
	if !l.isBody {
		w.attachments++
		l.ordinal = w.attachments
	}
	return w.visit(l)
}

// isBodyPart reports whether a leaf is readable message text: text/plain
// or text/html that is neither marked as an attachment nor named.
func isBodyPart(e *entity) bool {
	if e.mediaType != "text/plain" && e.mediaType != "text/html" {
		return false
	}
	disposition, params := contentDisposition(&e.header)
	if disposition == "attachment" {
		return false
	}
	return params["filename"] == "" && e.params["name"] == ""
}

// splitMultipart returns the bodies between the boundary delimiter lines
// of a multipart body (RFC 2046 section 5.1.1) and whether the close
// delimiter was found. The preamble and epilogue are dropped. Lines may
// end in CRLF or LF alone. It stops after limit parts and reports the
// multipart as closed then, because the rest is ignored.
func splitMultipart(body []byte, boundary string, limit int) (parts [][]byte, closed bool) {
	dash := []byte("--" + boundary)
	start := -1
	for pos := 0; pos < len(body) && len(parts) < limit; {
		i := bytes.Index(body[pos:], dash)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len(dash)
		if at > 0 && body[at-1] != '\n' {
			continue
		}
		isClose, next, ok := delimiterEnd(body, pos)
		if !ok {
			continue
		}
		if start >= 0 {
			parts = append(parts, trimLineEnd(body[start:at]))
		}
		if isClose {
			return parts, true
		}
		start, pos = next, next
	}
	if len(parts) >= limit {
		return parts, true
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// delimiterEnd checks what follows "--boundary" at pos: "--" for the close
// delimiter, then optional white space and the end of the line. It returns
// the position of the next line.
func delimiterEnd(body []byte, pos int) (isClose bool, next int, ok bool) {
	if bytes.HasPrefix(body[pos:], []byte("--")) {
		isClose = true
		pos += 2
	}
	for pos < len(body) && (body[pos] == ' ' || body[pos] == '\t') {
		pos++
	}
	switch {
	case pos == len(body):
		return isClose, pos, true
	case body[pos] == '\n':
		return isClose, pos + 1, true
	case body[pos] == '\r' && pos+1 < len(body) && body[pos+1] == '\n':
		return isClose, pos + 2, true
	case body[pos] == '\r' && pos+1 == len(body):
		return isClose, pos + 1, true
	}
	// Other text after the boundary means a longer boundary that starts
	// with this one, such as a nested part's.
	return false, pos, false
}

// trimLineEnd removes the line break before a delimiter, which belongs to
// the delimiter (RFC 2046 section 5.1.1).
func trimLineEnd(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		return b[:len(b)-1]
	}
	return b
}

// guessBoundary returns the boundary of a multipart body whose header
// lacks the parameter: the text after "--" on the first line that looks
// like a delimiter, or "" when no line does.
func guessBoundary(body []byte) string {
	for line := range bytes.Lines(body) {
		line = bytes.TrimRight(line, "\r\n \t")
		if len(line) < 3 || len(line) > 72 || !bytes.HasPrefix(line, []byte("--")) {
			continue
		}
		candidate := string(line[2:])
		if strings.ContainsAny(candidate, " \t") || !strings.ContainsFunc(candidate, isAlphanumeric) {
			continue
		}
		return strings.TrimSuffix(candidate, "--")
	}
	return ""
}

func isAlphanumeric(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
