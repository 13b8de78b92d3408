package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"strings"
	"testing"
	"time"
	"unicode"

	gomessage "github.com/emersion/go-message/mail"
	"golang.org/x/net/html"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// trustedAuthServID is the receiving server the harness configures in
// trust.authserv_ids. The test Postfix runs no milter, so the only
// Authentication-Results headers a message carries are the ones a test
// writes into it.
const trustedAuthServID = "mx.layanan.example.go.id"

// forgery is one staff command sent without a valid proof of its sender.
type forgery struct {
	name   string
	ticket *workflow.Ticket
	// from is the From address, forged or real. sender is the envelope
	// sender, and rcpt is both the envelope recipient and the To field.
	from, sender, rcpt string
	// command is the only line of the body, unique per case, so that the
	// refusal's subject identifies the case.
	command string
	header  []string
	// notified is the staff address that must receive the refusal.
	notified string
}

// TestAttackForgedStaffCommands sends staff commands without a valid
// proof of the sender and checks that each is refused. The ticket keeps
// its state and the message stays on it as an unverified note. The real
// staff address in From receives a refusal that gives the reason. Two
// controls show that a real proof is accepted on the same desk.
func TestAttackForgedStaffCommands(t *testing.T) {
	env := testenv.Require(t)
	officer2 := env.NewUser(t, "petugas2")
	attacker := env.NewUser(t, "penyerang@example.com")
	k := startDesk(t, env, deskOptions{
		// Each refusal counts against the per-recipient cap on automatic
		// mail, 10 a day by default, and this test sends more than that.
		extraYAML: "limits: {auto_reply_cap: 1000}\n",
		configure: func(c *Config) {
			c.Roles.ServiceDesk = append(c.Roles.ServiceDesk, Person{Name: "Petugas Dua", Address: officer2})
		},
	})
	requester := env.NewUser(t, "warga@example.com")
	a := k.openTicket(requester, "Formulir pendaftaran tidak bisa dikirim", "Tombol kirim pada formulir tidak berfungsi.")
	b := k.openTicket(requester, "Petugas meminta biaya tambahan", "Di loket saya diminta biaya di luar tarif resmi.")
	ackA, ackB := k.mail(requester, tag(a), 1), k.mail(requester, tag(b), 1)
	requestA := k.mail(k.officer, tag(a), 1)
	k.mail(officer2, tag(a), 1)

	officerTokenA := requestA.ReplyTo[0].Address
	requesterTokenA := ackA.ReplyTo[0].Address
	threadOf := func(m *ingest.Message) []string {
		return []string{"In-Reply-To: <" + m.MessageID + ">", "References: <" + m.MessageID + ">"}
	}
	authResults := func(values ...string) []string {
		var lines []string
		for _, v := range values {
			lines = append(lines, "Authentication-Results: "+v)
		}
		return append(lines, threadOf(ackA)...)
	}
	// A forged From together with the officer's own token is not among
	// the cases. The token is the proof, so anyone who holds it can act
	// as the officer.
	domain := env.Domain
	cases := []forgery{
		{name: "forged From on the requester's thread", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f01", header: threadOf(ackA), notified: k.officer},
		{name: "forged From with only the subject tag", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#teknis uji-f02", notified: k.officer},
		{name: "forged From with the requester's token", ticket: a, from: k.officer, sender: attacker, rcpt: requesterTokenA,
			command: "#tutup uji-f03", header: threadOf(ackA), notified: k.officer},
		{name: "officer token of ticket A on thread B", ticket: b, from: k.officer, sender: attacker, rcpt: officerTokenA,
			command: "#tutup uji-f04", header: threadOf(ackB), notified: k.officer},
		{name: "triage request of A referenced on thread B", ticket: b, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f05", notified: k.officer,
			header: []string{"In-Reply-To: <" + ackB.MessageID + ">", "References: <" + requestA.MessageID + "> <" + ackB.MessageID + ">"}},
		{name: "second officer with the first officer's token", ticket: a, from: officer2, sender: officer2, rcpt: officerTokenA,
			command: "#tutup uji-f06", header: threadOf(requestA), notified: officer2},
		{name: "untrusted authserv-id claims dmarc pass", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f07", notified: k.officer,
			header: authResults("relay.penyerang.example.com; dmarc=pass header.from=" + domain)},
		{name: "forged pass above the trusted failure", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f08", notified: k.officer,
			header: authResults("relay.penyerang.example.com; dmarc=pass header.from="+domain,
				trustedAuthServID+"; spf=fail smtp.mailfrom="+domain+"; dmarc=fail header.from="+domain)},
		{name: "forged trusted pass below the trusted failure", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f09", notified: k.officer,
			header: authResults(trustedAuthServID+"; dmarc=fail header.from="+domain,
				trustedAuthServID+"; dkim=pass header.d="+domain+"; dmarc=pass header.from="+domain)},
		{name: "trusted pass for another domain", ticket: a, from: k.officer, sender: attacker, rcpt: k.helpdesk,
			command: "#tutup uji-f10", notified: k.officer,
			header: authResults(trustedAuthServID + "; dkim=pass header.d=example.com; dmarc=pass header.from=example.com")},
	}

	before := map[string]ticketFacts{a.Number: k.facts(a.Number), b.Number: k.facts(b.Number)}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = fmt.Sprintf("forged-%02d-%d@penyerang.example.com", i+1, time.Now().UnixNano())
		subject := "Re: " + tag(c.ticket) + " " + c.ticket.Subject
		k.sendTo(c.sender, c.rcpt, message("Petugas", c.from, c.rcpt, subject, c.command, ids[i], c.header))
	}
	for i, c := range cases {
		k.checkUnverified(c.name, c.ticket.Number, ids[i], c.command, c.notified)
	}
	for number, want := range before {
		if got := k.facts(number); got != want {
			t.Errorf("ticket %s after the forged commands = %+v, want %+v", number, got, want)
		}
	}

	k.checkOutsiderToken(a, attacker, officerTokenA, requestA)
	k.checkForgedOnBehalf(attacker)

	// Controls: the trusted server's pass and the officer's own token
	// are accepted on the same desk.
	id := fmt.Sprintf("control-dmarc-%d@%s", time.Now().UnixNano(), domain)
	header := append([]string{"Authentication-Results: " + trustedAuthServID + "; dmarc=pass header.from=" + domain}, threadOf(ackB)...)
	k.sendTo(k.officer, k.helpdesk, message("Petugas", k.officer, k.helpdesk, "Re: "+tag(b), "#catatan uji-k01 sudah diperiksa", id, header))
	if note := k.onlyRecord(b.Number, id, workflow.RecordNote); note != nil && (!note.Verified || note.Text != "uji-k01 sudah diperiksa") {
		t.Errorf("note under the trusted dmarc pass = verified %v, text %q; want a verified note", note.Verified, note.Text)
	}
	to, raw := replyTo("Petugas", k.officer, requestA, "#teknis")
	k.sendTo(k.officer, to, raw)
	if got := k.ticketAfter(raw); got.State != workflow.StateIncident {
		t.Errorf("state after the officer's own #teknis = %s, want incident", got.State)
	}
}

// checkOutsiderToken sends a command from an outsider's own address to
// an officer's reply address. The token is bound to the officer, so the
// outsider is only a stranger on the thread: the message is kept as an
// outsider's message, nothing changes, and the outsider is told nothing.
func (k *desk) checkOutsiderToken(tk *workflow.Ticket, outsider, officerToken string, request *ingest.Message) {
	k.t.Helper()
	before := k.facts(tk.Number)
	id := fmt.Sprintf("outsider-%d@penyerang.example.com", time.Now().UnixNano())
	header := []string{"In-Reply-To: <" + request.MessageID + ">", "References: <" + request.MessageID + ">"}
	k.sendTo(outsider, officerToken, message("Orang Luar", outsider, officerToken, "Re: "+request.Subject, "#tutup uji-f11", id, header))
	doc := k.outcome(id)
	if doc.Ticket != tk.Number {
		k.t.Errorf("outsider with an officer's token: message on ticket %q, want %s", doc.Ticket, tk.Number)
	}
	k.onlyRecord(tk.Number, id, workflow.RecordOutsider)
	if n := k.countMail(outsider, "", 2*time.Second); n != 0 {
		k.t.Errorf("outsider with an officer's token received %d emails, want none", n)
	}
	if got := k.facts(tk.Number); got != before {
		k.t.Errorf("outsider with an officer's token changed ticket %s to %+v, want %+v", tk.Number, got, before)
	}
}

// checkForgedOnBehalf sends "#atasnama" from a forged officer address:
// no ticket may open for the named person, who gets no mail, and the
// real officer receives the refusal.
func (k *desk) checkForgedOnBehalf(attacker string) {
	k.t.Helper()
	victim := k.env.NewUser(k.t, "korban@example.com")
	id := fmt.Sprintf("onbehalf-%d@penyerang.example.com", time.Now().UnixNano())
	body := "#atasnama Korban <" + victim + ">\nSaya ingin mengeluhkan layanan yang buruk."
	k.sendTo(attacker, k.helpdesk, message("Petugas", k.officer, k.helpdesk, "Keluhan atas nama warga", body, id, nil))
	doc := k.outcome(id)
	if doc.Status != store.MessageIgnored || doc.Ticket != "" || !strings.HasPrefix(doc.Reason, workflow.ReasonUnverified) {
		k.t.Errorf("forged #atasnama: status %s, ticket %q, reason %q; want ignored without a ticket, reason %q",
			doc.Status, doc.Ticket, doc.Reason, workflow.ReasonUnverified)
	}
	refusal := k.mail(k.officer, "#atasnama", 1)
	if !strings.Contains(refusal.Text, "Keaslian alamat pengirim") {
		k.t.Errorf("refusal of the forged #atasnama lacks the reason:\n%s", refusal.Text)
	}
	ts, err := k.d.store.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		k.t.Fatalf("ListTickets: %v", err)
	}
	for _, tk := range ts {
		if tk.Requester.Email == victim {
			k.t.Errorf("forged #atasnama opened ticket %s for %s", tk.Number, victim)
		}
	}
	for _, row := range k.settledOutbox("") {
		if row.To.Email == victim {
			k.t.Errorf("forged #atasnama queued a %s to %s", row.Kind, victim)
		}
	}
}

