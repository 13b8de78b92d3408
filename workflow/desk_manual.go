package workflow

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/keluhan/keluhan/ingest"
)

// ManualComplaint is a complaint an officer enters for someone who
// telephoned, wrote on WhatsApp or came to the counter.
type ManualComplaint struct {
	// Key makes the intake idempotent: opening the same key twice returns
	// the first ticket. The command line makes a fresh one per call.
	Key       string
	Channel   Channel
	Requester Party
	Subject   string
	Body      string
	// EnteredBy is the officer who entered the complaint.
	EnteredBy   string
	Attachments []AttachmentRef
}

// Errors of manual intake, shown to the officer.
var (
	ErrNoSubject = errors.New("subject is empty")
	ErrNoContact = errors.New("requester has neither an email address nor a phone number")
)

// OpenManual opens a ticket for a complaint that did not come by email,
// exactly as an email would: triage, similar complaints, clocks, the
// triage request to the service desk, and the acknowledgment when the
// requester has an email address. Without one, staff contact the
// requester themselves and the ticket says so.
func (d *Desk) OpenManual(ctx context.Context, c ManualComplaint) (*Ticket, error) {
	if strings.TrimSpace(c.Subject) == "" {
		return nil, ErrNoSubject
	}
	if c.Requester.Email == "" && c.Requester.Phone == "" {
		return nil, ErrNoContact
	}
	if !ValidChannel(c.Channel) {
		return nil, fmt.Errorf("unknown channel %q", c.Channel)
	}
	c.Requester.Email = lower(c.Requester.Email)
	it := &item{in: &ingest.Inbound{Msg: &ingest.Message{Key: "manual:" + c.Key}}, parent: -1, manual: &c}
	look := threadLookup{byMessageID: map[string]string{}, tickets: map[string]*Ticket{}}
	if err := d.openTickets(ctx, []*item{it}, look, d.now()); err != nil {
		return nil, err
	}
	return look.tickets[it.outcome.Ticket], nil
}

// manualTicket builds the ticket of a manual complaint.
func (d *Desk) manualTicket(c *ManualComplaint, key, number string, it *item) *Ticket {
	result, terms := d.triage.Analyze(c.Subject, c.Body)
	return &Ticket{
		Number:      number,
		SourceKey:   key,
		Channel:     c.Channel,
		EnteredBy:   c.EnteredBy,
		Requester:   c.Requester,
		Language:    d.cfg.Language,
		Subject:     strings.TrimSpace(c.Subject),
		Body:        strings.TrimSpace(c.Body),
		Triage:      triageResult(result),
		Application: result.Application,
		Terms:       terms,
		Attachments: c.Attachments,
		LinkedTo:    it.linkedTo,
		ReceivedAt:  d.now(),
	}
}

// onBehalf reads an officer's new message whose first command is
// #atasnama: it opens a ticket for the person named there, on the
// channel #saluran names (email by default), with the rest of the text
// as the complaint. It returns nil when the message is no such request.
func (d *Desk) onBehalf(it *item) *ManualComplaint {
	if !d.isStaff(it.sender) {
		return nil
	}
	cmds := ParseCommands(it.in.Msg.ReplyText)
	if len(cmds) == 0 || cmds[0].Verb != VerbOnBehalf {
		return nil
	}
	c := &ManualComplaint{Channel: ChannelEmail, EnteredBy: it.sender, Subject: it.in.Msg.Subject}
	if a, err := mail.ParseAddress(cmds[0].Arg); err == nil {
		c.Requester = Party{Name: a.Name, Email: lower(a.Address)}
	} else {
		c.Requester = Party{Name: cmds[0].Arg}
	}
	for _, cmd := range cmds[1:] {
		if cmd.Verb == VerbChannel && ValidChannel(Channel(strings.ToLower(cmd.Arg))) {
			c.Channel = Channel(strings.ToLower(cmd.Arg))
		}
	}
	c.Body = withoutCommandLines(it.in.Msg.Text)
	c.Attachments = attachmentRefs(it.in.Msg)
	return c
}

// withoutCommandLines drops the leading #atasnama and #saluran lines.
func withoutCommandLines(text string) string {
	lines := strings.Split(text, "\n")
	i := 0
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line != "" && !strings.HasPrefix(line, "#") {
			break
		}
		i++
	}
	return strings.TrimSpace(strings.Join(lines[i:], "\n"))
}
