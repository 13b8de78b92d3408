package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

// conflictRetries bounds how often a reply is applied again after the
// ticket changed under it.
const conflictRetries = 5

// applyReplies applies, in order, every message of the batch that belongs
// to an existing ticket, and sends the quarantine notices.
func (d *Desk) applyReplies(ctx context.Context, items []*item, look threadLookup) error {
	var w writes
	for _, it := range items {
		switch {
		case it.outcome.Disposition == ingest.DispositionQuarantined:
			w.mails = append(w.mails, d.quarantineNotices(it)...)
		case it.refuse != "":
			w.mails = append(w.mails, d.refusalWithoutTicket(it)...)
		case it.outcome.Disposition != "":
		case it.parent >= 0:
			it.match = Match{Ticket: items[it.parent].outcome.Ticket, By: "reference"}
			fallthrough
		default:
			if err := d.applyOne(ctx, it, look); err != nil {
				return fmt.Errorf("apply message %s to %s: %w", it.in.Msg.Key, it.match.Ticket, err)
			}
		}
	}
	return d.flush(ctx, w)
}

// applyOne applies one message to its ticket. Records and mail are stored
// before the ticket, so that a crash in between replays the same
// transition from the unchanged ticket; a ticket that already lists the
// message as applied is left alone.
func (d *Desk) applyOne(ctx context.Context, it *item, look threadLookup) error {
	number := it.match.Ticket
	for attempt := 0; attempt < conflictRetries; attempt++ {
		t, err := d.ticket(ctx, number, look)
		if err != nil {
			return err
		}
		if t.HasApplied(it.in.Msg.Key) {
			it.outcome = ingest.Outcome{Disposition: ingest.DispositionDone, Ticket: number}
			return nil
		}
		now := d.now()
		ev := d.eventFor(it, t, now)
		next, acts, err := d.machine.Apply(*t, ev, now)
		if errors.Is(err, ErrReopenExpired) && t.ContinuedBy != "" {
			// The requester already wrote after the window: this message
			// joins the ticket that continues the old one.
			number = t.ContinuedBy
			it.match.Ticket = number
			continue
		}
		if errors.Is(err, ErrReopenExpired) {
			return d.openLinked(ctx, it, t, look)
		}
		if err != nil {
			return err
		}
		err = d.persist(ctx, it, t, &next, ev, acts, now)
		if errors.Is(err, ErrConflict) {
			delete(look.tickets, number)
			continue
		}
		if err != nil {
			return err
		}
		look.tickets[number] = &next
		it.outcome = ingest.Outcome{Disposition: ingest.DispositionDone, Ticket: number}
		return nil
	}
	return fmt.Errorf("ticket %s kept changing: %w", number, ErrConflict)
}

func (d *Desk) ticket(ctx context.Context, number string, look threadLookup) (*Ticket, error) {
	if t, ok := look.tickets[number]; ok {
		return t, nil
	}
	t, err := d.store.Ticket(ctx, number)
	if err != nil {
		return nil, err
	}
	look.tickets[number] = t
	return t, nil
}

// persist writes one transition: records, mail and thread links first,
// then the ticket guarded by its version.
func (d *Desk) persist(ctx context.Context, it *item, old, next *Ticket, ev Event, acts []Action, now time.Time) error {
	var w writes
	if err := d.collect(ctx, &w, next, ev, acts, now); err != nil {
		return err
	}
	w.links = append(w.links, inboundLinks(it.in.Msg, next.Number)...)
	if err := d.flush(ctx, w); err != nil {
		return err
	}
	next.Version = old.Version + 1
	next.MarkApplied(it.in.Msg.Key)
	if err := d.store.UpdateTicket(ctx, next, old.Version); err != nil {
		return fmt.Errorf("update ticket %s: %w", next.Number, err)
	}
	return nil
}

// openLinked opens a new ticket for a requester who wrote on a ticket
// closed longer ago than the reopen window, linked to the old one.
func (d *Desk) openLinked(ctx context.Context, it *item, old *Ticket, look threadLookup) error {
	it.linkedTo = old.Number
	if err := d.openTickets(ctx, []*item{it}, look, d.now()); err != nil {
		return fmt.Errorf("open ticket linked to %s: %w", old.Number, err)
	}
	next := *old
	next.ContinuedBy = it.outcome.Ticket
	next.Version = old.Version + 1
	// A failure here only means a later message opens another linked
	// ticket; the new ticket itself is stored.
	if err := d.store.UpdateTicket(ctx, &next, old.Version); err == nil {
		look.tickets[old.Number] = &next
	}
	return nil
}

// eventFor turns a message on a ticket into an event: who wrote, in
// which role, with what proof and commands.
func (d *Desk) eventFor(it *item, t *Ticket, now time.Time) Event {
	m := it.in.Msg
	ev := Event{Key: m.Key, MessageKey: m.Key, Text: m.ReplyText, Actor: Party{Email: it.sender}}
	if m.From != nil {
		ev.Actor.Name = m.From.Name
	}
	switch {
	case m.Class == ingest.ClassBounce:
		ev.Kind, ev.Role = EventBounce, RoleSystem
		ev.Bounce = d.bounceView(m)
	case m.Class != ingest.ClassPerson:
		ev.Kind, ev.Role = EventAutoReply, RoleSystem
	case d.isStaff(it.sender):
		ev.Kind, ev.Role = EventStaff, d.staff[it.sender].Role
		ev.Commands = ParseCommands(m.ReplyText)
		ev.Proof = d.prove(it, t, ev.Role, now)
	case it.sender != "" && it.sender == d.cfg.Incident.Email:
		ev.Kind, ev.Role = EventIncident, RoleIncident
		ev.Proof = d.prove(it, t, RoleIncident, now)
	case !d.belongsTo(t, it.sender) && it.match.By != "token":
		// A stranger who found the thread (a forwarded email, a guessed
		// Message-ID) may leave a message, but neither reopens, resumes
		// nor commands the ticket, and is told nothing about it.
		ev.Kind, ev.Role = EventOutsider, RoleRequester
	default:
		ev.Kind, ev.Role = EventRequester, RoleRequester
		ev.Commands = ParseCommands(m.ReplyText)
	}
	return ev
}

