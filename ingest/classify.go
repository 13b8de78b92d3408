package ingest

import (
	"mime"
	"slices"
	"strings"

	"net/textproto"
)

// ourMessageIDPrefix starts the local part of every Message-ID keluhan
// writes: "klh.<something>@<domain>".
const ourMessageIDPrefix = "klh."

// Classify returns the class of a parsed message and a short English code
// for the reason, such as "auto-submitted: auto-replied" or "dsn:
// multipart/report". Checks run in this order: our own mail coming back
// (loop), delivery reports (bounce), automatic replies, mailing lists.
// An empty Return-Path ("<>") marks a bounce only when no automatic-reply
// sign is present, because RFC 3834 section 3.3 has automatic replies use
// the null sender too. It reads the fields Parse fills; Header must hold
// the loop header named in opts. A nil message is ClassPerson.
func Classify(m *Message, opts ParseOptions) (Class, string) {
	if m == nil {
		return ClassPerson, ""
	}
	opts = opts.withDefaults()
	checks := []struct {
		class  Class
		reason func(*Message, ParseOptions) string
	}{
		{ClassLoop, loopReason},
		{ClassBounce, bounceReason},
		{ClassAutoReply, autoReplyReason},
		{ClassBounce, nullSenderReason},
		{ClassList, listReason},
	}
	for _, check := range checks {
		if reason := check.reason(m, opts); reason != "" {
			return check.class, reason
		}
	}
	return ClassPerson, ""
}

// loopReason detects keluhan's own mail coming back: the loop header,
// a Message-ID keluhan wrote, or the help-desk address as sender.
func loopReason(m *Message, opts ParseOptions) string {
	if headerValue(m, opts.LoopHeader) != "" {
		return "loop-header: " + textproto.CanonicalMIMEHeaderKey(opts.LoopHeader)
	}
	if isOurMessageID(m.MessageID, opts.OurDomains) {
		return "message-id: ours"
	}
	if m.From == nil {
		return ""
	}
	if isOurAddress(m.From.Address, opts) {
		return "from: our address"
	}
	for _, value := range m.Header["X-Loop"] {
		if isOurAddress(bareAddress(value), opts) {
			return "x-loop: ours"
		}
	}
	return ""
}

// isOurMessageID reports whether id has our local-part prefix and one of
// our domains. Replies from other systems keep our identifier only in
// In-Reply-To and References, never as their own Message-ID.
func isOurMessageID(id string, ours []string) bool {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || !strings.HasPrefix(strings.ToLower(local), ourMessageIDPrefix) {
		return false
	}
	for _, d := range ours {
		if !strings.Contains(d, "@") && strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

// isOurAddress reports whether address is the help-desk address or one
// of the full addresses (not domains) in OurDomains.
func isOurAddress(address string, opts ParseOptions) bool {
	if address == "" {
		return false
	}
	if strings.EqualFold(address, bareAddress(opts.HelpdeskAddress)) {
		return true
	}
	for _, entry := range opts.OurDomains {
		if strings.Contains(entry, "@") && strings.EqualFold(bareAddress(entry), address) {
			return true
		}
	}
	return false
}

// bounceReason detects delivery status notifications (RFC 3464) and
// mail from the mail system itself.
func bounceReason(m *Message, _ ParseOptions) string {
	if mediaType, params, err := mime.ParseMediaType(headerValue(m, "Content-Type")); err == nil &&
		mediaType == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status") {
		return "dsn: multipart/report"
	}
	if slices.Contains(m.Parts, "message/delivery-status") || slices.Contains(m.Parts, "message/global-delivery-status") {
		return "dsn: delivery-status part"
	}
	if m.From == nil {
		return ""
	}
	local, _, _ := strings.Cut(m.From.Address, "@")
	switch strings.ToLower(local) {
	case "mailer-daemon":
		return "from: mailer-daemon"
	case "postmaster":
		return "from: postmaster"
	}
	return ""
}

// nullSenderReason detects the empty Return-Path of a bounce.
func nullSenderReason(m *Message, _ ParseOptions) string {
	if m.HasReturnPath && m.ReturnPath == "" {
		return "return-path: null"
	}
	return ""
}

// autoReplyReason detects automatic replies by the headers RFC 3834 and
// common mail systems set, then by out-of-office subjects.
func autoReplyReason(m *Message, opts ParseOptions) string {
	if v := strings.ToLower(firstToken(headerValue(m, "Auto-Submitted"))); v != "" && v != "no" && !formRelay(m, v) {
		return "auto-submitted: " + v
	}
	if headerValue(m, "X-Autoreply") != "" {
		return "x-autoreply"
	}
	if headerValue(m, "X-Autorespond") != "" {
		return "x-autorespond"
	}
	switch v := strings.ToLower(firstToken(headerValue(m, "Precedence"))); v {
	case "bulk", "junk", "auto_reply":
		return "precedence: " + v
	}
	if suppressesAutoReplies(headerValue(m, "X-Auto-Response-Suppress")) {
		return "x-auto-response-suppress"
	}
	if headerValue(m, "X-Loop") != "" {
		return "x-loop"
	}
	if isOutOfOfficeSubject(m) {
		return "subject: out of office"
	}
	return ""
}

// suppressesAutoReplies reports whether an X-Auto-Response-Suppress value
// names All, OOF or AutoReply: Exchange sets those on the automatic
// messages it sends, so that automatic replies do not reply to them.
func suppressesAutoReplies(value string) bool {
	for _, token := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		switch strings.ToLower(token) {
		case "all", "oof", "autoreply":
			return true
		}
	}
	return false
}

