package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// writes gathers what one batch or event stores, so that each kind of
// document goes to the store in one call.
type writes struct {
	records []Record
	mails   []Outgoing
	links   []ThreadLink
}

// flush stores the gathered records, links and mail. Each store call
// skips documents whose key exists, so a replay stores nothing twice.
func (d *Desk) flush(ctx context.Context, w writes) error {
	if len(w.links) > 0 {
		if err := d.store.LinkThreads(ctx, w.links); err != nil {
			return fmt.Errorf("link %d threads: %w", len(w.links), err)
		}
	}
	if len(w.records) > 0 {
		if err := d.store.AppendRecords(ctx, w.records); err != nil {
			return fmt.Errorf("append %d records: %w", len(w.records), err)
		}
	}
	if len(w.mails) > 0 {
		if err := d.store.Enqueue(ctx, w.mails); err != nil {
			return fmt.Errorf("queue %d emails: %w", len(w.mails), err)
		}
	}
	return nil
}

// recipient is one person a notice goes to.
type recipient struct {
	Party
	Role     Role
	Language string
}

// collect turns a transition's actions into records and rendered mail.
// Keys derive from the event key and the action's position, so the same
// transition always yields the same keys.
func (d *Desk) collect(ctx context.Context, w *writes, t *Ticket, ev Event, acts []Action, now time.Time) error {
	var history []HistoryItem
	for i, a := range acts {
		if a.Record != nil {
			r := *a.Record
			r.Key = ev.Key + "#r" + strconv.Itoa(i)
			r.Ticket = t.Number
			r.At = now
			w.records = append(w.records, r)
		}
		if a.Notice == nil {
			continue
		}
		if a.Notice.Kind == MailEscalation && history == nil {
			h, err := d.history(ctx, t.Number, w.records)
			if err != nil {
				return err
			}
			history = h
		}
		for _, rc := range d.recipients(t, ev, a.Notice.To) {
			key := ev.Key + "#n" + strconv.Itoa(i) + "#" + rc.Email
			out, err := d.outgoing(t, ev, a.Notice, rc, key, history, now)
			if err != nil {
				return err
			}
			w.mails = append(w.mails, out)
			w.links = append(w.links, ThreadLink{MessageID: out.MessageID, Ticket: t.Number})
		}
	}
	return nil
}

// history returns the ticket's trail so far for the escalation email,
// with the records of the current transition at the end.
func (d *Desk) history(ctx context.Context, number string, pending []Record) ([]HistoryItem, error) {
	stored, err := d.store.Records(ctx, number)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", number, err)
	}
	var items []HistoryItem
	seen := map[string]bool{}
	for _, r := range append(stored, pending...) {
		if seen[r.Key] {
			continue
		}
		seen[r.Key] = true
		items = append(items, HistoryItem{At: r.At, Type: r.Type, Actor: r.Actor, Text: r.Text})
	}
	return items, nil
}

// recipients expands an audience into people. An audience with nobody
// configured yields nobody; config check warns about that.
func (d *Desk) recipients(t *Ticket, ev Event, to Audience) []recipient {
	switch to {
	case ToRequester:
		if t.Requester.Email == "" {
			return nil
		}
		return []recipient{{Party: t.Requester, Role: RoleRequester, Language: t.Language}}
	case ToServiceDesk:
		return d.staffIn(RoleServiceDesk)
	case ToComplaintManagers:
		return d.staffIn(RoleComplaintManager)
	case ToSupervisors:
		return d.staffIn(RoleSupervisor)
	case ToIncident:
		if d.cfg.Incident.Email == "" {
			return nil
		}
		return []recipient{{Party: d.cfg.Incident, Role: RoleIncident}}
	case ToActor:
		return d.actor(ev)
	case ToHolder:
		if s, ok := d.staff[t.Holder]; ok {
			return []recipient{{Party: s.Party, Role: s.Role, Language: s.Language}}
		}
		return d.staffIn(RoleServiceDesk)
	}
	return nil
}

func (d *Desk) actor(ev Event) []recipient {
	if ev.Actor.Email == "" {
		return nil
	}
	if s, ok := d.staff[ev.Actor.Email]; ok {
		return []recipient{{Party: s.Party, Role: s.Role, Language: s.Language}}
	}
	return []recipient{{Party: ev.Actor, Role: ev.Role}}
}

func (d *Desk) staffIn(role Role) []recipient {
	var out []recipient
	for _, s := range d.cfg.Staff {
		if s.Role == role {
			out = append(out, recipient{Party: Party{Name: s.Name, Email: strings.ToLower(s.Email)}, Role: s.Role, Language: s.Language})
		}
	}
	return out
}