func (d *Desk) isStaff(email string) bool {
	_, ok := d.staff[email]
	return ok
}

func (d *Desk) bounceView(m *ingest.Message) *BounceView {
	if m.Bounce == nil {
		return &BounceView{}
	}
	kind, _, _ := d.parseOurMessageID(m.Bounce.OriginalMessageID)
	return &BounceView{Kind: kind, Recipient: m.Bounce.Recipient, Status: m.Bounce.Status, Diagnostic: m.Bounce.Diagnostic}
}

// prove checks that a staff or incident-management message comes from
// its From address. A reply token proves it when it was minted for this
// sender, this ticket and this role, in the recipient address or in our
// Message-ID the message answers (In-Reply-To). Otherwise the trusted
// receiving server's Authentication-Results must.
func (d *Desk) prove(it *item, t *Ticket, role Role, now time.Time) Proof {
	if c := it.match.Claims; c != nil && c.Ticket == t.Number && c.Role == role {
		return Proof{OK: true, Method: "token"}
	}
	if d.tokens != nil {
		// Only the direct parent counts: References travel further, for
		// instance to an outsider a staff member copied in, while
		// In-Reply-To names the email the sender actually answered.
		for _, id := range it.in.Msg.InReplyTo {
			_, tok, ours := d.parseOurMessageID(id)
			if !ours || tok == "" {
				continue
			}
			c, err := d.tokens.Verify(tok, it.sender, now)
			if err == nil && c.Ticket == t.Number && c.Role == role {
				return Proof{OK: true, Method: "token"}
			}
		}
	}
	p := ProveByAuthResults(it.in.Msg.AuthResults, it.sender, d.cfg.TrustedAuthServIDs)
	if !p.OK && it.match.TokenErr != nil {
		p.Reason = it.match.TokenErr.Error() + "; " + p.Reason
	}
	return p
}

// quarantineNotices tells the service desk a message is held.
func (d *Desk) quarantineNotices(it *item) []Outgoing {
	m := it.in.Msg
	view := &QuarantineView{Subject: m.Subject, Reason: it.outcome.Reason, ReceivedAt: it.in.FetchedAt, MessageKey: m.Key}
	sender := ""
	if m.From != nil {
		sender = strings.ToLower(m.From.Address)
		view.From = m.From.String()
		if d.cfg.MaskRequester {
			p := MaskParty(Party{Name: m.From.Name, Email: sender})
			view.From = strings.TrimSpace(p.Name + " <" + p.Email + ">")
		}
	}
	now := d.now()
	// One notice per sender and hour: a flood from one address is one
	// email to each officer, and keluhan quarantine lists every message.
	bucket := sender + "#" + now.UTC().Format("2006010215")
	if sender == "" {
		bucket = m.Key
	}
	var out []Outgoing
	for _, rc := range d.staffIn(RoleServiceDesk) {
		key := "quarantine:" + bucket + "#" + rc.Email
		o, err := d.plainOutgoing(MailQuarantineNotice, rc, key, &MailData{Desk: d.cfg.Desk, Recipient: rc.Party, Quarantine: view}, now)
		if err != nil {
			// NOTE: a notice that fails to render is skipped; the message
			// itself is still quarantined and listed by the command line.
			continue
		}
		out = append(out, o)
	}
	return out
}

// plainOutgoing renders mail that concerns no single ticket.
func (d *Desk) plainOutgoing(kind string, rc recipient, key string, data *MailData, now time.Time) (Outgoing, error) {
	lang := rc.Language
	if lang == "" {
		lang = d.cfg.Language
	}
	rendered, err := d.render.Render(lang, kind, data)
	if err != nil {
		return Outgoing{}, fmt.Errorf("render %s: %w", kind, err)
	}
	out := Outgoing{
		Key: key, Kind: kind, Language: lang, Role: rc.Role, To: rc.Party, From: d.cfg.Desk,
		ReplyTo: d.cfg.Desk.Email, Subject: rendered.Subject, Text: rendered.Text, HTML: rendered.HTML,
		MessageID: d.messageID(kind, key, ""), Status: OutboxPending, NextAttempt: now, CreatedAt: now,
	}
	out.AutoSubmitted, out.Capped = autoHeaders(kind, rc.Role)
	return out, nil
}

// refusalWithoutTicket tells an officer why a request that opens no
// ticket (#atasnama from an unproved address) was not carried out.
func (d *Desk) refusalWithoutTicket(it *item) []Outgoing {
	rc := d.actor(Event{Actor: Party{Email: it.sender}})
	if len(rc) == 0 {
		return nil
	}
	cmds := ParseCommands(it.in.Msg.ReplyText)
	line := ""
	if len(cmds) > 0 {
		line = cmds[0].Line
	}
	data := &MailData{Desk: d.cfg.Desk, Recipient: rc[0].Party, Command: line, Reason: it.refuse}
	out, err := d.plainOutgoing(MailRefusal, rc[0], it.in.Msg.Key+"#refusal#"+rc[0].Email, data, d.now())
	if err != nil {
		// NOTE: a refusal that fails to render is skipped; the message is
		// still stored with the reason.
		return nil
	}
	return []Outgoing{out}
}
