package main

import (
	"testing"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// fixture is a small consistent run: two complaints, a reply to the
// first, tickets, sent outbox rows and their deliveries.
func fixture() (*checker, mailView) {
	msgs := []truthMessage{
		{id: "c1@example.com", complaint: true, root: "c1@example.com"},
		{id: "c2@example.com", complaint: true, root: "c2@example.com"},
		{id: "r1@example.com", root: "c1@example.com"},
	}
	doc := func(id, ticket string) []*store.MessageDoc {
		return []*store.MessageDoc{{Key: "mid:" + id, MessageID: id, Status: store.MessageDone, Ticket: ticket}}
	}
	row := func(key, kind, ticket, id string) *workflow.Outgoing {
		return &workflow.Outgoing{Key: key, Kind: kind, Ticket: ticket, MessageID: id, Status: workflow.OutboxSent, Attempts: 1}
	}
	view := &storeView{
		messages: map[string][]*store.MessageDoc{
			"c1@example.com": doc("c1@example.com", "KLH-2026-000001"),
			"c2@example.com": doc("c2@example.com", "KLH-2026-000002"),
			"r1@example.com": doc("r1@example.com", "KLH-2026-000001"),
		},
		tickets: []*workflow.Ticket{
			{Number: "KLH-2026-000001", SourceKey: "mid:c1@example.com", RootMessageID: "c1@example.com"},
			{Number: "KLH-2026-000002", SourceKey: "mid:c2@example.com", RootMessageID: "c2@example.com"},
		},
		outbox: []*workflow.Outgoing{
			row("a1", workflow.MailAck, "KLH-2026-000001", "klh.ack.1@layanan.example.go.id"),
			row("a2", workflow.MailAck, "KLH-2026-000002", "klh.ack.2@layanan.example.go.id"),
			row("t1", workflow.MailTriageRequest, "KLH-2026-000001", "klh.triage-request.1@layanan.example.go.id"),
		},
	}
	mail := mailView{
		"klh.ack.1@layanan.example.go.id":            {{mailbox: "budi@example.com", subject: "[KLH-2026-000001] Keluhan Anda telah kami terima"}},
		"klh.ack.2@layanan.example.go.id":            {{mailbox: "siti@example.com", subject: "[KLH-2026-000002] Keluhan Anda telah kami terima"}},
		"klh.triage-request.1@layanan.example.go.id": {{mailbox: "petugas@layanan.example.go.id", subject: "[KLH-2026-000001] Mohon verifikasi"}},
	}
	c := &checker{
		truth:      &truth{Emails: 4, Complaints: 2, Replies: 1, Duplicates: 1},
		msgs:       msgs,
		view:       view,
		fig:        figures{outbox: map[workflow.OutboxStatus]int{}},
		violations: map[string][]string{},
	}
	return c, mail
}

func runChecks(c *checker, mail mailView) {
	c.checkTickets(c.checkMessages())
	c.checkOutbox()
	c.checkDelivery(mail)
}

func TestChecksPassOnConsistentRun(t *testing.T) {
	c, mail := fixture()
	runChecks(c, mail)

	if len(c.violations) != 0 {
		t.Errorf("violations = %v, want none", c.violations)
	}
	if c.fig.tickets != 2 || c.fig.acksSent != 2 || c.fig.acksDelivered != 2 || c.fig.messagesStored != 3 {
		t.Errorf("figures = %+v, want 2 tickets, 2 acks sent and delivered, 3 messages", c.fig)
	}
}

func TestChecksFindViolations(t *testing.T) {
	tests := []struct {
		name   string
		breakf func(c *checker, mail mailView)
		check  string
	}{
		{"message missing", func(c *checker, _ mailView) {
			delete(c.view.messages, "c2@example.com")
		}, checkStored},
		{"message stored twice", func(c *checker, _ mailView) {
			d := *c.view.messages["r1@example.com"][0]
			d.Key += "#0123456789abcdef"
			c.view.messages["r1@example.com"] = append(c.view.messages["r1@example.com"], &d)
		}, checkStored},
		{"message pending", func(c *checker, _ mailView) {
			c.view.messages["c1@example.com"][0].Status = store.MessagePending
		}, checkStored},
		{"reply opened its own ticket", func(c *checker, _ mailView) {
			c.view.messages["r1@example.com"][0].Ticket = "KLH-2026-000003"
		}, checkReplies},
		{"complaint opened two tickets", func(c *checker, _ mailView) {
			c.view.tickets = append(c.view.tickets, &workflow.Ticket{Number: "KLH-2026-000009", SourceKey: "mid:c1@example.com", RootMessageID: "c1@example.com"})
		}, checkTicketSet},
		{"row pending", func(c *checker, _ mailView) {
			c.view.outbox[2].Status = workflow.OutboxPending
		}, checkOutboxSent},
		{"second ack row", func(c *checker, _ mailView) {
			c.view.outbox = append(c.view.outbox, &workflow.Outgoing{Key: "a1b", Kind: workflow.MailAck, Ticket: "KLH-2026-000001", MessageID: "klh.ack.1b@x", Status: workflow.OutboxSent, Attempts: 1})
		}, checkAckRows},
		{"sent row not delivered", func(_ *checker, mail mailView) {
			delete(mail, "klh.triage-request.1@layanan.example.go.id")
		}, checkDelivered},
		{"ack without its tag", func(_ *checker, mail mailView) {
			mail["klh.ack.2@layanan.example.go.id"][0].subject = "Keluhan Anda telah kami terima"
		}, checkAcks},
		{"email delivered twice", func(_ *checker, mail mailView) {
			id := "klh.triage-request.1@layanan.example.go.id"
			mail[id] = append(mail[id], mail[id][0])
		}, checkDuplicates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mail := fixture()
			tt.breakf(c, mail)
			runChecks(c, mail)

			if len(c.violations[tt.check]) == 0 {
				t.Errorf("check %q found nothing; violations = %v", tt.check, c.violations)
			}
		})
	}
}

