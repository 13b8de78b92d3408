package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// secretComplaint is a complaint whose every identifying part must stay
// out of mail to anyone but its requester.
type secretComplaint struct {
	name, email, subject, body string
}

// identity returns the strings that identify the requester.
func (c secretComplaint) identity() []string {
	local, _, _ := strings.Cut(c.email, "@")
	return append(strings.Fields(c.name), c.email, local)
}

// words returns the strings that identify the complaint or its requester.
func (c secretComplaint) words() []string {
	return append(c.identity(), c.subject, "rahasia-7731")
}

// newSecretComplaint returns a complaint from a fresh requester address.
func newSecretComplaint(t *testing.T, env *testenv.Env) secretComplaint {
	return secretComplaint{
		name:    "Siti Rahmawati",
		email:   env.NewUser(t, "siti@contoh.go.id"),
		subject: "Data kependudukan saya tersebar",
		body:    "Nomor induk saya muncul di portal publik. Kode aduan rahasia-7731.",
	}
}

// send sends the complaint with messageID and returns its ticket.
func (c secretComplaint) send(k *desk, messageID string) *workflow.Ticket {
	k.t.Helper()
	k.send(c.email, message(c.name, c.email, k.helpdesk, c.subject, c.body, messageID, nil))
	return k.ticketOf(messageID)
}

// TestPrivacyRequesterIsolation checks what a stranger learns from a
// complaint that is not theirs by quoting its tag: a new ticket whose
// acknowledgment reveals nothing. It also checks that the requester's
// own commands are refused with a reply to them.
func TestPrivacyRequesterIsolation(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	owner := newSecretComplaint(t, env)
	a := owner.send(k, fmt.Sprintf("owner-%d@contoh.go.id", time.Now().UnixNano()))
	ack := k.mail(owner.email, tag(a), 1)

	k.checkForeignTag(a, owner)
	k.checkRequesterCommands(a, owner, ack)
}

// TestPrivacyStrangerThreadedReply sends a stranger's reply whose
// In-Reply-To names a closed complaint, as anyone sent a copy of it could
// write, with a command in it. The ticket must stay closed, and whatever
// the stranger receives must not reveal the complaint.
//
// A reply threaded by In-Reply-To or References from an address that is
// not the requester's or a role's is an outsider's mail: it must not
// count as the requester's.
func TestPrivacyStrangerThreadedReply(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	owner := newSecretComplaint(t, env)
	rootID := fmt.Sprintf("owner-%d@contoh.go.id", time.Now().UnixNano())
	a := owner.send(k, rootID)
	request := k.mail(k.officer, tag(a), 1)
	to, raw := replyTo("Petugas", k.officer, request, "#tutup Data sudah diturunkan dari portal.")
	k.sendTo(k.officer, to, raw)
	if got := k.ticketAfter(raw); got.State != workflow.StateClosed {
		t.Fatalf("state after the officer's #tutup = %s, want closed", got.State)
	}
	before := k.facts(a.Number)

	stranger := env.NewUser(t, "tetangga@example.com")
	id := fmt.Sprintf("stranger-thread-%d@example.com", time.Now().UnixNano())
	header := []string{"In-Reply-To: <" + rootID + ">", "References: <" + rootID + ">"}
	k.send(stranger, message("Tetangga", stranger, k.helpdesk, "Re: keluhan", "#tutup uji-p01 sudah beres\nTolong dibuka lagi.", id, header))
	k.outcome(id)
	if now := k.facts(a.Number); now != before {
		t.Errorf("ticket %s after a stranger's threaded reply = %+v, want %+v", a.Number, now, before)
	}
	sent := 0
	for _, row := range k.settledOutbox(a.Number) {
		if row.To.Email == stranger {
			sent++
		}
	}
	if sent == 0 {
		return
	}
	for _, f := range env.WaitMessages(t, stranger, "INBOX", sent, mailWait) {
		checkNoSecret(t, "mail to a stranger threaded on the complaint", readDelivered(t, f.Raw), owner.words())
	}
}

// TestPrivacyMaskRequester turns privacy.mask_requester on: the triage
// request and the escalation must not show the requester's name or
// address, while mail to the requester still names them.
//
// The escalation's history must mask the requester too, also where the
// requester is the actor of a record.
func TestPrivacyMaskRequester(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{extraYAML: "privacy: {mask_requester: true}\n"})
	owner := newSecretComplaint(t, env)
	owner.subject, owner.body = "Petugas loket tidak ramah", "Petugas loket berbicara dengan nada tinggi."
	tk := owner.send(k, fmt.Sprintf("masked-%d@contoh.go.id", time.Now().UnixNano()))

	request := k.delivered(k.officer, tag(tk), 1)
	checkNoSecret(t, "triage request", request, owner.identity())
	if !strings.Contains(request.text, "S*** R***") {
		t.Errorf("triage request lacks the masked name S*** R***:\n%s", request.text)
	}
	to, raw := replyTo("Petugas", k.officer, request.msg, "#nonteknis")
	k.sendTo(k.officer, to, raw)
	escalation := k.delivered(k.manager, tag(tk), 1)
	checkNoSecret(t, "escalation", escalation, owner.identity())

	for n, kind := range []string{"acknowledgment", "escalation notice"} {
		got := k.delivered(owner.email, tag(tk), n+1)
		if !strings.Contains(got.text, owner.name) {
			t.Errorf("%s to the requester does not name them:\n%s", kind, got.text)
		}
	}
}

