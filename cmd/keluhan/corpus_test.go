package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// corpusDir holds real-world email shapes and, in expected.json, what a
// correct daemon does with each.
const corpusDir = "../../testdata/eml"

type corpusCase struct {
	ID     string         `json:"id"`
	File   string         `json:"file"`
	Kind   string         `json:"kind"`
	Expect map[string]any `json:"expect"`
	Setup  struct {
		Requires     []string       `json:"requires"`
		Precondition string         `json:"precondition"`
		Staff        []string       `json:"staff"`
		Trusted      string         `json:"trusted_authserv_id"`
		Config       map[string]any `json:"config"`
	} `json:"setup"`
}

// corpusRun is one case on a fresh store: the files fed so far and what
// became of them.
type corpusRun struct {
	t       *testing.T
	c       *core
	pipe    *ingest.Pipeline
	tickets map[string]string // file -> ticket number it opened or joined
	keys    map[string]string // file -> message key
}

// TestCorpus feeds every corpus email through the pipeline, the Desk and
// the embedded store, and checks each expectation of expected.json.
func TestCorpus(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.ID, func(t *testing.T) {
			r := newCorpusRun(t, tc)
			for _, f := range tc.Setup.Requires {
				r.feed(f)
			}
			if tc.Setup.Precondition != "" {
				r.closeTicketOf("B03-andi-thunderbird-petugas.eml")
			}
			before := r.snapshot()
			r.feed(tc.File)
			r.check(tc, before)
		})
	}
}