// TestAttackExpiredToken moves the procedure's clock past the reply
// token's lifetime and checks the officer's reply with the old token is
// refused, while a reply to fresh mail with a new token is accepted.
func TestAttackExpiredToken(t *testing.T) {
	env := testenv.Require(t)
	clock := newFastClock(1)
	k := startDesk(t, env, deskOptions{
		clock: clock.now,
		// The harness YAML already sets helpdesk, so token_ttl cannot go
		// in extraYAML. Tokens.Mint rounds the expiry down to the hour,
		// so a lifetime under an hour makes tokens that are born expired.
		configure: func(c *Config) { c.Helpdesk.TokenTTL = "1h" },
	})
	requester := env.NewUser(t, "warga@example.com")
	tk := k.openTicket(requester, "Sertifikat belum terbit", "Sudah dua bulan sertifikat saya belum terbit.")
	request := k.mail(k.officer, tag(tk), 1)

	to, raw := replyTo("Petugas", k.officer, request, "#catatan uji-e01 sebelum kedaluwarsa")
	k.sendTo(k.officer, to, raw)
	if note := k.onlyRecord(tk.Number, messageIDOf(t, raw), workflow.RecordNote); note != nil && !note.Verified {
		t.Errorf("note with a fresh token is unverified: %v", note.Detail)
	}

	clock.skip(3 * time.Hour)
	to, raw = replyTo("Petugas", k.officer, request, "#tutup uji-e02")
	k.sendTo(k.officer, to, raw)
	note := k.checkUnverified("expired token", tk.Number, messageIDOf(t, raw), "#tutup uji-e02", k.officer)
	if note != nil && !strings.Contains(note.Detail["proof"], workflow.ErrTokenExpired.Error()) {
		t.Errorf("proof detail of the expired token = %q, want it to name %q", note.Detail["proof"], workflow.ErrTokenExpired)
	}

	refusal := k.mail(k.officer, "#tutup uji-e02", 1)
	to, raw = replyTo("Petugas", k.officer, refusal, "#teknis")
	k.sendTo(k.officer, to, raw)
	if got := k.ticketAfter(raw); got.State != workflow.StateIncident {
		t.Errorf("state after #teknis with a fresh token = %s, want incident", got.State)
	}
}