// outgoing renders one notice for one recipient into an outbox row.
func (d *Desk) outgoing(t *Ticket, ev Event, n *Notice, rc recipient, key string, history []HistoryItem, now time.Time) (Outgoing, error) {
	lang := rc.Language
	if lang == "" {
		lang = d.cfg.Language
	}
	token := d.mintToken(t.Number, rc, now)
	replyTo := d.replyAddress(token)
	data := d.mailData(t, ev, n, rc, history, replyTo)
	rendered, err := d.render.Render(lang, n.Kind, data)
	if err != nil {
		return Outgoing{}, fmt.Errorf("render %s for %s: %w", n.Kind, t.Number, err)
	}
	out := Outgoing{
		Key: key, Ticket: t.Number, Kind: n.Kind, Language: lang, Role: rc.Role,
		To: rc.Party, From: d.cfg.Desk, ReplyTo: replyTo,
		Subject: rendered.Subject, Text: rendered.Text, HTML: rendered.HTML,
		MessageID: d.messageID(n.Kind, key, token),
		Status:    OutboxPending, NextAttempt: now, CreatedAt: now,
	}
	if t.RootMessageID != "" {
		out.InReplyTo = t.RootMessageID
		out.References = []string{t.RootMessageID}
	}
	out.AutoSubmitted, out.Capped = autoHeaders(n.Kind, rc.Role)
	if n.Forward {
		out.Attachments = t.Attachments
	}
	return out, nil
}

// autoHeaders returns the Auto-Submitted value of a mail kind and whether
// it counts against the per-recipient cap. Mail carrying a person's words
// (#balas, #tunggu, #tutup) has no Auto-Submitted. Capped is automatic
// mail to outside addresses, which two robots could otherwise bounce
// between them.
func autoHeaders(kind string, role Role) (string, bool) {
	switch kind {
	case MailReply, MailQuestion, MailClosure, MailHandoff, MailEscalation, MailSupervisorEscalation:
		return "", false
	case MailAck, MailRefusal:
		return "auto-replied", !role.Staff()
	}
	// Notices to staff are never capped, so that a flood from outside
	// cannot hide the quarantine or bounce notices that follow it.
	return "auto-generated", !role.Staff()
}

// mintToken returns the reply token for a recipient, or "" when reply
// tokens are off.
func (d *Desk) mintToken(number string, rc recipient, now time.Time) string {
	if d.tokens == nil || number == "" || rc.Email == "" {
		return ""
	}
	tok, err := d.tokens.Mint(TokenClaims{Ticket: number, Role: rc.Role, Recipient: rc.Email, Expires: now.Add(d.cfg.TokenTTL)})
	if err != nil {
		// NOTE: a number that does not fit the token layout (another
		// prefix after a configuration change) only loses the token; the
		// reply still threads through References.
		return ""
	}
	return tok
}

// replyAddress is the sub-addressed desk address carrying a token.
func (d *Desk) replyAddress(token string) string {
	if token == "" {
		return d.cfg.Desk.Email
	}
	local, domain, _ := strings.Cut(d.cfg.Desk.Email, "@")
	return local + "+" + token + "@" + domain
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// messageID derives our Message-ID from the outbox key, so a row keeps
// its Message-ID across retries and replays. It reads
// "klh.<kind>.<hash>[.<token>]@<domain>": the kind tells a bounce what
// bounced, and the token proves a staff reply whose client dropped the
// reply address but kept References.
func (d *Desk) messageID(kind, key, token string) string {
	sum := sha256.Sum256([]byte(key))
	id := "klh." + strings.ReplaceAll(kind, "_", "-") + "." + idEncoding.EncodeToString(sum[:12])
	if token != "" {
		id += "." + token
	}
	return id + "@" + d.cfg.MessageIDDomain
}

// parseOurMessageID returns the mail kind and token of one of our
// Message-IDs, and false for anyone else's.
func (d *Desk) parseOurMessageID(id string) (kind, token string, ok bool) {
	local, domain, found := strings.Cut(id, "@")
	if !found || !strings.EqualFold(domain, d.cfg.MessageIDDomain) || !strings.HasPrefix(local, "klh.") {
		return "", "", false
	}
	parts := strings.Split(local, ".")
	if len(parts) < 3 {
		return "", "", false
	}
	kind = strings.ReplaceAll(parts[1], "-", "_")
	if len(parts) >= 4 {
		token = parts[3]
	}
	return kind, token, true
}
