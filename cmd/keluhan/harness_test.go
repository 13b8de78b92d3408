package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// mailWait bounds every wait for mail in the end-to-end tests; delivery
// through Postfix and Dovecot takes well under a second here, IDLE adds
// about half a second.
const mailWait = 30 * time.Second

// desk is one keluhan daemon running against the test mail servers with
// its own mailboxes and its own embedded store.
type desk struct {
	t        *testing.T
	env      *testenv.Env
	d        *daemon
	cfg      *Config
	helpdesk string
	officer  string
	manager  string
	super    string
	incident string
	cancel   context.CancelFunc
	done     chan error
	set      *settings
	log      *slog.Logger
	now      func() time.Time
}

// deskOptions changes the default test configuration.
type deskOptions struct {
	// extraYAML is appended to the configuration.
	extraYAML string
	// env overrides environment variables (secrets).
	env map[string]string
	// noStart builds the daemon without running it.
	noStart bool
	// clock replaces time.Now for the procedure and the outbox.
	clock func() time.Time
	// manager replaces the complaint manager's fresh test address.
	manager string
	// configure changes the parsed configuration before it is checked,
	// for keys the base YAML already sets, which extraYAML cannot repeat
	// because the parser rejects duplicate keys.
	configure func(*Config)
}

// startDesk starts keluhan serve's parts against env with fresh users.
func startDesk(t *testing.T, env *testenv.Env, opt deskOptions) *desk {
	t.Helper()
	k := &desk{
		t: t, env: env,
		helpdesk: env.NewUser(t, "helpdesk"),
		officer:  env.NewUser(t, "petugas"),
		manager:  env.NewUser(t, "pengelola"),
		super:    env.NewUser(t, "atasan"),
		incident: env.NewUser(t, "insiden"),
	}
	if opt.manager != "" {
		k.manager = opt.manager
	}
	k.cfg = k.config(opt)
	set, err := buildSettings(k.cfg)
	if err != nil {
		t.Fatalf("buildSettings: %v", err)
	}
	logw := testLogWriter{t: t}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	k.now = opt.clock
	if k.now == nil {
		k.now = time.Now
	}
	k.set, k.log = set, log
	k.open()
	if !opt.noStart {
		k.start()
	}
	return k
}

// open builds a daemon on the desk's settings and data folder.
func (k *desk) open() {
	d, err := openDaemon(context.Background(), k.cfg, k.set, k.log, k.now)
	if err != nil {
		k.t.Fatalf("openDaemon: %v", err)
	}
	k.d = d
}

// restart stops the running daemon and starts a new one on the same data,
// as after downtime.
func (k *desk) restart() {
	k.stop()
	k.open()
	k.start()
}

func (k *desk) start() {
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.done = make(chan error, 1)
	go func() { k.done <- k.d.run(ctx, "") }()
	k.t.Cleanup(k.stop)
}

func (k *desk) stop() {
	if k.cancel == nil {
		return
	}
	k.cancel()
	if err := <-k.done; err != nil {
		k.t.Errorf("daemon stopped with error: %v", err)
	}
	k.cancel = nil
}

// config writes the daemon's configuration the way an administrator
// would, secrets in the environment.
func (k *desk) config(opt deskOptions) *Config {
	yaml := fmt.Sprintf(`
language: id
data_dir: %q
helpdesk: {address: %s, name: "Helpdesk Uji"}
imap: {address: %q, tls: implicit, ca_file: %q, username: %s, poll_interval: 2s}
smtp: {address: %q, tls: none}
roles:
  service_desk: [{name: "Petugas", address: %s}]
  complaint_managers: [{name: "Pengelola", address: %s}]
  supervisors: [{name: "Atasan", address: %s}]
  incident_management: {name: "Tim Insiden", address: %s}
trust: {authserv_ids: [mx.layanan.example.go.id]}
http: {listen: ""}
sla: {scheduler_interval: 1s}
%s`, k.t.TempDir(), k.helpdesk, k.env.IMAPSAddr, k.env.CAFile, k.helpdesk, k.env.SMTPAddr,
		k.officer, k.manager, k.super, k.incident, opt.extraYAML)
	vars := map[string]string{
		"KELUHAN_IMAP_PASSWORD": k.env.Password(k.helpdesk),
		"KELUHAN_TOKEN_SECRET":  "test-secret-0123456789abcdef",
	}
	for name, v := range opt.env {
		vars[name] = v
	}
	cfg, err := ParseConfig([]byte(yaml), func(name string) string { return vars[name] })
	if err != nil {
		k.t.Fatalf("ParseConfig: %v", err)
	}
	if opt.configure != nil {
		opt.configure(cfg)
	}
	for _, p := range CheckConfig(cfg, true) {
		if !p.Warning {
			k.t.Fatalf("config problem %s: %s", p.Key, p.Message)
		}
	}
	return cfg
}