// quotedCommand is a reply from the real officer, with a valid token,
// whose only command line sits where a person did not write it.
type quotedCommand struct {
	name string
	// marker is in the officer's own text and must reach the note.
	marker string
	// contentType and body are the reply's body. An empty contentType
	// means text/plain.
	contentType, body string
}

// TestAttackQuotedCommands sends the officer's authenticated replies
// whose command lines sit only in quoted history, a signature, the
// middle of a sentence or the HTML alternative. Each must be kept as an
// ordinary note: no command runs and nothing is refused. The complaint
// itself carries command lines, which every reply quotes.
func TestAttackQuotedCommands(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	requester := env.NewUser(t, "warga@example.com")
	tk := k.openTicket(requester, "Aplikasi keluar sendiri",
		"Aplikasi keluar sendiri saat membuka menu tagihan.\n#tutup uji-q00 ditutup oleh pelapor\n#teknis")
	request := k.mail(k.officer, tag(tk), 1)

	desk := "Helpdesk Uji <" + k.helpdesk + ">"
	cases := []quotedCommand{
		{name: "client quote of the complaint", marker: "uji-q00"},
		{name: "quoted line", marker: "uji-q01",
			body: "Baik, akan saya periksa. uji-q01\n\n> #tutup uji-q01 dari kutipan\n> Terima kasih."},
		{name: "Outlook original message block", marker: "uji-q02",
			body: "Sedang saya cek. uji-q02\n\n-----Original Message-----\nFrom: " + desk + "\nSent: Monday, May 4, 2026 9:12 AM\nTo: Petugas\nSubject: Mohon verifikasi\n\n#tutup uji-q02 dari kutipan Outlook"},
		{name: "Outlook header block in Indonesian", marker: "uji-q03",
			body: "Saya cek dulu. uji-q03\n\n________________________________\nDari: " + desk + "\nDikirim: Senin, 04 Mei 2026 09.12\nKepada: Petugas\nPerihal: Mohon verifikasi\n\n#tutup uji-q03 dari kutipan Outlook"},
		{name: "Outlook header block in English", marker: "uji-q04",
			body: "OK uji-q04\n\nFrom: " + desk + "\nSent: Monday, May 4, 2026 9:12 AM\nTo: Petugas\nSubject: RE: Mohon verifikasi\n\n#close uji-q04 English alias"},
		{name: "Gmail attribution with quoted lines", marker: "uji-q05",
			body: "Siap. uji-q05\n\nPada Sen, 4 Mei 2026 pukul 09.12 " + desk + " menulis:\n\n> #tutup uji-q05 dari kutipan Gmail"},
		{name: "Gmail attribution with unmarked lines", marker: "uji-q06",
			body: "Siap. uji-q06\n\nPada Sen, 4 Mei 2026 pukul 09.12 " + desk + " menulis:\n\n#tutup uji-q06 tanpa tanda kutip"},
		{name: "Gmail attribution wrapped", marker: "uji-q07",
			body: "Siap. uji-q07\n\nPada Sen, 4 Mei 2026 pukul 09.12 Helpdesk Uji <\n" + k.helpdesk + "> menulis:\n\n> #tutup uji-q07 atribusi terlipat"},
		{name: "signature", marker: "uji-q08",
			body: "Saya tangani. uji-q08\n-- \nPetugas Service Desk\n#tutup uji-q08 di tanda tangan"},
		{name: "middle of a sentence", marker: "uji-q09",
			body: "Mohon jangan #tutup uji-q09 dulu."},
		{name: "indented quote", marker: "uji-q10",
			body: "Oke uji-q10\n   > #tutup uji-q10 kutipan menjorok"},
		{name: "HTML alternative only", marker: "uji-h01",
			contentType: "multipart/alternative; boundary=\"alt\"",
			body: "--alt\nContent-Type: text/plain; charset=utf-8\n\nAkan saya tindak lanjuti. uji-h01\n" +
				"--alt\nContent-Type: text/html; charset=utf-8\n\n<p>Akan saya tindak lanjuti. uji-h01</p><p>#tutup uji-h01 hanya di HTML</p>\n--alt--"},
		{name: "HTML blockquote", marker: "uji-h02", contentType: "text/html; charset=utf-8",
			body: "<div>Saya cek. uji-h02</div><blockquote type=\"cite\"><div>#tutup uji-h02 di blockquote</div></blockquote>"},
		{name: "HTML gmail_quote", marker: "uji-h03", contentType: "text/html; charset=utf-8",
			body: "<div dir=\"ltr\">Oke uji-h03</div><br><div class=\"gmail_quote\"><div class=\"gmail_attr\">Pada Sen, 4 Mei 2026 pukul 09.12 Helpdesk Uji menulis:<br></div><div>#tutup uji-h03 di gmail_quote</div></div>"},
		{name: "HTML Outlook divRplyFwdMsg", marker: "uji-h04", contentType: "text/html; charset=utf-8",
			body: "<div>Oke uji-h04</div><hr style=\"display:inline-block;width:98%\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Helpdesk Uji<br><b>Sent:</b> Monday, May 4, 2026 9:12 AM<br><b>To:</b> Petugas<br><b>Subject:</b> Mohon verifikasi</div><div>#tutup uji-h04 setelah kepala kutipan</div>"},
		{name: "HTML Zimbra header block", marker: "uji-h05", contentType: "text/html; charset=utf-8",
			body: "<div>Oke uji-h05</div><hr id=\"zwchr\"><div><b>Dari: </b>\"Helpdesk Uji\" &lt;" + k.helpdesk + "&gt;<br><b>Kepada: </b>\"Petugas\"<br><b>Dikirim: </b>Senin, 4 Mei 2026 9:12:00<br><b>Perihal: </b>Mohon verifikasi<br></div><div><br></div><div>#tutup uji-h05 setelah kepala kutipan Zimbra</div>"},
	}

	ids := make([]string, len(cases))
	for i, c := range cases {
		if c.body == "" {
			to, raw := replyTo("Petugas", k.officer, request, "#catatan "+c.marker+" sedang dicek")
			ids[i] = messageIDOf(t, raw)
			k.sendTo(k.officer, to, raw)
			continue
		}
		ids[i] = fmt.Sprintf("quoted-%02d-%d@%s", i, time.Now().UnixNano(), env.Domain)
		contentType := c.contentType
		if contentType == "" {
			contentType = "text/plain; charset=utf-8"
		}
		header := replyHeader("Petugas", k.officer, request, ids[i])
		header = append(header, "MIME-Version: 1.0", "Content-Type: "+contentType, "Content-Transfer-Encoding: 8bit")
		k.sendTo(k.officer, request.ReplyTo[0].Address, composed(header, c.body))
	}
	for i, c := range cases {
		k.checkOnlyNote(c.name, tk.Number, ids[i], c.marker)
	}
	if got := k.facts(tk.Number); got.State != workflow.StateNew || got.Category != "" {
		t.Errorf("ticket after the quoted commands = %+v, want state new without a category", got)
	}

	to, raw := replyTo("Petugas", k.officer, request, "#nonteknis")
	k.sendTo(k.officer, to, raw)
	if got := k.ticketAfter(raw); got.State != workflow.StateEscalated {
		t.Errorf("state after the officer's own #nonteknis = %s, want escalated", got.State)
	}
}

