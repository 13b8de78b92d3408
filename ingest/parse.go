package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"

	// Registers the legacy charsets go-message decodes address headers
	// with.
	_ "github.com/emersion/go-message/charset"
)

// DefaultLoopHeader is the header field keluhan sets on its own mail.
const DefaultLoopHeader = "X-Keluhan-Loop"

// DefaultMaxHeaderBytes is the header size Parse reads when
// ParseOptions.MaxHeaderBytes is zero. It is the default go-message uses
// too; real headers, long Received and ARC chains included, stay far
// below it.
const DefaultMaxHeaderBytes = 1 << 20

// ErrUnreadable means raw holds nothing Parse could read: it is empty, or
// it has neither header fields nor body text nor attachments.
var ErrUnreadable = errors.New("no readable header or body")

// ParseOptions configures Parse and Classify. The zero value is usable.
type ParseOptions struct {
	// OurDomains lists the domains keluhan writes Message-IDs under and
	// the full addresses it sends from, for loop detection. Entries with
	// an "@" are addresses; the others are domains.
	OurDomains []string
	// LoopHeader is the header field keluhan sets on its own mail;
	// DefaultLoopHeader when empty.
	LoopHeader string
	// HelpdeskAddress is the help-desk mailbox address, bare or as
	// "Name <address>". Mail from it is our own mail coming back.
	HelpdeskAddress string
	// MaxHeaderBytes bounds each header section read, of the message and
	// of each part; DefaultMaxHeaderBytes when zero or negative. Fields
	// past the limit are ignored with a warning.
	MaxHeaderBytes int
}

func (o ParseOptions) withDefaults() ParseOptions {
	if o.LoopHeader == "" {
		o.LoopHeader = DefaultLoopHeader
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return o
}

// Parse reads a raw email into a Message, filling every field the mail
// allows (see Message). It is lenient: broken structure, unknown
// charsets, malformed headers and truncated parts produce as much as can
// be read plus Warnings, never a panic. Addresses are lower-cased. Parts
// are read in place from raw, and attachments are hashed while they are
// decoded, so memory use stays small beside raw itself. raw must not be
// modified while Parse runs. Parse returns an error wrapping ErrUnreadable
// only when nothing usable was found, and then still returns a Message
// with Key, RawSHA256, Size and any Warnings. Safe for concurrent use.
func Parse(raw []byte, opts ParseOptions) (*Message, error) {
	opts = opts.withDefaults()
	m := &Message{Size: int64(len(raw)), RawSHA256: sha256Hex(raw), Class: ClassPerson}
	m.Key = messageKey("", m.RawSHA256)
	if len(bytes.TrimSpace(raw)) == 0 {
		m.ContentHash = contentHash(&textproto.Header{}, raw)
		return m, fmt.Errorf("parse message: %w", ErrUnreadable)
	}

	var warn warnings
	top, hasHeader := readTop(raw, opts.MaxHeaderBytes, &warn)
	readHeaderFields(m, top, opts, &warn)

	body := &bodyCollector{warn: &warn, maxHeaderBytes: opts.MaxHeaderBytes}
	w := &walker{maxHeaderBytes: opts.MaxHeaderBytes, warn: &warn, visit: body.visit}
	if err := w.walk(top, position{}); err != nil {
		m.Warnings = warn.result()
		return m, fmt.Errorf("parse message: %w", err)
	}
	fillBody(m, body, &warn)

	m.ContentHash = contentHash(&top.header, top.body)
	m.Key = messageKey(m.MessageID, m.RawSHA256)
	m.Class, m.Reason = Classify(m, opts)
	fillBounceDetails(m, body)
	m.Warnings = warn.result()

	if !hasHeader && strings.TrimSpace(m.Text) == "" && len(m.Attachments) == 0 {
		return m, fmt.Errorf("parse message: %w", ErrUnreadable)
	}
	return m, nil
}

// readTop reads the message header and content type. A message whose
// first lines are not header fields is read as a plain-text body; the
// second result is false then.
func readTop(raw []byte, maxHeaderBytes int, warn *warnings) (*entity, bool) {
	block, body := splitHeader(raw)
	h, ok := readHeader(block, maxHeaderBytes, warn)
	if !ok {
		warn.add("no header fields: whole message read as body")
		body = raw
	}
	e := &entity{header: h, body: body}
	e.mediaType, e.params = contentType(&h, "text/plain", warn)
	return e, ok
}

// walkRaw reads raw and visits its leaves in the order Parse numbers
// them.
func walkRaw(raw []byte, maxHeaderBytes int, warn *warnings, visit func(*leaf) error) error {
	top, _ := readTop(raw, maxHeaderBytes, warn)
	w := &walker{maxHeaderBytes: maxHeaderBytes, warn: warn, visit: visit}
	return w.walk(top, position{})
}

// fillBody sets the body fields of m from the collected leaves. ReplyText
// comes from the plain text when there is some, otherwise from the HTML,
// where quote elements can be recognised before conversion.
func fillBody(m *Message, c *bodyCollector, warn *warnings) {
	m.Parts = c.parts
	m.Attachments = c.attachments
	m.Text, m.TextFromHTML = c.text(warn)

	rawHTML := c.rawHTML()
	m.HTML = sanitizeHTML(rawHTML)
	if m.TextFromHTML {
		m.ReplyText = StripHTMLReply(rawHTML)
	} else {
		m.ReplyText = StripReply(m.Text)
	}
}

// fillBounceDetails sets m.Bounce for a bounce from its delivery report,
// or, for bounces without one, from X-Failed-Recipients and a Message-ID
// line in the returned text. It leaves m.Bounce nil when nothing is
// known.
func fillBounceDetails(m *Message, c *bodyCollector) {
	if m.Class != ClassBounce {
		return
	}
	b := c.bounce
	if b.OriginalMessageID == "" {
		b.OriginalMessageID = messageIDInText(m.Text)
	}
	if b.Recipient == "" {
		first, _, _ := strings.Cut(headerValue(m, "X-Failed-Recipients"), ",")
		b.Recipient = strings.ToLower(bareAddress(first))
	}
	if b != (Bounce{}) {
		m.Bounce = &b
	}
}