// isOutOfOfficeSubject reports whether a subject reads like an
// automatic reply ("Automatic reply: …", "Balasan Otomatis: …", "Di luar
// kantor"). Because a person may start a complaint with the same words
// ("Auto reply di aplikasi tidak berfungsi", "Cuti: pengajuan ditolak"),
// a subject alone decides only for a message that answers another one:
// it has In-Reply-To or References, or a ticket tag in the subject. A new
// message is an automatic reply by its headers only.
func isOutOfOfficeSubject(m *Message) bool {
	s := strings.ToLower(strings.TrimSpace(m.Subject))
	if !answersSomething(m) {
		return false
	}
	for _, prefix := range []string{
		"balasan otomatis", "automatic reply", "auto-reply", "auto reply", "autoreply",
		"auto response", "auto-response", "autoresponse", "out of office", "out of the office",
		"abwesenheit", "réponse automatique", "respuesta automática", "risposta automatica",
		"automatisch antwoord", "jawapan automatik", "otomatik yanıt",
		"di luar kantor", "sedang cuti", "sedang dinas luar", "tidak di kantor",
	} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// answersSomething reports whether a message replies to another: it has
// In-Reply-To or References, or a bracketed tag in its subject.
func answersSomething(m *Message) bool {
	if len(m.InReplyTo) > 0 || len(m.References) > 0 {
		return true
	}
	open := strings.IndexByte(m.Subject, '[')
	return open >= 0 && strings.IndexByte(m.Subject[open:], ']') > 0
}

// formRelay reports whether a message marked auto-generated is a web
// form relaying a person's message: it answers nothing (no In-Reply-To)
// and names the person in Reply-To. RFC 3834 marks such relays
// auto-generated, yet a person wrote them.
func formRelay(m *Message, autoSubmitted string) bool {
	if autoSubmitted != "auto-generated" || len(m.InReplyTo) > 0 || len(m.ReplyTo) == 0 || m.From == nil {
		return false
	}
	return !strings.EqualFold(m.ReplyTo[0].Address, m.From.Address)
}

// listReason detects mailing-list posts (RFC 2919, RFC 2369).
func listReason(m *Message, _ ParseOptions) string {
	switch {
	case headerValue(m, "List-Id") != "":
		return "list-id"
	case headerValue(m, "List-Post") != "":
		return "list-post"
	case strings.EqualFold(firstToken(headerValue(m, "Precedence")), "list"):
		return "precedence: list"
	}
	return ""
}

// headerValue returns the first kept value of a header field, trimmed.
func headerValue(m *Message, key string) string {
	values := m.Header[textproto.CanonicalMIMEHeaderKey(key)]
	if len(values) == 0 {
		return ""
	}
	return strings.TrimSpace(values[0])
}

// firstToken returns the text before the first ";", space or tab, as in
// "auto-replied; owner-email=..." or "bulk (sender)".
func firstToken(v string) string {
	end := strings.IndexAny(v, "; \t(")
	if end < 0 {
		return v
	}
	return v[:end]
}

// bareAddress returns the address inside "Name <address>", or the value
// trimmed when it has no angle brackets.
func bareAddress(v string) string {
	if open := strings.IndexByte(v, '<'); open >= 0 {
		v = v[open+1:]
		if end := strings.IndexByte(v, '>'); end >= 0 {
			v = v[:end]
		}
	}
	return strings.TrimSpace(v)
}