// checkForeignTag sends a stranger's message quoting the owner's ticket
// tag: it must open a ticket of its own, whose acknowledgment holds
// nothing of the owner's complaint, and leave the owner's ticket alone.
func (k *desk) checkForeignTag(a *workflow.Ticket, owner secretComplaint) {
	k.t.Helper()
	stranger := k.env.NewUser(k.t, "warga@example.com")
	before := k.facts(a.Number)
	id := fmt.Sprintf("stranger-tag-%d@example.com", time.Now().UnixNano())
	k.send(stranger, message("Warga Lain", stranger, k.helpdesk, "Re: "+tag(a)+" Mohon informasi",
		"Saya ingin tahu perkembangan keluhan ini.", id, nil))
	b := k.ticketOf(id)
	if b.Number == a.Number {
		k.t.Fatalf("a stranger quoting %s joined that ticket", tag(a))
	}
	got := k.delivered(stranger, tag(b), 1)
	checkNoSecret(k.t, "acknowledgment to a stranger quoting the tag", got, owner.words())
	if records := k.recordsOf(a.Number, "mid:"+id); len(records) > 0 {
		k.t.Errorf("the stranger's message left records on %s:%s", a.Number, recordList(records))
	}
	if now := k.facts(a.Number); now != before {
		k.t.Errorf("ticket %s after the stranger's message = %+v, want %+v", a.Number, now, before)
	}
}

// checkRequesterCommands sends staff commands from the requester, in a
// reply to the acknowledgment: each is refused with a reply naming it,
// and the ticket does not change.
func (k *desk) checkRequesterCommands(a *workflow.Ticket, owner secretComplaint, ack *ingest.Message) {
	k.t.Helper()
	before := k.facts(a.Number)
	commands := []string{"#tutup uji-p02 sudah selesai", "#teknis", "#balas uji-p03 terima kasih"}
	to, raw := replyTo(owner.name, owner.email, ack, strings.Join(commands, "\n"))
	k.sendTo(owner.email, to, raw)
	doc := k.outcome(messageIDOf(k.t, raw))

	// Refusals for one reason are merged: one record and one reply list
	// every refused command.
	refused := 0
	for _, r := range k.recordsOf(a.Number, doc.Key) {
		switch r.Type {
		case workflow.RecordRequesterReply:
		case workflow.RecordRefused:
			refused++
			if r.Detail["reason"] != workflow.RefuseNotStaff {
				k.t.Errorf("requester's %q refused for %q, want %s", r.Text, r.Detail["reason"], workflow.RefuseNotStaff)
			}
			for _, c := range commands {
				if !strings.Contains(r.Text, c) {
					k.t.Errorf("refusal record %q lacks the command %q", r.Text, c)
				}
			}
		default:
			k.t.Errorf("requester's commands left a %s record %q", r.Type, r.Text)
		}
	}
	if refused != 1 {
		k.t.Errorf("requester's commands: %d refusal records, want 1 for all %d", refused, len(commands))
	}

	refusal := k.mail(owner.email, tag(a), 2)
	if !strings.Contains(refusal.Text, "perintah khusus petugas layanan") {
		k.t.Errorf("refusal of the requester's commands lacks the reason:\n%s", refusal.Text)
	}
	for _, c := range commands {
		if !strings.Contains(refusal.Text, c) {
			k.t.Errorf("refusal lacks the command %q:\n%s", c, refusal.Text)
		}
	}
	if now := k.facts(a.Number); now != before {
		k.t.Errorf("ticket %s after the requester's commands = %+v, want %+v", a.Number, now, before)
	}

	for _, row := range k.settledOutbox(a.Number) {
		if row.Kind == workflow.MailHandoff || row.Kind == workflow.MailClosure || row.Kind == workflow.MailReply {
			k.t.Errorf("requester's commands queued a %s to %s", row.Kind, row.To.Email)
		}
	}
}

// checkNoSecret fails when mail to someone other than the requester
// holds one of secrets in its header, text or HTML.
func checkNoSecret(t *testing.T, label string, m deliveredMail, secrets []string) {
	t.Helper()
	var header strings.Builder
	for field, values := range m.header {
		for _, v := range values {
			header.WriteString(field + ": " + decodeWords(v) + "\n")
		}
	}
	parts := map[string]string{"header": header.String(), "text": m.text, "HTML": m.html}
	for part, content := range parts {
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(content), strings.ToLower(s)) {
				t.Errorf("%s: %s contains %q", label, part, s)
			}
		}
	}
}

// ticketOf waits for the message with messageID and returns the ticket
// it opened or joined.
func (k *desk) ticketOf(messageID string) *workflow.Ticket {
	k.t.Helper()
	doc := k.outcome(messageID)
	if doc.Ticket == "" {
		k.t.Fatalf("message %s is on no ticket: status %s, reason %q", messageID, doc.Status, doc.Reason)
	}
	return k.storedTicket(doc.Ticket)
}

// storedTicket returns ticket number as the store holds it now.
func (k *desk) storedTicket(number string) *workflow.Ticket {
	k.t.Helper()
	t, err := k.d.store.Ticket(context.Background(), number)
	if err != nil {
		k.t.Fatalf("Ticket(%s): %v", number, err)
	}
	return t
}