// checkOnlyNote checks that the message with messageID is on ticket
// number as one verified note holding marker and nothing else: no
// command ran and none was refused.
func (k *desk) checkOnlyNote(name, number, messageID, marker string) {
	k.t.Helper()
	doc := k.outcome(messageID)
	if doc.Ticket != number {
		k.t.Errorf("%s: message on ticket %q, want %s", name, doc.Ticket, number)
		return
	}
	records := k.recordsOf(number, doc.Key)
	if len(records) != 1 || records[0].Type != workflow.RecordNote {
		k.t.Errorf("%s: records = %s, want one note", name, recordList(records))
		return
	}
	note := records[0]
	if !note.Verified {
		k.t.Errorf("%s: note is unverified (%v), want the token to prove the officer", name, note.Detail)
	}
	if !strings.Contains(note.Text, marker) {
		k.t.Errorf("%s: note text %q lacks the officer's own text %q", name, note.Text, marker)
	}
	for _, line := range strings.Split(note.Text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			k.t.Errorf("%s: note keeps a command line from the quote: %q", name, line)
		}
	}
}

// TestAttackContentSanitised sends complaints whose subject and sender
// name try to add header fields, whose HTML carries script, and whose
// attachment names climb directories or hide characters, and checks
// what reaches the store and the outgoing mail.
func TestAttackContentSanitised(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	k.checkHeaderInjection()
	k.checkHTMLSanitised()
	k.checkAttachmentNames()
}

