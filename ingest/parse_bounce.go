package ingest

import (
	"bytes"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxDiagnosticBytes bounds the diagnostic text kept from a bounce.
const maxDiagnosticBytes = 500

// readDeliveryStatus fills b from a message/delivery-status body (RFC 3464
// section 2): a block of per-message fields, then one block per recipient.
// It takes the first recipient whose Action is "failed", or else the first
// recipient, and keeps fields already in b.
func readDeliveryStatus(body []byte, b *Bounce, maxHeaderBytes int) {
	var chosen *textproto.Header
	for _, block := range statusBlocks(body) {
		var ignored warnings
		h, ok := readHeader(block, maxHeaderBytes, &ignored)
		if !ok || h.Get("Final-Recipient") == "" && h.Get("Original-Recipient") == "" {
			continue
		}
		if chosen == nil {
			chosen = &h
		}
		if strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
			chosen = &h
			break
		}
	}
	if chosen == nil {
		return
	}
	fillBounce(b, chosen)
}

// statusBlocks splits a delivery-status body at blank lines.
func statusBlocks(body []byte) [][]byte {
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	var blocks [][]byte
	for _, block := range bytes.Split(body, []byte("\n\n")) {
		if len(bytes.TrimSpace(block)) > 0 {
			blocks = append(blocks, block)
		}
	}
	return blocks
}

func fillBounce(b *Bounce, h *textproto.Header) {
	if b.Recipient == "" {
		recipient := typedValue(h.Get("Final-Recipient"))
		if recipient == "" {
			recipient = typedValue(h.Get("Original-Recipient"))
		}
		b.Recipient = strings.ToLower(strings.Trim(recipient, "<>"))
	}
	if b.Action == "" {
		b.Action = strings.ToLower(cleanHeaderText(h.Get("Action")))
	}
	if b.Status == "" {
		b.Status = cleanHeaderText(h.Get("Status"))
	}
	if b.Diagnostic == "" {
		b.Diagnostic = clip(typedValue(h.Get("Diagnostic-Code")), maxDiagnosticBytes)
	}
}

// typedValue returns the value of an RFC 3464 typed field ("rfc822;
// someone@example.com", "smtp; 550 5.1.1 ..."), without its type.
func typedValue(v string) string {
	if _, value, ok := strings.Cut(v, ";"); ok {
		v = value
	}
	return cleanHeaderText(v)
}

// returnedMessageID returns the normalised Message-ID from the header of
// the message a bounce returns, or "".
func returnedMessageID(raw []byte, maxHeaderBytes int) string {
	block, _ := splitHeader(raw)
	var ignored warnings
	h, ok := readHeader(block, maxHeaderBytes, &ignored)
	if !ok {
		return ""
	}
	return NormalizeMessageID(h.Get("Message-Id"))
}

// messageIDInText finds a "Message-ID:" line in the text of a bounce that
// returns the original message as plain text, as qmail and some web mail
// services do, and returns the normalised identifier or "".
func messageIDInText(text string) string {
	for line := range strings.Lines(text) {
		line = strings.TrimLeft(line, " \t>")
		if len(line) < len("message-id:") || !strings.EqualFold(line[:len("message-id:")], "message-id:") {
			continue
		}
		if id := NormalizeMessageID(line[len("message-id:"):]); id != "" {
			return id
		}
	}
	return ""
}