// testLogWriter sends the daemon's log to the test log, shown on failure.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// send delivers a raw message to the help desk through Postfix.
func (k *desk) send(from string, raw []byte) {
	k.t.Helper()
	k.env.SendMail(k.t, from, []string{k.helpdesk}, raw)
}

// sendTo delivers a raw message to one address through Postfix.
func (k *desk) sendTo(from, to string, raw []byte) {
	k.t.Helper()
	k.env.SendMail(k.t, from, []string{to}, raw)
}

// mail returns the n-th message (from 1) in user's INBOX whose subject
// contains tag, waiting for it.
func (k *desk) mail(user, tag string, n int) *ingest.Message {
	k.t.Helper()
	var found []*ingest.Message
	k.env.WaitMessage(k.t, user, "INBOX", mailWait, func(f testenv.Fetched) bool {
		m, _ := ingest.Parse(f.Raw, ingest.ParseOptions{})
		if m != nil && strings.Contains(m.Subject, tag) {
			found = append(found, m)
		}
		return len(found) >= n
	})
	return found[n-1]
}

// countMail counts the messages in user's INBOX whose subject contains
// tag, after waiting settle for stragglers.
func (k *desk) countMail(user, tag string, settle time.Duration) int {
	k.t.Helper()
	time.Sleep(settle)
	status := k.env.Status(k.t, user, "INBOX")
	if status.Messages == 0 {
		return 0
	}
	msgs := k.env.WaitMessages(k.t, user, "INBOX", int(status.Messages), mailWait)
	n := 0
	for _, f := range msgs {
		m, _ := ingest.Parse(f.Raw, ingest.ParseOptions{})
		if m != nil && strings.Contains(m.Subject, tag) {
			n++
		}
	}
	return n
}

// ticket waits until the store holds n tickets and returns them, oldest
// first.
func (k *desk) tickets(n int) []*workflow.Ticket {
	k.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		ts, err := k.d.store.ListTickets(context.Background(), store.TicketFilter{Limit: 1000})
		if err != nil {
			k.t.Fatalf("ListTickets: %v", err)
		}
		if len(ts) >= n {
			for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
				ts[i], ts[j] = ts[j], ts[i]
			}
			return ts
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("waited %s for %d tickets, have %d", mailWait, n, len(ts))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// record waits until ticket number has a record of typ and returns the
// ticket.
func (k *desk) record(number string, typ workflow.RecordType) *workflow.Ticket {
	k.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		records, err := k.d.store.Records(context.Background(), number)
		if err != nil {
			k.t.Fatalf("Records: %v", err)
		}
		for _, r := range records {
			if r.Type != typ {
				continue
			}
			t, err := k.d.store.Ticket(context.Background(), number)
			if err != nil {
				k.t.Fatalf("Ticket: %v", err)
			}
			// Records are stored before the ticket: wait for the ticket
			// to hold the change too.
			if r.MessageKey == "" || t.HasApplied(r.MessageKey) {
				return t
			}
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("ticket %s: no %s record after %s; records: %v", number, typ, mailWait, recordList(records))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func recordList(records []workflow.Record) string {
	var b strings.Builder
	for _, r := range records {
		fmt.Fprintf(&b, "\n  %s %s %q %v", r.Type, r.Actor, r.Text, r.Detail)
	}
	return b.String()
}

// complaint builds a plain complaint email.
func complaint(fromName, from, subject, body string) []byte {
	return message(fromName, from, "", subject, body, "", nil)
}

// message builds a plain-text email; extra holds additional header lines.
func message(fromName, from, to, subject, body, messageID string, extra []string) []byte {
	if messageID == "" {
		messageID = fmt.Sprintf("%d.%s", time.Now().UnixNano(), from)
	}
	if to == "" {
		to = "helpdesk@layanan.example.go.id"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		fromName, from, to, subject, time.Now().Format(time.RFC1123Z), messageID)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
	return b.Bytes()
}

// replyTo builds a reply from one person to a received message: to its
// Reply-To, threaded, with the original quoted below.
func replyTo(fromName, from string, to *ingest.Message, body string, extra ...string) (string, []byte) {
	rcpt, raw := reply(fromName, from, to, body)
	if len(extra) == 0 {
		return rcpt, raw
	}
	head := strings.Join(extra, "\r\n") + "\r\n"
	return rcpt, append([]byte(head), raw...)
}

func storeFilterAll() store.TicketFilter { return store.TicketFilter{Limit: 1000} }
