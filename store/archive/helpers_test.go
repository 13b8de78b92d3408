package archive

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// t0 is the base time of the tests, on a millisecond as BSON stores it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testBlobThreshold sends the larger seeded messages to the blob store.
const testBlobThreshold = 4 << 10

// openStore opens an embedded store in a new data folder.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	cfg := store.Config{DataDir: t.TempDir(), BlobThreshold: testBlobThreshold}
	s, err := store.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// rawMail builds an email; with attachment set it is multipart with a
// base64 file of that many bytes.
func rawMail(id, from, subject, body, filename string, attachment int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: helpdesk@layanan.example.go.id\r\nSubject: %s\r\n", from, subject)
	fmt.Fprintf(&b, "Date: Mon, 2 Mar 2026 09:00:00 +0700\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", id)
	if attachment == 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	fmt.Fprintf(&b, "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
	fmt.Fprintf(&b, "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", filename)
	data := make([]byte, attachment)
	for i := range data {
		data[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return []byte(b.String())
}

// seeded is what seed stored.
type seeded struct {
	tickets []string
	keys    []string
	links   []string
}

// seed stores a small but complete data set: messages inline and in the
// blob store with attachments, tickets, records, thread links, outcomes,
// outbox rows in several statuses, a mailbox state, counter blocks and a
// blob.
func seed(t testing.TB, s *store.Store, n int) seeded {
	t.Helper()
	ctx := context.Background()
	var out seeded
	first, err := s.AllocateNumbers(ctx, "KLH-2026", n)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlob(ctx, "files/surat pengantar.pdf", strings.NewReader("%PDF-1.4 surat")); err != nil {
		t.Fatal(err)
	}

	var ins []*ingest.Inbound
	var tickets []*workflow.Ticket
	for i := range n {
		number := fmt.Sprintf("KLH-2026-%06d", first+int64(i))
		id := fmt.Sprintf("pesan/%d#x@Contoh.GO.id", i)
		attachment := []int{0, 300, 6000}[i%3]
		raw := rawMail(id, fmt.Sprintf("Pelapor %d <pelapor%d@contoh.go.id>", i, i), "Aplikasi tidak bisa login "+number,
			"Saya tidak bisa masuk ke aplikasi.", fmt.Sprintf("bukti (%d)/layar.pdf", i), attachment)
		in := inboundFor(t, raw, uint32(i+1))
		ins = append(ins, in)
		out.keys = append(out.keys, in.Msg.Key)
		out.tickets = append(out.tickets, number)
		out.links = append(out.links, in.Msg.MessageID)
		tickets = append(tickets, seedTicket(number, in, i))
	}
	if _, err := s.SaveMessages(ctx, ins); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertTickets(ctx, tickets); err != nil {
		t.Fatal(err)
	}
	seedTrail(t, s, tickets, out)
	if err := s.SaveMailboxState(ctx, "INBOX", 7, uint32(n)); err != nil {
		t.Fatal(err)
	}
	return out
}

func inboundFor(t testing.TB, raw []byte, uid uint32) *ingest.Inbound {
	t.Helper()
	msg, err := ingest.Parse(raw, ingest.ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return &ingest.Inbound{Msg: msg, Raw: raw, Mailbox: "INBOX", UIDValidity: 7, UID: uid, FetchedAt: t0}
}

func seedTicket(number string, in *ingest.Inbound, i int) *workflow.Ticket {
	tk := &workflow.Ticket{
		Number: number, SourceKey: in.Msg.Key, Version: 3, Channel: workflow.ChannelEmail,
		Requester: workflow.Party{Name: fmt.Sprintf("Pelapor %d", i), Email: fmt.Sprintf("pelapor%d@contoh.go.id", i)},
		Language:  "id", Subject: in.Msg.Subject, Body: in.Msg.Text, RootMessageID: in.Msg.MessageID,
		State: workflow.StateEscalated, Category: workflow.CategoryNonTechnical,
		Triage:     workflow.TriageResult{Category: workflow.CategoryNonTechnical, Confidence: 0.75, Terms: []string{"login"}},
		Terms:      []string{"aplikasi", "login"},
		Applied:    []string{in.Msg.Key},
		ReceivedAt: t0.Add(time.Duration(i) * time.Minute), UpdatedAt: t0.Add(time.Hour),
	}
	for _, a := range in.Msg.Attachments {
		tk.Attachments = append(tk.Attachments, workflow.AttachmentRef{MessageKey: in.Msg.Key, Index: a.Index, Filename: a.Filename, ContentType: a.ContentType})
	}
	if i%2 == 1 {
		tk.State, tk.ClosedAt, tk.Resolution = workflow.StateClosed, t0.Add(2*time.Hour), "Sudah diperbaiki"
	}
	if i == 0 {
		tk.Attachments = append(tk.Attachments, workflow.AttachmentRef{BlobName: "files/surat pengantar.pdf", Filename: "surat.pdf", ContentType: "application/pdf"})
	}
	return tk
}

// seedTrail stores records, thread links, outcomes and outbox rows for
// the tickets; the first row is sent and the second failed.
func seedTrail(t testing.TB, s *store.Store, tickets []*workflow.Ticket, out seeded) {
	t.Helper()
	ctx := context.Background()
	var records []workflow.Record
	var links []workflow.ThreadLink
	var outcomes []ingest.Outcome
	var mails []workflow.Outgoing

	for i, tk := range tickets {
		for j, typ := range []workflow.RecordType{workflow.RecordReceived, workflow.RecordTriage, workflow.RecordEscalated} {
			records = append(records, workflow.Record{
				Key: fmt.Sprintf("%s#r%d", out.keys[i], j), Ticket: tk.Number, Type: typ,
				At: tk.ReceivedAt.Add(time.Duration(j) * time.Second), Actor: tk.Requester.Email,
				MessageKey: out.keys[i], Detail: map[string]string{"step": fmt.Sprint(j)},
			})
		}

		links = append(links, workflow.ThreadLink{MessageID: out.links[i], Ticket: tk.Number},
			workflow.ThreadLink{MessageID: fmt.Sprintf("ack-%d@layanan.example.go.id", i), Ticket: tk.Number})
		outcomes = append(outcomes, ingest.Outcome{Key: out.keys[i], Disposition: ingest.DispositionDone, Ticket: tk.Number})

		mails = append(mails, workflow.Outgoing{
			Key: out.keys[i] + "#n0#" + tk.Requester.Email, Ticket: tk.Number, Kind: workflow.MailAck, Language: "id",
			Role: workflow.RoleRequester, To: tk.Requester, From: workflow.Party{Email: "helpdesk@layanan.example.go.id"},
			Subject: "[" + tk.Number + "] Keluhan diterima", Text: "Keluhan Anda sudah kami terima.",
			MessageID: fmt.Sprintf("ack-%d@layanan.example.go.id", i), Capped: true, Attachments: tk.Attachments,
			CreatedAt: tk.ReceivedAt, NextAttempt: tk.ReceivedAt,
		})
	}

	must(t, s.AppendRecords(ctx, records))
	must(t, s.LinkThreads(ctx, links))
	must(t, s.FinishMessages(ctx, outcomes))
	must(t, s.Enqueue(ctx, mails))

	deliver(t, s, "sent")
	deliver(t, s, "failed")
}

// deliver claims the next due row and marks it sent or failed.
func deliver(t testing.TB, s *store.Store, how string) {
	t.Helper()
	ctx := context.Background()
	row, err := s.ClaimOutgoing(ctx, "test", t0.Add(24*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if how == "sent" {
		must(t, s.MarkSent(ctx, row.Key, "test", t0.Add(25*time.Hour)))
		return
	}
	must(t, s.MarkFailed(ctx, row.Key, "test", "550 mailbox unavailable"))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// dump returns every document of every exported collection as relaxed
// Extended JSON, and every message's raw bytes, keyed by collection.
func dump(t testing.TB, s *store.Store) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for _, coll := range store.ExportCollections {
		err := s.EachRaw(ctx, coll, func(doc bson.Raw) error {
			// Import appends the raw bytes last, so they are compared
			// apart from the document.
			line, err := bson.MarshalExtJSON(withFiles(doc, messageFiles{}), false, false)
			out[coll] = append(out[coll], string(line))
			return err
		})
		must(t, err)
	}
	err := s.EachMessage(ctx, func(d *store.MessageDoc) error {
		raw, err := s.Raw(ctx, d.Key)
		out["raw"] = append(out["raw"], d.Key+" "+sha(raw))
		return err
	})
	must(t, err)
	err = s.EachBlob(ctx, func(b store.BlobInfo) error {
		r, err := s.OpenBlob(ctx, b.Name)
		if err != nil {
			return err
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		out["blobs"] = append(out["blobs"], b.Name+" "+sha(data))
		return err
	})
	must(t, err)
	slices.Sort(out["blobs"])
	return out
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
