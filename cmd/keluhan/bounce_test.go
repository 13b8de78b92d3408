package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// TestBouncedEscalationReachesServiceDesk sends a delivery-status
// notification for the escalation email: the bounce is recorded on the
// ticket and the service desk is told.
func TestBouncedEscalationReachesServiceDesk(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "user@example.com")
	k.send(requester, complaint("Warga", requester, "Petugas tidak ramah", "Petugas loket membentak saya."))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"
	to, raw := replyTo("Petugas", k.officer, k.mail(k.officer, tag, 1), "#nonteknis")
	k.sendTo(k.officer, to, raw)
	escalation := k.mail(k.manager, tag, 1)

	env.Append(t, k.helpdesk, "INBOX", dsn(k.helpdesk, k.manager, escalation.MessageID))
	k.record(tk.Number, workflow.RecordBounce)
	notice := k.mail(k.officer, tag, 2)
	if !strings.Contains(notice.Text, k.manager) {
		t.Errorf("bounce notice does not name the recipient %s:\n%s", k.manager, notice.Text)
	}
}

// TestRejectedEscalationReachesServiceDesk configures a complaint
// manager whose address the SMTP server rejects for good: the failure is
// recorded on the ticket and the service desk is told.
func TestRejectedEscalationReachesServiceDesk(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{manager: "hilang@domain-lain.example"})
	requester := env.NewUser(t, "user@example.com")
	k.send(requester, complaint("Warga", requester, "Antrean loket terlalu lama", "Saya menunggu empat jam di loket."))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"
	to, raw := replyTo("Petugas", k.officer, k.mail(k.officer, tag, 1), "#nonteknis")
	k.sendTo(k.officer, to, raw)
	k.record(tk.Number, workflow.RecordBounce)
	notice := k.mail(k.officer, tag, 2)
	if !strings.Contains(notice.Text, "hilang@domain-lain.example") {
		t.Errorf("notice does not name the rejected address:\n%s", notice.Text)
	}
}

// dsn builds a Postfix-style delivery-status notification returning the
// message with Message-ID id that was sent to rcpt.
func dsn(to, rcpt, id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <>\r\nFrom: MAILER-DAEMON@mail.example.org (Mail Delivery System)\r\nTo: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: Undelivered Mail Returned to Sender\r\nDate: %s\r\nMessage-ID: <%d.dsn@mail.example.org>\r\n", time.Now().Format(time.RFC1123Z), time.Now().UnixNano())
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r1\"\r\n\r\n")
	fmt.Fprintf(&b, "--r1\r\nContent-Type: text/plain\r\n\r\n<%s>: mailbox full\r\n\r\n", rcpt)
	fmt.Fprintf(&b, "--r1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.org\r\n\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n\r\n", rcpt)
	fmt.Fprintf(&b, "--r1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: helpdesk@layanan.example.go.id\r\nTo: %s\r\nSubject: Eskalasi\r\nMessage-ID: <%s>\r\n\r\n--r1--\r\n", rcpt, id)
	return []byte(b.String())
}
