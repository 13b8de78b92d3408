package mailer

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/keluhan/keluhan/workflow"
)

// Headers keluhan sets beyond the standard ones.
const (
	// headerLoop holds the sending address, so that a copy of our own
	// mail that comes back can be recognised and kept from opening a
	// ticket.
	headerLoop = "X-Keluhan-Loop"
	// headerTicket holds the ticket number, for filters and for threading
	// when a client drops the subject tag.
	headerTicket = "X-Keluhan-Ticket"
	// headerAutoSubmitted is RFC 3834's mark of automatic mail.
	headerAutoSubmitted = "Auto-Submitted"
	// headerSuppress tells Microsoft Exchange and Outlook not to send
	// out-of-office and other automatic replies, because they ignore
	// Auto-Submitted.
	headerSuppress = "X-Auto-Response-Suppress"
)

// buildMessage turns an outbox row into a go-mail message: text/plain
// with an HTML alternative when the row has HTML, and the attachments.
//
// It sets no Precedence header: RFC 3834 section 5 notes that Precedence
// was never standardised, and "bulk" makes some providers file the mail
// as a newsletter. Auto-Submitted and X-Auto-Response-Suppress do that
// header's work.
func buildMessage(out *workflow.Outgoing, attachments []Attachment) (*gomail.Msg, error) {
	if err := validateOutgoing(out, attachments); err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := setAddresses(msg, out); err != nil {
		return nil, err
	}

	msg.Subject(out.Subject)
	msg.SetDateWithValue(messageDate(out))
	msg.SetMessageIDWithValue(out.MessageID)
	setThreadHeaders(msg, out)
	setLoopHeaders(msg, out)

	msg.SetBodyString(gomail.TypeTextPlain, out.Text)
	if out.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, out.HTML)
	}
	if len(attachments) > 0 {
		msg.SetAttachments(attachmentFiles(attachments))
	}
	return msg, nil
}

func setAddresses(msg *gomail.Msg, out *workflow.Outgoing) error {
	from, err := partyAddress(out.From)
	if err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	msg.FromMailAddress(from)

	to, err := partyAddress(out.To)
	if err != nil {
		return fmt.Errorf("to address: %w", err)
	}
	msg.AddToMailAddress(to)

	if out.ReplyTo != "" {
		replyTo, err := mail.ParseAddress(out.ReplyTo)
		if err != nil {
			return fmt.Errorf("reply-to address: %w", err)
		}
		msg.ReplyToMailAddress(replyTo)
	}
	return nil
}

// partyAddress checks the party's address and keeps its display name,
// which mail.Address encodes per RFC 2047 when it is not ASCII.
func partyAddress(p workflow.Party) (*mail.Address, error) {
	if p.Email == "" {
		return nil, errors.New("missing")
	}
	addr, err := mail.ParseAddress(p.Email)
	if err != nil {
		return nil, err
	}
	addr.Name = p.Name
	return addr, nil
}

// messageDate is the time the row was queued: RFC 5322 section 3.6.1
// defines Date as the moment the message was ready to enter the mail
// system, and a retry must send the same message.
func messageDate(out *workflow.Outgoing) time.Time {
	if out.CreatedAt.IsZero() {
		return time.Now()
	}
	return out.CreatedAt
}

// setThreadHeaders sets In-Reply-To and References. References is one
// value of space-separated IDs, because go-mail joins several values of
// one header with commas.
func setThreadHeaders(msg *gomail.Msg, out *workflow.Outgoing) {
	if out.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+out.InReplyTo+">")
	}
	if len(out.References) == 0 {
		return
	}

	ids := make([]string, len(out.References))
	for i, id := range out.References {
		ids[i] = "<" + id + ">"
	}
	msg.SetGenHeader(gomail.HeaderReferences, strings.Join(ids, " "))
}

func setLoopHeaders(msg *gomail.Msg, out *workflow.Outgoing) {
	msg.SetGenHeader(headerLoop, out.From.Email)
	if out.Ticket != "" {
		msg.SetGenHeader(headerTicket, out.Ticket)
	}
	if out.AutoSubmitted != "" {
		msg.SetGenHeader(headerAutoSubmitted, out.AutoSubmitted)
		msg.SetGenHeader(headerSuppress, "All")
	}
}

// attachmentFiles wraps each attachment so that go-mail opens and copies
// it only while writing the message.
//
// NOTE: go-mail v0.8.1 base64-encodes each part into a memory buffer
// before writing it (msgWriter.writeBody), so a send holds about 4/3 of
// the largest attachment in memory even though the file is not read
// ahead.
func attachmentFiles(attachments []Attachment) []*gomail.File {
	files := make([]*gomail.File, len(attachments))
	for i, a := range attachments {
		files[i] = &gomail.File{
			Name:        a.Filename,
			ContentType: gomail.ContentType(a.ContentType),
			Header:      make(textproto.MIMEHeader),
			Writer:      copyAttachment(a),
		}
	}
	return files
}

func copyAttachment(a Attachment) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		r, err := a.Open()
		if err != nil {
			return 0, fmt.Errorf("open attachment %s: %w", a.Filename, err)
		}
		n, err := io.Copy(w, r)
		if closeErr := r.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return n, fmt.Errorf("read attachment %s: %w", a.Filename, err)
		}
		return n, nil
	}
}

// validateOutgoing rejects a row that cannot be sent as it is. A header
// value must not contain CR or LF, which could start a header of its
// own. Message IDs must be bare and the Message-ID present, and every
// attachment needs Open.
func validateOutgoing(out *workflow.Outgoing, attachments []Attachment) error {
	fields := []struct{ name, value string }{
		{"from name", out.From.Name},
		{"from address", out.From.Email},
		{"to name", out.To.Name},
		{"to address", out.To.Email},
		{"reply-to", out.ReplyTo},
		{"subject", out.Subject},
		{"auto-submitted", out.AutoSubmitted},
		{"ticket", out.Ticket},
	}
	for _, a := range attachments {
		fields = append(fields,
			struct{ name, value string }{"attachment file name", a.Filename},
			struct{ name, value string }{"attachment content type", a.ContentType})
	}
	for _, f := range fields {
		if strings.ContainsAny(f.value, "\r\n") {
			return fmt.Errorf("%w: %s contains CR or LF", ErrInvalidHeader, f.name)
		}
	}

	if err := validateIDs(out); err != nil {
		return err
	}
	for _, a := range attachments {
		if a.Open == nil {
			return fmt.Errorf("attachment %s: missing Open", a.Filename)
		}
	}
	return nil
}

func validateIDs(out *workflow.Outgoing) error {
	if out.MessageID == "" {
		return fmt.Errorf("%w: missing message id", ErrInvalidHeader)
	}
	ids := append([]string{out.MessageID, out.InReplyTo}, out.References...)
	for _, id := range ids {
		if strings.ContainsAny(id, "<> \t\r\n") {
			return fmt.Errorf("%w: message id %q must be bare, without angle brackets or spaces", ErrInvalidHeader, id)
		}
	}
	return nil
}
