package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// TestLimitsQuarantineMessages sends a message over the size limit, one
// with too many attachments and one complaint more than a sender may
// open in an hour. Each must be moved to the IMAP quarantine folder and
// announced to the service desk. The store must list it as quarantined
// with its reason and keep it whole, and it must open no ticket.
func TestLimitsQuarantineMessages(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{
		extraYAML: "limits: {max_message_bytes: 64KB, max_attachments: 2, max_new_per_sender_hour: 2}\n",
	})
	big := env.NewUser(t, "besar@example.com")
	many := env.NewUser(t, "lampiran@example.com")
	busy := env.NewUser(t, "sering@example.com")

	cases := []struct {
		name, subject, reason string
		from                  string
		raw                   func(subject, id string) []byte
	}{
		{name: "message over the size limit", subject: "Keluhan dengan pesan besar", reason: "message too large", from: big,
			raw: func(subject, id string) []byte {
				body := strings.Repeat("Aplikasi tidak dapat dibuka sama sekali. ", 2500)
				return message("Besar", big, k.helpdesk, subject, body, id, nil)
			}},
		{name: "too many attachments", subject: "Keluhan dengan banyak lampiran", reason: "too many attachments", from: many,
			raw: func(subject, id string) []byte { return withFiles(many, k.helpdesk, subject, id, 3) }},
	}
	ids := make([]string, len(cases))
	for i, h := range cases {
		ids[i] = fmt.Sprintf("limit-%d-%d@example.com", i, time.Now().UnixNano())
		k.send(h.from, h.raw(h.subject, ids[i]))
	}

	// Two complaints within the limit, then a third from the same sender.
	var busyIDs []string
	for i := range 3 {
		id := fmt.Sprintf("busy-%d-%d@example.com", i, time.Now().UnixNano())
		busyIDs = append(busyIDs, id)
		k.send(busy, message("Sering", busy, k.helpdesk, fmt.Sprintf("Keluhan berulang nomor %d", i+1), "Layanan lambat lagi.", id, nil))
	}

	for i, h := range cases {
		k.checkQuarantined(h.name, ids[i], h.subject, h.reason)
	}
	var limited []string
	for _, id := range busyIDs {
		doc := k.outcome(id)
		switch {
		case doc.Status == store.MessageQuarantined:
			limited = append(limited, id)
		case doc.Ticket == "":
			t.Errorf("complaint %s within the sender limit: status %s, reason %q; want a ticket", id, doc.Status, doc.Reason)
		}
	}
	if len(limited) != 1 {
		t.Fatalf("complaints quarantined by the sender limit = %d, want 1 of 3", len(limited))
	}
	doc := k.outcome(limited[0])
	k.checkQuarantined("sender over the hourly limit", limited[0], doc.Subject, workflow.ReasonSenderLimit)
}

// TestLimitsQuarantineNoticeFlood sends a flood of unacceptable messages
// from one address. Every message is held, and the service desk gets one
// notice for the sender in that hour: the notices are coalesced, not
// queued and then suppressed by the cap on automatic mail.
func TestLimitsQuarantineNoticeFlood(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{extraYAML: "limits: {max_attachments: 1}\n"})
	sender := env.NewUser(t, "banjir@example.com")
	const flood = 12
	var ids []string
	for i := range flood {
		id := fmt.Sprintf("flood-%02d-%d@example.com", i, time.Now().UnixNano())
		ids = append(ids, id)
		k.send(sender, withFiles(sender, k.helpdesk, fmt.Sprintf("Lampiran berlebih %02d", i+1), id, 2))
	}
	for _, id := range ids {
		if doc := k.outcome(id); doc.Status != store.MessageQuarantined {
			t.Errorf("message %s: status %s, want quarantined", id, doc.Status)
		}
	}
	sent, suppressed := 0, 0
	for _, row := range k.settledOutbox("") {
		if row.Kind != workflow.MailQuarantineNotice {
			continue
		}
		switch row.Status {
		case workflow.OutboxSent:
			sent++
		case workflow.OutboxSuppressed:
			suppressed++
		}
	}
	if sent != 1 || suppressed != 0 {
		t.Errorf("quarantine notices: %d sent, %d suppressed; want 1 sent for the sender's hour", sent, suppressed)
	}
}

