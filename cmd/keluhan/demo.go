package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

//go:embed testdata/demo/*.eml
var demoMail embed.FS

// Demo addresses. The domain is reserved for examples; nothing leaves the
// machine because the demo's own servers deliver everything locally.
const (
	demoDesk      = "helpdesk@layanan.example.go.id"
	demoOfficer   = "petugas@layanan.example.go.id"
	demoManager   = "pengelola@layanan.example.go.id"
	demoSuper     = "atasan@layanan.example.go.id"
	demoIncident  = "insiden@layanan.example.go.id"
	demoBudi      = "budi@contoh.go.id"
	demoSiti      = "siti@contoh.go.id"
	demoAndi      = "andi@contoh.go.id"
	demoStepLimit = 30 * time.Second
)

// demo is one run of `keluhan demo`.
type demo struct {
	a       *app
	out     io.Writer
	hub     *mailHub
	daemon  *daemon
	dataDir string
	keep    bool
	failed  []string
}

func (a *app) demoCommand() *cobra.Command {
	c := a.newCommand("demo", helpDemo)
	dataDir := c.Flags().String("data-dir", "", a.p.t(text{"folder data peragaan (bawaan: folder sementara baru)", "demo data folder (default: a new temporary folder)"}))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		d := &demo{a: a, out: a.stdout, dataDir: *dataDir, keep: *dataDir != ""}
		return d.run(cmd.Context())
	}
	return c
}

// run starts everything, walks the procedure and reports. It returns an
// error naming the first step that did not complete.
func (d *demo) run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := d.start(ctx); err != nil {
		return err
	}
	defer d.stop()
	daemonCtx, stopDaemon := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.daemon.run(daemonCtx, "") }()
	err := d.walk(ctx)
	stopDaemon()
	if derr := <-done; derr != nil && err == nil {
		err = derr
	}
	if err != nil {
		d.say(demoFailed, err)
		return exitError{code: 1}
	}
	d.say(demoDone)
	return nil
}

func (d *demo) say(m text, args ...any) {
	fmt.Fprintln(d.out, d.a.p.t(m, args...))
}