// checkHeaderInjection sends encoded words that decode to CR LF and a
// Bcc field, in the subject and in the sender's name.
func (k *desk) checkHeaderInjection() {
	k.t.Helper()
	requester := k.env.NewUser(k.t, "budi@contoh.go.id")
	attacker := k.env.NewUser(k.t, "penyadap@example.com")
	bcc := "\r\nBcc: " + attacker + "\r\n"
	subject := "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("Keluhan tagihan"+bcc)) + "?= " +
		"=?utf-8?q?lanjutan=0D=0ABcc:=20" + attacker + "?="
	name := "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("Budi"+bcc+"X-Injected: ya")) + "?="
	id := fmt.Sprintf("inject-%d@contoh.go.id", time.Now().UnixNano())
	raw := fmt.Sprintf("From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTagihan saya tercatat dua kali.\r\n",
		name, requester, k.helpdesk, subject, time.Now().Format(time.RFC1123Z), id)
	k.send(requester, []byte(raw))

	doc := k.outcome(id)
	if doc.Ticket == "" {
		k.t.Fatalf("complaint with encoded CR LF opened no ticket: status %s, reason %q", doc.Status, doc.Reason)
	}
	tk := k.storedTicket(doc.Ticket)
	if strings.ContainsAny(tk.Subject+tk.Requester.Name, "\r\n") {
		k.t.Errorf("ticket subject %q, requester name %q keep CR or LF", tk.Subject, tk.Requester.Name)
	}
	for _, row := range k.settledOutbox(tk.Number) {
		if row.Status != workflow.OutboxSent {
			k.t.Errorf("outbox row %s to %s = %s (%s), want sent", row.Kind, row.To.Email, row.Status, row.LastError)
		}
	}
	for _, user := range []string{requester, k.officer} {
		got := k.delivered(user, tag(tk), 1)
		for _, field := range []string{"Bcc", "X-Injected"} {
			if v, ok := got.header[field]; ok {
				k.t.Errorf("mail to %s has an injected %s field: %q", user, field, v)
			}
		}
		for _, field := range []string{"Subject", "To"} {
			if v := got.decoded(field); strings.ContainsAny(v, "\r\n") {
				k.t.Errorf("mail to %s: %s decodes to %q, with CR or LF", user, field, v)
			}
		}
	}
	// A copy for an injected recipient would travel with the mail read
	// above, so a short wait is enough.
	if n := k.countMail(attacker, "", 500*time.Millisecond); n != 0 {
		k.t.Errorf("the address in the injected Bcc received %d emails, want 0", n)
	}
}