// checkQuarantined checks that the message with messageID was held and
// not dropped. The store lists it as quarantined, with a reason starting
// with reason, and keeps its raw bytes. It moved from INBOX to the
// quarantine folder, the service desk received a notice, and it is on no
// ticket.
func (k *desk) checkQuarantined(name, messageID, subject, reason string) {
	k.t.Helper()
	doc := k.outcome(messageID)
	if doc.Status != store.MessageQuarantined || doc.Ticket != "" {
		k.t.Errorf("%s: status %s, ticket %q; want quarantined without a ticket", name, doc.Status, doc.Ticket)
	}
	listed := false
	quarantined, err := k.d.store.ListQuarantine(context.Background(), 0)
	if err != nil {
		k.t.Fatalf("ListQuarantine: %v", err)
	}
	for _, q := range quarantined {
		if q.Key != doc.Key {
			continue
		}
		listed = true
		if !strings.HasPrefix(q.Reason, reason) {
			k.t.Errorf("%s: quarantine reason = %q, want %q", name, q.Reason, reason)
		}
	}
	if !listed {
		k.t.Errorf("%s: not listed by the store as quarantined", name)
	}
	raw, err := k.d.store.Raw(context.Background(), doc.Key)
	if err != nil || int64(len(raw)) != doc.Size || doc.Size == 0 {
		k.t.Errorf("%s: stored raw message = %d bytes, %v; want all %d bytes", name, len(raw), err, doc.Size)
	}

	k.env.WaitMessage(k.t, k.helpdesk, "Quarantine", mailWait, func(f testenv.Fetched) bool {
		return strings.Contains(f.Header("Message-ID"), messageID)
	})
	k.waitGone(k.helpdesk, "INBOX", messageID)
	// The notice gives the stored reason in the desk's language.
	notice := k.mail(k.officer, "dikarantina: "+subject, 1)
	want := k.d.core.render.Reason("id", doc.Reason)
	if want == doc.Reason || !strings.Contains(notice.Text, want) {
		k.t.Errorf("%s: notice to the service desk lacks the Indonesian reason %q for %q:\n%s", name, want, doc.Reason, notice.Text)
	}
}