func TestWindowDuplicateNeedsStrict(t *testing.T) {
	for _, strict := range []bool{false, true} {
		c, mail := fixture()
		c.cfg.strict = strict
		c.view.outbox[0].Attempts = 2
		id := "klh.ack.1@layanan.example.go.id"
		mail[id] = append(mail[id], mail[id][0])
		runChecks(c, mail)

		if c.fig.windowDuplicates != 1 || c.fig.windowAckDuplicates != 1 {
			t.Errorf("strict=%v: windowDuplicates = %d, windowAckDuplicates = %d, want 1 and 1",
				strict, c.fig.windowDuplicates, c.fig.windowAckDuplicates)
		}
		if failed := len(c.violations) > 0; failed != strict {
			t.Errorf("strict=%v: violations = %v, want some only with -strict", strict, c.violations)
		}
	}
}

func TestParseHeader(t *testing.T) {
	section := []byte("Message-ID: <klh.ack.abc@Layanan.Example.GO.ID>\r\n" +
		"Subject: =?utf-8?q?=5BKLH-2026-000007=5D_Keluhan_Anda_=E2=80=93_diterima?=\r\n")

	id, subject := parseHeader(section)
	if id != "klh.ack.abc@layanan.example.go.id" {
		t.Errorf("parseHeader id = %q, want the normalised Message-ID", id)
	}
	if subject != "[KLH-2026-000007] Keluhan Anda – diterima" {
		t.Errorf("parseHeader subject = %q, want the decoded subject", subject)
	}
	if m := ticketTag.FindStringSubmatch(subject); m == nil || m[1] != "KLH-2026-000007" {
		t.Errorf("ticketTag in %q = %v, want KLH-2026-000007", subject, m)
	}
}

func TestNumberGaps(t *testing.T) {
	tickets := []*workflow.Ticket{
		{Number: "KLH-2026-000001"}, {Number: "KLH-2026-000002"}, {Number: "KLH-2026-000005"},
		{Number: "KLH-2027-000010"}, {Number: "KLH-2027-000011"},
	}
	if got := numberGaps(tickets); got != 2 {
		t.Errorf("numberGaps = %d, want 2 (000003 and 000004)", got)
	}
}