// checkHTMLSanitised sends an HTML-only complaint with script, event
// handler attributes and a javascript: link, then escalates it, and
// checks the HTML parts of the triage request and the escalation.
func (k *desk) checkHTMLSanitised() {
	k.t.Helper()
	requester := k.env.NewUser(k.t, "siti@contoh.go.id")
	id := fmt.Sprintf("script-%d@contoh.go.id", time.Now().UnixNano())
	body := `<html><head><script>alert("kepala")</script></head><body>` +
		`<p onclick="alert('p')">Petugas loket tidak ramah &lt;script&gt;alert("teks")&lt;/script&gt;</p>` +
		`<script>alert("badan")</script><img src="x" onerror="alert('img')">` +
		`<a href="javascript:alert('tautan')" onmouseover="alert('a')">klik</a>` +
		`<svg onload="alert('svg')"><script>alert("svg")</script></svg>` +
		`<iframe src="javascript:alert('iframe')"></iframe></body></html>`
	header := []string{
		"From: Siti <" + requester + ">", "To: " + k.helpdesk, "Subject: Pelayanan loket tidak ramah",
		"Date: " + time.Now().Format(time.RFC1123Z), "Message-ID: <" + id + ">",
		"MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8",
	}
	k.send(requester, composed(header, body))
	doc := k.outcome(id)
	if doc.Ticket == "" {
		k.t.Fatalf("HTML complaint opened no ticket: status %s, reason %q", doc.Status, doc.Reason)
	}
	tg := "[" + doc.Ticket + "]"

	request := k.delivered(k.officer, tg, 1)
	checkSafeHTML(k.t, "triage request", request.html)
	to, raw := replyTo("Petugas", k.officer, request.msg, "#nonteknis")
	k.sendTo(k.officer, to, raw)
	escalation := k.delivered(k.manager, tg, 1)
	checkSafeHTML(k.t, "escalation", escalation.html)
	if !strings.Contains(escalation.text, "tidak ramah") {
		k.t.Errorf("escalation lacks the complaint text:\n%s", escalation.text)
	}
}

// checkSafeHTML fails unless source, parsed as a browser would, has no
// script, iframe or object element, no event handler attribute and no
// javascript: URL.
func checkSafeHTML(t *testing.T, label, source string) {
	t.Helper()
	if strings.TrimSpace(source) == "" {
		t.Errorf("%s has no HTML part", label)
		return
	}
	doc, err := html.Parse(strings.NewReader(source))
	if err != nil {
		t.Fatalf("%s: parse HTML: %v", label, err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed":
				t.Errorf("%s contains a <%s> element", label, n.Data)
			}
			for _, a := range n.Attr {
				value := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: <%s> has the event handler %s=%q", label, n.Data, a.Key, a.Val)
				}
				if strings.HasPrefix(value, "javascript:") {
					t.Errorf("%s: <%s %s> is a javascript: URL", label, n.Data, a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// checkAttachmentNames sends attachments whose names climb directories,
// hold control and format characters or start with a dot, and checks
// the names in the ticket and in the hand-off to incident management.
func (k *desk) checkAttachmentNames() {
	k.t.Helper()
	requester := k.env.NewUser(k.t, "andi@contoh.go.id")
	names := []struct{ param, want string }{
		{`filename="../../etc/passwd"`, "passwd"},
		{`filename="..\\..\\windows\\win.ini"`, "win.ini"},
		{`filename*=utf-8''bukti%07%1B%5B31m.pdf`, "bukti [31m.pdf"},
		{`filename=".htaccess"`, "htaccess"},
		{`filename*=utf-8''%E2%80%AEfdp.exe`, "fdp.exe"},
		{`filename="=?utf-8?b?` + base64.StdEncoding.EncodeToString([]byte("../../root/.ssh/authorized_keys")) + `?="`, "authorized_keys"},
	}
	id := fmt.Sprintf("names-%d@contoh.go.id", time.Now().UnixNano())
	var body strings.Builder
	body.WriteString("--mix\nContent-Type: text/plain; charset=utf-8\n\nAplikasi error saat unggah, lampiran terlampir.\n")
	for i, n := range names {
		fmt.Fprintf(&body, "--mix\nContent-Type: application/octet-stream\nContent-Disposition: attachment; %s\nContent-Transfer-Encoding: base64\n\n%s\n",
			n.param, base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("isi lampiran %d", i))))
	}
	body.WriteString("--mix--")
	header := []string{
		"From: Andi <" + requester + ">", "To: " + k.helpdesk, "Subject: Aplikasi error saat unggah",
		"Date: " + time.Now().Format(time.RFC1123Z), "Message-ID: <" + id + ">",
		"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"mix\"",
	}
	k.send(requester, composed(header, body.String()))
	doc := k.outcome(id)
	if doc.Ticket == "" {
		k.t.Fatalf("complaint with attachments opened no ticket: status %s, reason %q", doc.Status, doc.Reason)
	}
	tk := k.storedTicket(doc.Ticket)
	var stored []string
	for _, a := range tk.Attachments {
		stored = append(stored, a.Filename)
	}
	checkFileNames(k.t, "ticket", stored, names)

	request := k.mail(k.officer, tag(tk), 1)
	to, raw := replyTo("Petugas", k.officer, request, "#teknis")
	k.sendTo(k.officer, to, raw)
	handoff := k.delivered(k.incident, tag(tk), 1)
	checkFileNames(k.t, "hand-off", handoff.attachments, names)
}

func checkFileNames(t *testing.T, where string, got []string, want []struct{ param, want string }) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s attachment names = %q, want %d names", where, got, len(want))
		return
	}
	for i, name := range got {
		if name != want[i].want {
			t.Errorf("%s attachment %s = %q, want %q", where, want[i].param, name, want[i].want)
		}
		if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.ContainsFunc(name, isHiddenRune) {
			t.Errorf("%s attachment name %q is unsafe", where, name)
		}
	}
}

func isHiddenRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// ticketFacts are the fields of a ticket that a staff command may change.
type ticketFacts struct {
	State      workflow.State
	Category   workflow.Category
	Holder     string
	Resolution string
	Reopens    int
}

func (k *desk) facts(number string) ticketFacts {
	k.t.Helper()
	t := k.storedTicket(number)
	return ticketFacts{State: t.State, Category: t.Category, Holder: t.Holder, Resolution: t.Resolution, Reopens: t.Reopens}
}

// openTicket sends a complaint and waits for its ticket.
func (k *desk) openTicket(from, subject, body string) *workflow.Ticket {
	k.t.Helper()
	id := fmt.Sprintf("complaint-%d@%s", time.Now().UnixNano(), addressDomain(from))
	k.send(from, message("Pelapor", from, k.helpdesk, subject, body, id, nil))
	doc := k.outcome(id)
	if doc.Ticket == "" {
		k.t.Fatalf("complaint %q opened no ticket: status %s, reason %q", subject, doc.Status, doc.Reason)
	}
	return k.storedTicket(doc.Ticket)
}

// ticketAfter waits until the message raw is processed and returns its
// ticket as the message left it. A record alone does not show that:
// keluhan stores a transition's records before the ticket.
func (k *desk) ticketAfter(raw []byte) *workflow.Ticket {
	k.t.Helper()
	return k.ticketOf(messageIDOf(k.t, raw))
}