func newCorpusRun(t *testing.T, tc corpusCase) *corpusRun {
	t.Helper()
	staff := "petugas@layanan.example.go.id"
	if len(tc.Setup.Staff) > 0 {
		staff = tc.Setup.Staff[0]
	}
	trusted := "mx.layanan.example.go.id"
	if tc.Setup.Trusted != "" {
		trusted = tc.Setup.Trusted
	}
	limit := "25MB"
	if v, ok := tc.Setup.Config["max_message_bytes"].(float64); ok {
		limit = fmt.Sprint(int64(v))
	}
	reopen := "14d"
	if v, ok := tc.Setup.Config["reopen_window"].(string); ok {
		reopen = v
	}
	yaml := fmt.Sprintf(`
data_dir: %q
helpdesk: {address: helpdesk@layanan.example.go.id, name: Helpdesk}
roles:
  service_desk: [{name: Petugas, address: %s}]
  complaint_managers: [{name: Pengelola, address: pengelola@layanan.example.go.id}]
  supervisors: [{name: Atasan, address: atasan@layanan.example.go.id}]
  incident_management: {name: Insiden, address: insiden@layanan.example.go.id}
trust: {authserv_ids: [%s]}
limits: {max_message_bytes: %q}
procedure: {reopen_window: %q}
`, t.TempDir(), staff, trusted, limit, reopen)
	cfg, err := ParseConfig([]byte(yaml), func(name string) string {
		if name == "KELUHAN_TOKEN_SECRET" {
			return "corpus-secret-0123456789"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	set, err := buildSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := openCore(context.Background(), set, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return &corpusRun{
		t: t, c: c,
		pipe:    ingest.NewPipeline(set.pipeline, c.store, c.desk, log, time.Now),
		tickets: map[string]string{}, keys: map[string]string{},
	}
}

// feed processes one corpus file, with its placeholders filled in.
func (r *corpusRun) feed(file string) ingest.Outcome {
	r.t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, file))
	if err != nil {
		r.t.Fatal(err)
	}
	text := string(raw)
	for f, number := range r.tickets {
		id := f[:3]
		text = strings.ReplaceAll(text, "{{TAG:"+id+"}}", "["+number+"]")
	}
	text = strings.ReplaceAll(text, "{{CMD_CLOSE}}", "#tutup Sudah diperbaiki")
	outcomes, err := r.pipe.HandleRaw(context.Background(), [][]byte{[]byte(text)})
	if err != nil {
		r.t.Fatalf("HandleRaw(%s): %v", file, err)
	}
	o := outcomes[0]
	r.keys[file] = o.Key
	if o.Ticket != "" {
		r.tickets[file] = o.Ticket
	}
	return o
}

// closeTicketOf closes the ticket a file opened, by a verified staff
// command.
func (r *corpusRun) closeTicketOf(file string) {
	r.t.Helper()
	number := r.tickets[file]
	raw := message("Petugas", "petugas@layanan.example.go.id", "", "Re: ["+number+"]", "#tutup Sudah ditangani", "close-"+number+"@layanan.example.go.id",
		[]string{"Authentication-Results: mx.layanan.example.go.id; dmarc=pass header.from=layanan.example.go.id"})
	if _, err := r.pipe.HandleRaw(context.Background(), [][]byte{raw}); err != nil {
		r.t.Fatal(err)
	}
	t, err := r.c.store.Ticket(context.Background(), number)
	if err != nil || t.State != workflow.StateClosed {
		r.t.Fatalf("precondition: ticket %s not closed: %v %v", number, t, err)
	}
}

// snapshot counts tickets and stored messages.
type snapshot struct{ tickets, messages, outbox int }

func (r *corpusRun) snapshot() snapshot {
	ctx := context.Background()
	var s snapshot
	ts, err := r.c.store.ListTickets(ctx, store.TicketFilter{Limit: 1000})
	if err != nil {
		r.t.Fatal(err)
	}
	s.tickets = len(ts)
	_ = r.c.store.EachMessage(ctx, func(*store.MessageDoc) error { s.messages++; return nil })
	_ = r.c.store.EachOutgoing(ctx, func(*workflow.Outgoing) error { s.outbox++; return nil })
	return s
}

// check evaluates the case's expectations; one_of passes when any of its
// alternatives passes.
func (r *corpusRun) check(tc corpusCase, before snapshot) {
	r.t.Helper()
	doc := r.message(tc.File)
	failures := r.evaluate(tc.File, tc.Expect, doc, before)
	if alts, ok := tc.Expect["one_of"].([]any); ok {
		var last []string
		passed := false
		for _, alt := range alts {
			last = r.evaluate(tc.File, alt.(map[string]any), doc, before)
			if len(last) == 0 {
				passed = true
				break
			}
		}
		if !passed {
			failures = append(failures, "no one_of alternative holds; last: "+strings.Join(last, "; "))
		}
	}
	for _, f := range failures {
		r.t.Errorf("%s (%s): %s", tc.ID, tc.Kind, f)
	}
}

func (r *corpusRun) message(file string) *store.MessageDoc {
	doc, err := r.c.store.Message(context.Background(), r.keys[file])
	if err != nil {
		r.t.Fatalf("stored message of %s: %v", file, err)
	}
	return doc
}

// evaluate returns a line per failed expectation.
func (r *corpusRun) evaluate(file string, expect map[string]any, doc *store.MessageDoc, before snapshot) []string {
	var fails []string
	fail := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	after := r.snapshot()
	ticket := r.ticketOf(doc)
	for key, want := range expect {
		switch key {
		case "creates_ticket":
			if got := after.tickets > before.tickets; got != want.(bool) {
				fail("creates_ticket = %v, want %v", got, want)
			}
		case "from":
			if got := requesterEmail(ticket, doc); got != want {
				fail("from = %q, want %q", got, want)
			}
		case "from_name":
			if doc.From == nil || doc.From.Name != want {
				fail("from_name = %+v, want %q", doc.From, want)
			}
		case "cc":
			for _, w := range want.([]any) {
				if !ccHas(doc, w.(string)) {
					fail("cc lacks %s: %+v", w, doc.Cc)
				}
			}
		case "subject_contains":
			if !strings.Contains(doc.Subject, want.(string)) {
				fail("subject = %q, want it to contain %q", doc.Subject, want)
			}
		case "subject_not_contains":
			for _, w := range want.([]any) {
				if strings.Contains(doc.Subject, w.(string)) {
					fail("subject = %q contains %q", doc.Subject, w)
				}
			}
		case "body_contains":
			for _, w := range want.([]any) {
				if !strings.Contains(doc.Text, w.(string)) {
					fail("body lacks %q:\n%s", w, doc.Text)
				}
			}
		case "body_not_contains":
			for _, w := range want.([]any) {
				if strings.Contains(doc.Text, w.(string)) {
					fail("body contains %q", w)
				}
			}
		case "utf8_valid":
			if !utf8.ValidString(doc.Subject) || !utf8.ValidString(doc.Text) {
				fail("subject or body is not valid UTF-8")
			}
		case "stripped_reply_contains":
			for _, w := range want.([]any) {
				if !strings.Contains(doc.ReplyText, w.(string)) {
					fail("reply text lacks %q:\n%s", w, doc.ReplyText)
				}
			}
		case "stripped_reply_not_contains":
			for _, w := range want.([]any) {
				if strings.Contains(doc.ReplyText, w.(string)) {
					fail("reply text contains %q:\n%s", w, doc.ReplyText)
				}
			}
		case "attachments":
			for _, w := range want.([]any) {
				if !hasAttachment(doc, w.(string)) {
					fail("attachments lack %q: %+v", w, doc.Attachments)
				}
			}
		case "attachments_any_of":
			ok := false
			for _, set := range want.([]any) {
				all := true
				for _, w := range set.([]any) {
					all = all && hasAttachment(doc, w.(string))
				}
				ok = ok || all
			}
			if !ok {
				fail("attachments %+v match none of %v", doc.Attachments, want)
			}
		case "attachment_sha256", "attachment_sha256_if_present":
			for name, sum := range want.(map[string]any) {
				a := attachmentNamed(doc, name)
				if a == nil && key == "attachment_sha256_if_present" {
					continue
				}
				if a == nil || a.SHA256 != sum {
					fail("attachment %s sha256 = %+v, want %s", name, a, sum)
				}
			}
		case "parts_content_type_kept":
			if !slices.Contains(doc.Parts, want.(string)) {
				fail("parts %v lack %s", doc.Parts, want)
			}
		case "thread_of":
			if doc.Ticket == "" || doc.Ticket != r.tickets[want.(string)] {
				fail("ticket = %q, want %q of %s", doc.Ticket, r.tickets[want.(string)], want)
			}
		case "thread_of_not":
			if doc.Ticket != "" && doc.Ticket == r.tickets[want.(string)] {
				fail("joined the ticket of %s", want)
			}
		case "linked_to":
			target := r.tickets[want.(string)]
			if doc.Ticket != target && (ticket == nil || ticket.LinkedTo != target) {
				fail("ticket %q is neither %s nor linked to it", doc.Ticket, target)
			}
		case "not_dropped":
			if doc.Ticket == "" && doc.Status != store.MessageQuarantined {
				fail("left no trace: status %s, no ticket", doc.Status)
			}
		case "quarantine":
			if got := doc.Status == store.MessageQuarantined; got != want.(bool) {
				fail("quarantined = %v, want %v", got, want)
			}
		case "must_not_block_queue":
			fails = append(fails, r.queueMoves()...)
		case "replies_to":
			if !r.mailTo(doc.Key, want.(string)) {
				fail("no mail to %s because of this message", want)
			}
		case "rejection_notice_to":
			if !r.mailTo(doc.Key, want.(string)) {
				fail("no notice to %s", want)
			}
		case "no_outbound_to":
			for _, w := range want.([]any) {
				if r.mailToAnyone(w.(string)) {
					fail("mail went to %s", w)
				}
			}
		case "auto_reply":
			if !want.(bool) && r.autoMailFor(doc.Key) {
				fail("an automatic message was sent because of this mail")
			}
		case "reopens":
			if ticket != nil && ticket.State != workflow.StateClosed && !want.(bool) {
				fail("ticket %s reopened: %s", ticket.Number, ticket.State)
			}
		case "command_executed":
			t := r.ticketNumbered(r.tickets[expect["command_target"].(string)])
			if want == "close" && (t == nil || t.State != workflow.StateClosed) {
				fail("command not executed: ticket %+v", t)
			}
		case "no_empty_outbound":
			fails = append(fails, r.noEmptyMail(doc.Key)...)
		case "one_of", "command_target", "duplicate_of":
		default:
			fail("unknown expectation %s", key)
		}
	}
	return fails
}

func (r *corpusRun) ticketOf(doc *store.MessageDoc) *workflow.Ticket {
	if doc.Ticket == "" {
		return nil
	}
	return r.ticketNumbered(doc.Ticket)
}

func (r *corpusRun) ticketNumbered(number string) *workflow.Ticket {
	t, err := r.c.store.Ticket(context.Background(), number)
	if err != nil {
		return nil
	}
	return t
}

func requesterEmail(t *workflow.Ticket, doc *store.MessageDoc) string {
	if t != nil {
		return t.Requester.Email
	}
	if doc.From != nil {
		return doc.From.Address
	}
	return ""
}

func ccHas(doc *store.MessageDoc, address string) bool {
	for _, a := range doc.Cc {
		if strings.EqualFold(a.Address, address) {
			return true
		}
	}
	return false
}

func hasAttachment(doc *store.MessageDoc, name string) bool { return attachmentNamed(doc, name) != nil }

func attachmentNamed(doc *store.MessageDoc, name string) *store.Attachment {
	for i := range doc.Attachments {
		if doc.Attachments[i].Filename == name {
			return &doc.Attachments[i]
		}
	}
	return nil
}

// queueMoves feeds an ordinary complaint afterwards; it must open a
// ticket.
func (r *corpusRun) queueMoves() []string {
	raw := complaint("Budi", "budi@contoh.go.id", "Tidak bisa login", "Masih tidak bisa login ke aplikasi merek.")
	out, err := r.pipe.HandleRaw(context.Background(), [][]byte{raw})
	if err != nil || out[0].Ticket == "" {
		return []string{fmt.Sprintf("a later message was not processed: %+v %v", out, err)}
	}
	return nil
}

// outgoing returns the outbox rows whose key starts with the message
// key: the mail this message caused.
func (r *corpusRun) outgoing(key string) []*workflow.Outgoing {
	var rows []*workflow.Outgoing
	_ = r.c.store.EachOutgoing(context.Background(), func(o *workflow.Outgoing) error {
		if strings.HasPrefix(o.Key, key+"#") {
			rows = append(rows, o)
		}
		return nil
	})
	return rows
}

func (r *corpusRun) mailTo(key, address string) bool {
	for _, o := range r.outgoing(key) {
		if strings.EqualFold(o.To.Email, address) {
			return true
		}
	}
	return false
}

func (r *corpusRun) mailToAnyone(address string) bool {
	found := false
	_ = r.c.store.EachOutgoing(context.Background(), func(o *workflow.Outgoing) error {
		found = found || strings.EqualFold(o.To.Email, address)
		return nil
	})
	return found
}

// autoMailFor reports whether the message caused automatic mail to
// anyone outside the desk's staff.
func (r *corpusRun) autoMailFor(key string) bool {
	for _, o := range r.outgoing(key) {
		if o.AutoSubmitted != "" && !o.Role.Staff() {
			return true
		}
	}
	return false
}

// noEmptyMail fails for mail to the requester whose text, without the
// desk's template, is empty: a closure must carry the resolution.
func (r *corpusRun) noEmptyMail(key string) []string {
	var fails []string
	for _, o := range r.outgoing(key) {
		if o.Role != workflow.RoleRequester {
			continue
		}
		if strings.TrimSpace(o.Text) == "" || (o.Kind == workflow.MailClosure && !strings.Contains(o.Text, "Sudah diperbaiki")) {
			fails = append(fails, fmt.Sprintf("%s to %s has no content:\n%s", o.Kind, o.To.Email, o.Text))
		}
	}
	return fails
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
