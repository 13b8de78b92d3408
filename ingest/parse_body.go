package ingest

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// maxTextBytes bounds the decoded text kept from the body parts, for Text
// and for HTML each. Parsed messages are stored as MongoDB documents,
// which are limited to 16 MiB, and no complaint a person writes comes
// near this size.
const maxTextBytes = 2 << 20

// maxReportBytes bounds what is read of a delivery-status part or of the
// returned message in a bounce: only their header fields are needed.
const maxReportBytes = 64 << 10

// bodyCollector gathers what Parse keeps from each leaf: body text, the
// attachment list, the part types and the pieces of a delivery report.
type bodyCollector struct {
	warn           *warnings
	maxHeaderBytes int

	pieces      []bodyPiece
	plainBytes  int
	htmlBytes   int
	parts       []string
	attachments []Attachment
	bounce      Bounce
}

// bodyPiece is the decoded text of one body leaf.
type bodyPiece struct {
	text        string
	isHTML      bool
	alternative int
}

// visit is the walker callback of Parse.
func (c *bodyCollector) visit(l *leaf) error {
	c.parts = append(c.parts, l.mediaType)
	c.readReport(l)
	if l.isBody {
		c.readBody(l)
		return nil
	}

	a := describeAttachment(l, c.warn)
	warning, err := streamAttachment(l, &a, io.Discard)
	if err != nil {
		return fmt.Errorf("hash attachment: %w", err)
	}
	if warning != "" {
		c.warn.add("%s", warning)
	}
	c.attachments = append(c.attachments, a)
	return nil
}

// readBody decodes a text/plain or text/html body leaf and keeps its text
// while the total stays within maxTextBytes.
func (c *bodyCollector) readBody(l *leaf) {
	isHTML := l.mediaType == "text/html"
	used := c.plainBytes
	if isHTML {
		used = c.htmlBytes
	}
	if used >= maxTextBytes {
		c.warn.add("body text over %d bytes: part %d not kept", maxTextBytes, l.index)
		return
	}

	raw := c.readDecoded(l, maxTextBytes-used)
	text := c.decodeText(l, raw, isHTML)
	if isHTML {
		c.htmlBytes += len(text)
	} else {
		c.plainBytes += len(text)
	}
	if !isHTML && strings.EqualFold(l.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(l.params["delsp"], "yes"))
	}
	c.pieces = append(c.pieces, bodyPiece{text: text, isHTML: isHTML, alternative: l.alternative})
}

// readDecoded returns at most limit bytes of a leaf's decoded body.
func (c *bodyCollector) readDecoded(l *leaf, limit int) []byte {
	reader, warning := transferDecoder(l.body, l.header.Get("Content-Transfer-Encoding"))
	if warning != "" {
		c.warn.add("part %d: %s", l.index, warning)
	}
	raw, err := io.ReadAll(io.LimitReader(reader, int64(limit)+1))
	if err != nil {
		c.warn.add("decode part %d: %v: text cut short", l.index, err)
	}
	if len(raw) > limit {
		c.warn.add("body text over %d bytes: part %d cut", maxTextBytes, l.index)
		raw = raw[:limit]
	}
	return raw
}

// decodeText converts a body part to clean UTF-8 text. An HTML part
// without a charset parameter may declare its charset in a meta element.
func (c *bodyCollector) decodeText(l *leaf, raw []byte, isHTML bool) string {
	label, declared := l.params["charset"]
	if !declared && isHTML {
		label = sniffHTMLCharset(raw)
	}
	text, warning := decodeCharset(raw, label)
	if warning != "" {
		c.warn.add("part %d: %s", l.index, warning)
	}
	return cleanText(text)
}

// readReport keeps the delivery status and the returned message's
// Message-ID of a delivery report. A returned message counts only inside
// multipart/report (RFC 6522), so that a person forwarding a bounce as a
// message/rfc822 attachment is not read as a bounce.
func (c *bodyCollector) readReport(l *leaf) {
	switch l.mediaType {
	case "message/delivery-status", "message/global-delivery-status":
		readDeliveryStatus(c.readReportBytes(l), &c.bounce, c.maxHeaderBytes)
	case "text/rfc822-headers", "message/rfc822", "message/global", "message/global-headers":
		if !slices.Contains(l.ancestors, "multipart/report") || c.bounce.OriginalMessageID != "" {
			return
		}
		c.bounce.OriginalMessageID = returnedMessageID(c.readReportBytes(l), c.maxHeaderBytes)
	}
}

func (c *bodyCollector) readReportBytes(l *leaf) []byte {
	reader, _ := transferDecoder(l.body, l.header.Get("Content-Transfer-Encoding"))
	// A read error leaves a shorter report, which is still worth reading.
	raw, _ := io.ReadAll(io.LimitReader(reader, maxReportBytes))
	return raw
}

// text returns the readable body: the body leaves in order, with each
// HTML leaf converted to text unless it belongs to a multipart/alternative
// that also has plain text. An HTML leaf beside the plain text, such as the
// message itself when a gateway added a plain-text footer part, is kept
// that way. The second result is true when all the text came from HTML.
func (c *bodyCollector) text(warn *warnings) (string, bool) {
	hasPlain := make(map[int]bool)
	for _, p := range c.pieces {
		if !p.isHTML && p.alternative != 0 && strings.TrimSpace(p.text) != "" {
			hasPlain[p.alternative] = true
		}
	}

	var texts []string
	fromPlain, fromHTML := false, false
	for _, p := range c.pieces {
		switch {
		case !p.isHTML:
			texts = append(texts, p.text)
			fromPlain = fromPlain || strings.TrimSpace(p.text) != ""
		case p.alternative == 0 || !hasPlain[p.alternative]:
			texts = append(texts, htmlToText(p.text, warn))
			fromHTML = true
		}
	}
	return strings.TrimSpace(strings.Join(texts, "\n")), fromHTML && !fromPlain
}

// rawHTML returns the HTML leaves joined, as received.
func (c *bodyCollector) rawHTML() string {
	var html []string
	for _, p := range c.pieces {
		if p.isHTML {
			html = append(html, p.text)
		}
	}
	return strings.Join(html, "\n")
}

// cleanText normalises line ends to LF and removes NUL and the other C0
// control characters except tab, line feed and form feed.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' && r != '\n' && r != '\f' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
