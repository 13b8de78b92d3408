package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// TestIntakeEndToEnd sends a complaint with a PDF through Postfix and
// checks the ticket, the acknowledgment and its threading, the IMAP flag,
// and that the requester's reply joins the same ticket without a second
// acknowledgment.
func TestIntakeEndToEnd(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "budi@contoh.go.id")
	pdf := []byte("%PDF-1.4\n% keluhan test\n")
	raw := withPDF("Budi Santoso", requester, "Tidak bisa login ke aplikasi merek",
		"Sejak kemarin muncul pesan \"Sesi tidak valid\" setelah login.", "bukti.pdf", pdf, "intake-1@contoh.go.id")
	k.send(requester, raw)

	tk := k.tickets(1)[0]
	if tk.Requester.Email != requester || tk.Subject != "Tidak bisa login ke aplikasi merek" {
		t.Errorf("ticket requester, subject = %s, %q", tk.Requester.Email, tk.Subject)
	}
	if !strings.Contains(tk.Body, `"Sesi tidak valid"`) {
		t.Errorf("ticket body = %q, want the decoded text", tk.Body)
	}
	if len(tk.Attachments) != 1 || tk.Attachments[0].Filename != "bukti.pdf" {
		t.Errorf("ticket attachments = %+v, want bukti.pdf", tk.Attachments)
	}
	if !strings.HasPrefix(tk.Number, "KLH-") || len(tk.Number) != len("KLH-2026-000001") {
		t.Errorf("ticket number = %s", tk.Number)
	}

	ack := k.mail(requester, "["+tk.Number+"]", 1)
	if ack.InReplyTo[0] != "intake-1@contoh.go.id" || !contains(ack.References, "intake-1@contoh.go.id") {
		t.Errorf("ack In-Reply-To %v References %v, want the complaint", ack.InReplyTo, ack.References)
	}
	if got := ack.Header["Auto-Submitted"]; len(got) == 0 || got[0] != "auto-replied" {
		t.Errorf("ack Auto-Submitted = %v, want auto-replied", got)
	}
	if !strings.HasPrefix(ack.MessageID, "klh.ack.") {
		t.Errorf("ack Message-ID = %s, want ours", ack.MessageID)
	}

	helpdeskMail := env.WaitMessages(t, k.helpdesk, "INBOX", 1, mailWait)
	waitFlag(t, env, k.helpdesk, helpdeskMail[0].UID)
	doc, err := k.d.store.Message(context.Background(), "mid:intake-1@contoh.go.id")
	if err != nil || doc.Ticket != tk.Number {
		t.Errorf("stored message ticket = %v, %v; want %s before the flag", doc, err, tk.Number)
	}

	to, answer := replyTo("Budi Santoso", requester, ack, "Tambahan: nomor permohonan D002026000777.")
	k.sendTo(requester, to, answer)
	k.record(tk.Number, workflow.RecordRequesterReply)
	if n := len(k.tickets(1)); n != 1 {
		t.Errorf("tickets after reply = %d, want 1", n)
	}
	if n := k.countMail(requester, "["+tk.Number+"]", 2*time.Second); n != 1 {
		t.Errorf("acknowledgments = %d, want 1", n)
	}
}

// TestNonTechnicalEndToEnd walks a complaint through triage, #nonteknis,
// follow-up, closure and a reopen, each step by email.
func TestNonTechnicalEndToEnd(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "siti@contoh.go.id")
	k.send(requester, complaint("Siti", requester, "Petugas loket tidak ramah", "Petugas loket berbicara dengan nada tinggi dan tidak mau menjelaskan prosedur."))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"

	request := k.mail(k.officer, tag, 1)
	if !strings.Contains(request.Text, "#nonteknis") || !strings.Contains(request.Text, "#teknis") {
		t.Errorf("triage request lacks the reply commands:\n%s", request.Text)
	}
	to, raw := replyTo("Petugas", k.officer, request, "#nonteknis")
	k.sendTo(k.officer, to, raw)
	k.record(tk.Number, workflow.RecordEscalated)
	escalation := k.mail(k.manager, tag, 1)
	if !strings.Contains(escalation.Text, "nada tinggi") {
		t.Errorf("escalation lacks the complaint:\n%s", escalation.Text)
	}
	k.mail(requester, tag, 2)

	to, raw = replyTo("Pengelola", k.manager, escalation, "#catatan Sudah saya hubungi kepala loket.")
	k.sendTo(k.manager, to, raw)
	if got := k.record(tk.Number, workflow.RecordNote); got.State != workflow.StateFollowUp {
		t.Errorf("state after #catatan = %s, want follow_up", got.State)
	}
	to, raw = replyTo("Pengelola", k.manager, escalation, "#balas Mohon maaf atas pelayanan kami; petugas yang bersangkutan sudah dibina.")
	k.sendTo(k.manager, to, raw)
	answer := k.mail(requester, tag, 3)
	if !strings.Contains(answer.Text, "sudah dibina") {
		t.Errorf("requester's reply mail lacks the text:\n%s", answer.Text)
	}
	to, raw = replyTo("Pengelola", k.manager, escalation, "#tutup Petugas sudah dibina dan diberi teguran.")
	k.sendTo(k.manager, to, raw)
	closure := k.mail(requester, tag, 4)
	if !strings.Contains(closure.Text, "diberi teguran") {
		t.Errorf("closure lacks the resolution:\n%s", closure.Text)
	}
	if got := k.record(tk.Number, workflow.RecordClosed); got.State != workflow.StateClosed {
		t.Fatalf("state after #tutup = %s", got.State)
	}

	to, raw = replyTo("Siti", requester, closure, "Maaf, petugas yang sama masih bersikap sama hari ini.")
	k.sendTo(requester, to, raw)
	if got := k.record(tk.Number, workflow.RecordReopened); got.State == workflow.StateClosed {
		t.Errorf("state after the requester's reply = %s, want reopened", got.State)
	}
	k.mail(k.manager, tag, 2)
}