// outcome waits until the message with messageID is processed and
// returns it with its outcome.
func (k *desk) outcome(messageID string) *store.MessageDoc {
	k.t.Helper()
	key := "mid:" + messageID
	deadline := time.Now().Add(mailWait)
	for {
		doc, err := k.d.store.Message(context.Background(), key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			k.t.Fatalf("Message(%s): %v", key, err)
		}
		if err == nil && doc.Status.Final() {
			return doc
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("message %s not processed after %s", key, mailWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordsOf returns the records message key left on ticket number.
func (k *desk) recordsOf(number, key string) []workflow.Record {
	k.t.Helper()
	all, err := k.d.store.Records(context.Background(), number)
	if err != nil {
		k.t.Fatalf("Records(%s): %v", number, err)
	}
	var out []workflow.Record
	for _, r := range all {
		if r.MessageKey == key {
			out = append(out, r)
		}
	}
	return out
}

// onlyRecord waits for the message with messageID and returns its one
// record of typ on ticket number, or nil after reporting an error.
func (k *desk) onlyRecord(number, messageID string, typ workflow.RecordType) *workflow.Record {
	k.t.Helper()
	doc := k.outcome(messageID)
	var found []workflow.Record
	records := k.recordsOf(number, doc.Key)
	for _, r := range records {
		if r.Type == typ {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		k.t.Errorf("message %s on ticket %s: %d %s records, want 1; records: %s", messageID, number, len(found), typ, recordList(records))
		return nil
	}
	return &found[0]
}

// checkUnverified checks the refusal of a staff command without proof.
// The message is on ticket number as an unverified note holding the
// command, and the command is refused as unverified. Mail goes only to
// notified, which receives the refusal with its reason. It returns the
// note.
func (k *desk) checkUnverified(name, number, messageID, command, notified string) *workflow.Record {
	k.t.Helper()
	doc := k.outcome(messageID)
	if doc.Ticket != number {
		k.t.Errorf("%s: message on ticket %q, want %s", name, doc.Ticket, number)
		return nil
	}
	var note, refused *workflow.Record
	for _, r := range k.recordsOf(number, doc.Key) {
		switch r.Type {
		case workflow.RecordNote:
			note = &r
		case workflow.RecordRefused:
			refused = &r
		default:
			k.t.Errorf("%s: unexpected %s record %q by %s", name, r.Type, r.Text, r.Actor)
		}
	}

	switch {
	case note == nil:
		k.t.Errorf("%s: message not kept as a note", name)
	case note.Verified || note.Detail["proof"] == "" || !strings.Contains(note.Text, command):
		k.t.Errorf("%s: note verified %v, proof %q, text %q; want unverified with a reason and the command",
			name, note.Verified, note.Detail["proof"], note.Text)
	}
	if refused == nil || refused.Detail["reason"] != workflow.RefuseUnverified {
		k.t.Errorf("%s: refusal record = %+v, want reason %s", name, refused, workflow.RefuseUnverified)
	}

	rows, err := k.d.store.ListOutgoing(context.Background(), store.OutboxFilter{Ticket: number})
	if err != nil {
		k.t.Fatalf("ListOutgoing: %v", err)
	}
	for _, row := range rows {
		if strings.HasPrefix(row.Key, doc.Key+"#") && row.To.Email != notified {
			k.t.Errorf("%s: %s mail queued to %s, want mail only to %s", name, row.Kind, row.To.Email, notified)
		}
	}

	refusal := k.mail(notified, command, 1)
	if !strings.Contains(refusal.Text, "Keaslian alamat pengirim tidak dapat dipastikan") {
		k.t.Errorf("%s: refusal to %s lacks the reason:\n%s", name, notified, refusal.Text)
	}
	return note
}

// settledOutbox waits until no outbox row of ticket number, or of any
// ticket when number is empty, is pending or being sent, and returns the
// rows.
func (k *desk) settledOutbox(number string) []*workflow.Outgoing {
	k.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		rows, err := k.d.store.ListOutgoing(context.Background(), store.OutboxFilter{Ticket: number})
		if err != nil {
			k.t.Fatalf("ListOutgoing: %v", err)
		}
		busy := false
		for _, r := range rows {
			busy = busy || r.Status == workflow.OutboxPending || r.Status == workflow.OutboxSending
		}
		if len(rows) > 0 && !busy {
			return rows
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("outbox of %s still busy after %s", number, mailWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveredMail is a delivered message as the test reads it: the header
// fields as written, the decoded text and HTML bodies, and the attachment
// names as the message gives them, without keluhan's own cleaning.
type deliveredMail struct {
	msg         *ingest.Message
	header      textproto.MIMEHeader
	text, html  string
	attachments []string
}

// delivered returns the n-th message in user's INBOX whose subject
// contains tag, waiting for it.
func (k *desk) delivered(user, tag string, n int) deliveredMail {
	k.t.Helper()
	var found []testenv.Fetched
	k.env.WaitMessage(k.t, user, "INBOX", mailWait, func(f testenv.Fetched) bool {
		m, _ := ingest.Parse(f.Raw, ingest.ParseOptions{})
		if m != nil && strings.Contains(m.Subject, tag) {
			found = append(found, f)
		}
		return len(found) >= n
	})
	return readDelivered(k.t, found[n-1].Raw)
}

func readDelivered(t *testing.T, raw []byte) deliveredMail {
	t.Helper()
	var out deliveredMail
	out.msg, _ = ingest.Parse(raw, ingest.ParseOptions{})
	header, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("read delivered header: %v", err)
	}
	out.header = header
	mr, err := gomessage.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read delivered message: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read delivered part: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("read delivered part body: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomessage.InlineHeader:
			mediaType, _, _ := h.ContentType()
			switch mediaType {
			case "text/plain":
				out.text += string(body)
			case "text/html":
				out.html += string(body)
			}
		case *gomessage.AttachmentHeader:
			name, _ := h.Filename()
			out.attachments = append(out.attachments, decodeWords(name))
		}
	}
	return out
}

// decoded returns a header field with its encoded words decoded.
func (m deliveredMail) decoded(field string) string {
	return decodeWords(m.header.Get(field))
}

func decodeWords(s string) string {
	var dec mime.WordDecoder
	out, err := dec.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}

// replyHeader returns the header lines of a reply from one person to
// msg: to its Reply-To, threaded on it.
func replyHeader(fromName, from string, msg *ingest.Message, messageID string) []string {
	refs := append(append([]string{}, msg.References...), msg.MessageID)
	return []string{
		"From: " + fromName + " <" + from + ">",
		"To: " + msg.ReplyTo[0].Address,
		"Subject: Re: " + msg.Subject,
		"Date: " + time.Now().Format(time.RFC1123Z),
		"Message-ID: <" + messageID + ">",
		"In-Reply-To: <" + msg.MessageID + ">",
		"References: <" + strings.Join(refs, "> <") + ">",
	}
}

// composed joins header lines and a body written with LF line ends into
// a message with CRLF line ends.
func composed(header []string, body string) []byte {
	return []byte(strings.Join(header, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
}

// messageIDOf returns the Message-ID of a message the test built.
func messageIDOf(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := ingest.Parse(raw, ingest.ParseOptions{})
	if m == nil || m.MessageID == "" {
		t.Fatalf("message without a Message-ID: %v", err)
	}
	return m.MessageID
}
