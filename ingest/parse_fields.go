package ingest

import (
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// maxSubjectBytes bounds the decoded subject. Subjects are shown in
// lists and repeated in every email of a ticket; a few kilobytes keeps
// every ticket tag a real client writes.
const maxSubjectBytes = 4096

// readHeaderFields fills the fields of m that come from the message
// header.
func readHeaderFields(m *Message, top *entity, opts ParseOptions, warn *warnings) {
	h := &top.header
	readIdentity(m, h, warn)
	readAddresses(m, h, warn)
	readThreading(m, h, warn)

	for _, value := range h.Values("Authentication-Results") {
		m.AuthResults = append(m.AuthResults, cleanHeaderText(value))
	}
	m.Header = keptHeader(h, opts.LoopHeader)
}

// readIdentity reads Message-ID, Date and Subject.
func readIdentity(m *Message, h *textproto.Header, warn *warnings) {
	if raw := h.Get("Message-Id"); raw != "" {
		m.MessageID = NormalizeMessageID(raw)
		if m.MessageID == "" {
			warn.add("unusable Message-ID")
		}
	} else {
		warn.add("missing Message-ID")
	}

	m.Date = readDate(h, warn)

	subject := decodeHeaderText(h.Get("Subject"), "Subject", warn)
	if len(subject) > maxSubjectBytes {
		warn.add("Subject of %d bytes cut to %d", len(subject), maxSubjectBytes)
		subject = clip(subject, maxSubjectBytes)
	}
	m.Subject = subject
}

// readDate parses the Date header. When other fields were folded into it
// by mistake, its first line holds the date and is tried first.
func readDate(h *textproto.Header, warn *warnings) (date time.Time) {
	value := h.Get("Date")
	if value == "" {
		warn.add("missing Date")
		return date
	}
	if first := firstLine(h, "Date"); first != "" && first != value {
		if t, ok := parseDate(first); ok {
			warn.add("Date: text folded after the date ignored")
			return t
		}
	}
	if t, ok := parseDate(value); ok {
		return t
	}
	warn.add("unparsable Date %q", clip(cleanHeaderText(value), 80))
	return date
}

// readAddresses reads the originator and recipient fields.
func readAddresses(m *Message, h *textproto.Header, warn *warnings) {
	if value := h.Get("From"); value != "" {
		m.From = firstAddress(value, "From", warn)
	} else {
		warn.add("missing From")
	}
	if value := h.Get("Sender"); value != "" {
		m.Sender = firstAddress(value, "Sender", warn)
	}
	m.ReplyTo = parseAddressList(joinValues(h, "Reply-To"), "Reply-To", warn)
	m.To = parseAddressList(joinValues(h, "To"), "To", warn)
	m.Cc = parseAddressList(joinValues(h, "Cc"), "Cc", warn)

	if values := h.Values("Return-Path"); len(values) > 0 {
		m.HasReturnPath = true
		m.ReturnPath = strings.ToLower(cleanHeaderText(bareAddress(values[0])))
	}
	m.Recipients = recipients(m, h)
}

// recipients lists the lower-cased addresses of To, Cc, Delivered-To,
// X-Original-To and Envelope-To, without duplicates.
func recipients(m *Message, h *textproto.Header) []string {
	addresses := slices.Concat(m.To, m.Cc)
	for _, key := range []string{"Delivered-To", "X-Original-To", "Envelope-To"} {
		var ignored warnings
		addresses = append(addresses, parseAddressList(joinValues(h, key), key, &ignored)...)
	}

	var list []string
	seen := make(map[string]bool, len(addresses))
	for _, a := range addresses {
		if !seen[a.Address] {
			seen[a.Address] = true
			list = append(list, a.Address)
		}
	}
	return list
}

// readThreading reads In-Reply-To, References and Thread-Index.
func readThreading(m *Message, h *textproto.Header, warn *warnings) {
	m.InReplyTo = parseMessageIDList(joinValues(h, "In-Reply-To"))
	m.References = parseMessageIDList(joinValues(h, "References"))

	if value := h.Get("Thread-Index"); value != "" {
		conversation, ok := threadIndexConversation(value)
		if !ok {
			warn.add("unusable Thread-Index")
		}
		m.ThreadIndex = conversation
	}
}

// joinValues joins every value of a field that a message may repeat by
// mistake, such as two To fields.
func joinValues(h *textproto.Header, key string) string {
	return strings.Join(h.Values(key), ", ")
}