// TestTechnicalEndToEnd confirms a complaint as technical and checks the
// hand-off with its attachment in incident management's mailbox.
func TestTechnicalEndToEnd(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "andi@contoh.go.id")
	k.send(requester, withPDF("Andi", requester, "Aplikasi error saat unggah", "Muncul error 500 saat unggah dokumen.", "layar.pdf", []byte("%PDF-1.4 layar"), ""))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"
	request := k.mail(k.officer, tag, 1)
	to, raw := replyTo("Petugas", k.officer, request, "#teknis")
	k.sendTo(k.officer, to, raw)
	handoff := k.mail(k.incident, tag, 1)
	if len(handoff.Attachments) != 1 || handoff.Attachments[0].Filename != "layar.pdf" {
		t.Errorf("hand-off attachments = %+v, want layar.pdf", handoff.Attachments)
	}
	notice := k.mail(requester, tag, 2)
	if notice.Subject == "" {
		t.Error("requester got no hand-off notice")
	}
	got := k.record(tk.Number, workflow.RecordHandedOff)
	if got.State != workflow.StateIncident || got.Category != workflow.CategoryTechnical {
		t.Errorf("state, category = %s, %s", got.State, got.Category)
	}
	to, raw = replyTo("Tim Insiden", k.incident, handoff, "Diterima, sedang kami tangani.")
	k.sendTo(k.incident, to, raw)
	k.record(tk.Number, workflow.RecordIncidentReply)
}

// TestCommandFromStrangerRefused checks that a command from an address
// that is not staff changes nothing and is answered with a refusal, and
// that an out-of-office reply from staff is never read as a command.
func TestCommandFromStrangerRefused(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "user@example.com")
	k.send(requester, complaint("Warga", requester, "Biaya pendaftaran merek", "Berapa biaya pendaftaran merek untuk UMKM?"))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"
	ack := k.mail(requester, tag, 1)
	to, raw := replyTo("Warga", requester, ack, "#tutup sudah saya pahami")
	k.sendTo(requester, to, raw)
	refusal := k.mail(requester, tag, 2)
	if !strings.Contains(refusal.Text, "#tutup") {
		t.Errorf("refusal does not name the command:\n%s", refusal.Text)
	}
	got := k.record(tk.Number, workflow.RecordRefused)
	if got.State != workflow.StateNew {
		t.Errorf("state after a stranger's #tutup = %s, want new", got.State)
	}

	request := k.mail(k.officer, tag, 1)
	to, raw = replyTo("Petugas", k.officer, request, "#tutup Saya sedang cuti sampai Senin.", "Auto-Submitted: auto-replied", "X-Autoreply: yes")
	k.sendTo(k.officer, to, raw)
	got = k.record(tk.Number, workflow.RecordAutoReply)
	if got.State != workflow.StateNew {
		t.Errorf("state after an out-of-office reply = %s, want new", got.State)
	}
}

func withPDF(fromName, from, subject, body, filename string, pdf []byte, messageID string) []byte {
	if messageID == "" {
		messageID = fmt.Sprintf("%d.%s", time.Now().UnixNano(), from)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: helpdesk@layanan.example.go.id\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		fromName, from, subject, time.Now().Format(time.RFC1123Z), messageID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	fmt.Fprintf(&b, "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n",
		filename, base64.StdEncoding.EncodeToString(pdf))
	return []byte(b.String())
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// waitFlag waits until the helpdesk message with uid carries the
// processed keyword.
func waitFlag(t *testing.T, env *testenv.Env, user string, uid uint32) {
	t.Helper()
	env.WaitMessage(t, user, "INBOX", mailWait, func(f testenv.Fetched) bool {
		return f.UID == uid && f.HasFlag("$KeluhanProcessed")
	})
}

var _ = ingest.ClassPerson