// waitGone waits until no message in mailbox of user has messageID.
// The mailbox must keep at least one other message, because the wait for
// its contents needs one.
func (k *desk) waitGone(user, mailbox, messageID string) {
	k.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		present := false
		for _, f := range k.env.WaitMessages(k.t, user, mailbox, 1, mailWait) {
			present = present || strings.Contains(f.Header("Message-ID"), messageID)
		}
		if !present {
			return
		}
		if time.Now().After(deadline) {
			k.t.Errorf("message %s still in %s of %s after %s", messageID, mailbox, user, mailWait)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// withFiles builds a complaint with n small PDF attachments.
func withFiles(from, to, subject, messageID string, n int) []byte {
	var body strings.Builder
	body.WriteString("--mix\nContent-Type: text/plain; charset=utf-8\n\nBerkas pendukung terlampir.\n")
	for i := range n {
		fmt.Fprintf(&body, "--mix\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"bukti-%d.pdf\"\nContent-Transfer-Encoding: base64\n\n%s\n",
			i+1, base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%%PDF-1.4 bukti %d", i+1))))
	}
	body.WriteString("--mix--")
	header := []string{
		"From: Pelapor <" + from + ">", "To: " + to, "Subject: " + subject,
		"Date: " + time.Now().Format(time.RFC1123Z), "Message-ID: <" + messageID + ">",
		"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"mix\"",
	}
	return composed(header, body.String())
}

// healthReply is the part of /healthz the tests read.
type healthReply struct {
	OK   bool `json:"ok"`
	IMAP struct {
		OK             bool    `json:"ok"`
		LastPoll       string  `json:"last_poll"`
		LastPollAgeSec float64 `json:"last_poll_age_seconds"`
	} `json:"imap"`
	SMTP  checkHealth `json:"smtp"`
	Store checkHealth `json:"store"`
}

// TestOpsHealthAndMetrics runs the daemon with the operations endpoint
// on a free loopback port: /healthz reports every dependency ok with a
// recent scan, and /metrics exposes the daemon's series once a
// complaint went through.
func TestOpsHealthAndMetrics(t *testing.T) {
	env := testenv.Require(t)
	listen := freeLoopbackAddress(t)
	k := startDesk(t, env, deskOptions{noStart: true})
	k.startListening(listen)

	status, h := waitHealth(t, listen, func(h healthReply) bool { return h.IMAP.OK })
	if status != http.StatusOK || !h.OK || !h.SMTP.OK || !h.Store.OK {
		t.Errorf("/healthz = %d %+v, want 200 with imap, smtp and store ok", status, h)
	}
	if h.IMAP.LastPollAgeSec > 30 || h.IMAP.LastPoll == "" {
		t.Errorf("/healthz last poll %q, %.1fs ago; want a scan within 30s", h.IMAP.LastPoll, h.IMAP.LastPollAgeSec)
	}

	requester := env.NewUser(t, "warga@example.com")
	tk := k.openTicket(requester, "Antrean daring penuh", "Antrean daring selalu penuh sejak pukul tujuh.")
	k.mail(requester, tag(tk), 1)
	k.settledOutbox(tk.Number)

	body := httpGet(t, "http://"+listen+"/metrics")
	for _, want := range []string{
		`keluhan_messages_received_total{class="person",disposition="done"} 1`,
		`keluhan_tickets{state="new"} 1`,
		`keluhan_outbox{status="sent"} 2`,
		"keluhan_poll_duration_seconds_count ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestOpsHealthSMTPDown starts the daemon with an SMTP address where
// nothing listens: /healthz must respond 503 with smtp not ok and the
// error, while IMAP and the store stay ok.
func TestOpsHealthSMTPDown(t *testing.T) {
	env := testenv.Require(t)
	listen := freeLoopbackAddress(t)
	deadSMTP := freeLoopbackAddress(t)
	k := startDesk(t, env, deskOptions{
		noStart:   true,
		configure: func(c *Config) { c.SMTP.Address = deadSMTP },
	})
	k.startListening(listen)

	status, h := waitHealth(t, listen, func(h healthReply) bool { return h.IMAP.OK })
	if status != http.StatusServiceUnavailable || h.OK {
		t.Errorf("/healthz with SMTP down = %d, ok %v; want 503, not ok", status, h.OK)
	}
	if h.SMTP.OK || h.SMTP.Error == "" {
		t.Errorf("/healthz smtp = %+v, want not ok with the error", h.SMTP)
	}
	if !h.Store.OK {
		t.Errorf("/healthz store = %+v, want ok", h.Store)
	}
}

// startListening runs the daemon like start, with the operations
// endpoint on listen.
func (k *desk) startListening(listen string) {
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.done = make(chan error, 1)
	go func() { k.done <- k.d.run(ctx, listen) }()
	k.t.Cleanup(k.stop)
}

// freeLoopbackAddress returns a loopback address whose port was free a
// moment ago.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	address := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("close probe listener: %v", err)
	}
	return address
}

// waitHealth polls /healthz until ready accepts the response and returns
// its status code and decoded body.
func waitHealth(t *testing.T, listen string, ready func(healthReply) bool) (int, healthReply) {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		status, h, err := getHealth(listen)
		if err == nil && ready(h) {
			return status, h
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready after %s: status %d, %+v, %v", mailWait, status, h, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getHealth(listen string) (int, healthReply, error) {
	var h healthReply
	resp, err := http.Get("http://" + listen + "/healthz")
	if err != nil {
		return 0, h, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return resp.StatusCode, h, fmt.Errorf("decode /healthz: %w", err)
	}
	return resp.StatusCode, h, nil
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// TestQuarantinedMessageOpensTicket quarantines a complaint with too many
// attachments and opens its ticket with ticket open --message. The
// requester, subject and text come from the stored email. The requester
// gets an acknowledgment, the ticket carries the email's attachments, and
// the email records the ticket. Opening it again returns the same ticket,
// and an email on another ticket is rejected.
func TestQuarantinedMessageOpensTicket(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{extraYAML: "limits: {max_attachments: 1}\n"})
	ctx := context.Background()
	sender := env.NewUser(t, "berkas@example.com")
	id := fmt.Sprintf("held-%d@example.com", time.Now().UnixNano())
	k.send(sender, withFiles(sender, k.helpdesk, "Berkas izin usaha tidak terunggah", id, 2))
	held := k.outcome(id)
	if held.Status != store.MessageQuarantined {
		t.Fatalf("message %s: status %s, want quarantined", id, held.Status)
	}

	var out strings.Builder
	a := &app{stdout: &out, stderr: io.Discard, p: printer{lang: "id"}}
	tk, before, err := a.openFromMessage(ctx, k.d.core, held.Key, manualInput{enteredBy: "admin"})
	if err != nil || before {
		t.Fatalf("openFromMessage(%s) = before %v, error %v, want a new ticket", held.Key, before, err)
	}
	if len(tk.Attachments) != 2 || tk.Attachments[0].MessageKey != held.Key {
		t.Errorf("ticket attachments = %+v, want the email's 2 files", tk.Attachments)
	}
	if tk.Requester.Email != sender || tk.Subject != "Berkas izin usaha tidak terunggah" || tk.Channel != workflow.ChannelEmail {
		t.Errorf("ticket = requester %q, subject %q, channel %s; want %s, the email's subject, email",
			tk.Requester.Email, tk.Subject, tk.Channel, sender)
	}
	if !strings.Contains(tk.Body, "Berkas pendukung terlampir") {
		t.Errorf("ticket body = %q, want the email's text", tk.Body)
	}
	k.mail(sender, tag(tk), 1)
	if doc := k.outcome(id); doc.Ticket != tk.Number {
		t.Errorf("email's ticket after opening = %q, want %s", doc.Ticket, tk.Number)
	}

	again, before, err := a.openFromMessage(ctx, k.d.core, held.Key, manualInput{enteredBy: "admin"})
	if err != nil || !before || again.Number != tk.Number {
		t.Errorf("openFromMessage(again) = %v, before %v, %v; want ticket %s opened before", again, before, err, tk.Number)
	}
	if _, _, err := a.openFromMessage(ctx, k.d.core, "mid:tidak-ada@example.com", manualInput{}); err == nil || !strings.Contains(err.Error(), "tidak ditemukan") {
		t.Errorf("openFromMessage(unknown key) error = %v, want one saying it was not found", err)
	}

	other := fmt.Sprintf("plain-%d@example.com", time.Now().UnixNano())
	k.send(sender, message("Berkas", sender, k.helpdesk, "Izin usaha belum terbit", "Izin usaha belum terbit sejak bulan lalu.", other, nil))
	doc := k.outcome(other)
	if _, _, err := a.openFromMessage(ctx, k.d.core, doc.Key, manualInput{enteredBy: "admin"}); err == nil || !strings.Contains(err.Error(), doc.Ticket) {
		t.Errorf("openFromMessage(email on %s) error = %v, want a refusal naming that ticket", doc.Ticket, err)
	}
}