// start creates the data folder, the mail servers and the daemon.
func (d *demo) start(ctx context.Context) error {
	if d.dataDir == "" {
		dir, err := os.MkdirTemp("", "keluhan-demo-")
		if err != nil {
			return err
		}
		d.dataDir = dir
	} else if entries, err := os.ReadDir(d.dataDir); err == nil && len(entries) > 0 {
		// The demo's emails have fixed Message-IDs: on a used folder they
		// would be recognised as already processed and the flow stalls.
		return errors.New(d.a.p.t(demoDirNotEmpty, d.dataDir))
	}
	people := []string{demoDesk, demoOfficer, demoManager, demoSuper, demoIncident, demoBudi, demoSiti, demoAndi}
	hub, err := startMailHub(people)
	if err != nil {
		return err
	}
	d.hub = hub
	d.say(demoServers, hub.imapAddr, hub.smtpAddr)
	cfg, err := d.config()
	if err != nil {
		return err
	}
	set, err := buildSettings(cfg)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("KELUHAN_DEMO_LOG") != "" {
		log = slog.New(slog.NewTextHandler(d.a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	dm, err := openDaemon(ctx, cfg, set, log, time.Now)
	if err != nil {
		return err
	}
	d.daemon = dm
	d.say(demoStore, filepath.Join(d.dataDir, "ferretdb"))
	return nil
}

func (d *demo) stop() {
	d.hub.close()
	if !d.keep {
		_ = os.RemoveAll(d.dataDir) // a temporary folder; the OS cleans it up otherwise
	}
}

// config is the demo's configuration: the local servers, five staff
// addresses and fast scheduling.
func (d *demo) config() (*Config, error) {
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	yaml := fmt.Sprintf(`
language: %s
data_dir: %q
helpdesk: {address: %s, name: "Helpdesk Layanan Kekayaan Intelektual"}
imap: {address: %q, tls: none, username: %s, password: %s, poll_interval: 1s}
smtp: {address: %q, tls: none}
roles:
  service_desk: [{name: "Petugas Service Desk", address: %s}]
  complaint_managers: [{name: "Pengelola Komplain", address: %s}]
  supervisors: [{name: "Atasan Layanan", address: %s}]
  incident_management: {name: "Tim Pengelolaan Insiden", address: %s}
http: {listen: ""}
sla: {scheduler_interval: 2s}
`, d.a.p.lang, d.dataDir, demoDesk, d.hub.imapAddr, demoDesk, demoPassword, d.hub.smtpAddr,
		demoOfficer, demoManager, demoSuper, demoIncident)
	env := func(name string) string {
		if name == "KELUHAN_TOKEN_SECRET" {
			return hex.EncodeToString(secret)
		}
		return ""
	}
	cfg, err := ParseConfig([]byte(yaml), env)
	if err != nil {
		return nil, err
	}
	for _, p := range CheckConfig(cfg, true) {
		if !p.Warning {
			return nil, fmt.Errorf("demo config: %s: %s", p.Key, p.Message)
		}
	}
	return cfg, nil
}

// send delivers a raw message through the hub's SMTP server.
func (d *demo) send(from, to string, raw []byte) error {
	return smtp.SendMail(d.hub.smtpAddr, nil, from, []string{to}, raw)
}

// sendFile sends one of the embedded complaints with today's date.
func (d *demo) sendFile(name, from string) error {
	raw, err := demoMail.ReadFile("testdata/demo/" + name)
	if err != nil {
		return err
	}
	date := time.Now().Format(time.RFC1123Z)
	raw = []byte(strings.ReplaceAll(string(raw), "{{DATE}}", date))
	return d.send(from, demoDesk, raw)
}

// waitNth waits until at least n messages in a mailbox carry tag in
// their subject and returns the n-th of them (counting from 1), parsed.
func (d *demo) waitNth(ctx context.Context, address, tag string, n int) (*ingest.Message, error) {
	deadline := time.Now().Add(demoStepLimit)
	for time.Now().Before(deadline) {
		msgs, err := d.tagged(ctx, address, tag)
		if err != nil {
			return nil, err
		}
		if len(msgs) >= n {
			return msgs[n-1], nil
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: %s did not receive message %d about %s within %s", errDemoCheck, address, n, tag, demoStepLimit)
}

// tagged returns the messages of a mailbox whose subject holds tag.
func (d *demo) tagged(ctx context.Context, address, tag string) ([]*ingest.Message, error) {
	raws, err := d.hub.fetchAll(ctx, address)
	if err != nil {
		return nil, err
	}
	var out []*ingest.Message
	for _, raw := range raws {
		m, _ := ingest.Parse(raw, ingest.ParseOptions{})
		if m != nil && strings.Contains(m.Subject, tag) {
			out = append(out, m)
		}
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// reply composes a reply from one person to a received message, as a
// mail client does: to its Reply-To, threaded, with the original quoted.
func reply(fromName, from string, to *ingest.Message, body string) (string, []byte) {
	rcpt := demoDesk
	if len(to.ReplyTo) > 0 {
		rcpt = to.ReplyTo[0].Address
	}
	refs := append(append([]string{}, to.References...), to.MessageID)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\nSubject: Re: %s\r\n", fromName, from, rcpt, to.Subject)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <%s@demo.contoh.go.id>\r\n", time.Now().Format(time.RFC1123Z), randomID())
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", to.MessageID, strings.Join(refs, "> <"))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n\r\nPada " + time.Now().Format("2 Jan 2006 15.04") + " " + demoDesk + " menulis:\r\n")
	for _, line := range strings.Split(strings.TrimSpace(to.Text), "\n") {
		b.WriteString("> " + strings.TrimRight(line, "\r") + "\r\n")
	}
	return rcpt, []byte(b.String())
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24
	return hex.EncodeToString(b)
}

// waitTickets polls the store until n tickets exist.
func (d *demo) waitTickets(ctx context.Context, n int) ([]*workflow.Ticket, error) {
	deadline := time.Now().Add(demoStepLimit)
	for time.Now().Before(deadline) {
		ts, err := d.daemon.store.ListTickets(ctx, store.TicketFilter{Limit: 100})
		if err != nil {
			return nil, err
		}
		if len(ts) >= n {
			sort.Slice(ts, func(i, j int) bool { return ts[i].Number < ts[j].Number })
			return ts, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("timed out waiting for %d tickets", n)
}

// waitRecord polls a ticket's trail until it holds a record of typ.
func (d *demo) waitRecord(ctx context.Context, number string, typ workflow.RecordType) (*workflow.Ticket, error) {
	deadline := time.Now().Add(demoStepLimit)
	for time.Now().Before(deadline) {
		records, err := d.daemon.store.Records(ctx, number)
		if err != nil {
			return nil, err
		}
		for _, r := range records {
			if r.Type == typ {
				return d.daemon.store.Ticket(ctx, number)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("ticket %s: no %s record after %s", number, typ, demoStepLimit)
}

var errDemoCheck = errors.New("demo check failed")
