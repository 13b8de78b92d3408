package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// purgeFixture describes a store with four tickets. A is closed, with
// two messages (one large enough for the blob store), records, links,
// outbox rows and blobs. B is closed with mail still pending, and C is
// open. D is closed and shares a blob with A, but is not purged.
type purgeFixture struct {
	keysA, keysD []string
}

func setupPurge(t *testing.T, s *Store) purgeFixture {
	t.Helper()
	ctx := context.Background()
	s.blobThreshold = 256
	closed := func(number, source string) *workflow.Ticket {
		tk := ticket(number, source, t0)
		tk.State, tk.ClosedAt = workflow.StateClosed, t0.Add(time.Hour)
		return tk
	}
	a, b, c, d := closed("KLH-2026-000001", "mid:a1@x"), closed("KLH-2026-000002", "mid:b1@x"),
		ticket("KLH-2026-000003", "mid:c1@x", t0), closed("KLH-2026-000004", "mid:d1@x")
	a.Attachments = []workflow.AttachmentRef{{BlobName: "files/a.pdf"}, {BlobName: "files/shared.pdf"}}
	d.Attachments = []workflow.AttachmentRef{{BlobName: "files/shared.pdf"}}
	insertTickets(t, s, a, b, c, d)
	for _, name := range []string{"files/a.pdf", "files/shared.pdf", "files/other.pdf"} {
		mustNoErr(t, s.PutBlob(ctx, name, strings.NewReader("isi "+name)))
	}

	f := purgeFixture{keysA: []string{"mid:a1@x", "mid:a2@x"}, keysD: []string{"mid:d1@x"}}
	saveStates(t, s, inbound("mid:a1@x", "pendek"), inbound("mid:a2@x", strings.Repeat("panjang ", 100)),
		inbound("mid:b1@x", "b"), inbound("mid:c1@x", "c"), inbound("mid:d1@x", "d"))
	var outcomes []ingest.Outcome
	for key, number := range map[string]string{"mid:a1@x": a.Number, "mid:a2@x": a.Number, "mid:b1@x": b.Number, "mid:c1@x": c.Number, "mid:d1@x": d.Number} {
		outcomes = append(outcomes, ingest.Outcome{Key: key, Disposition: ingest.DispositionDone, Ticket: number})
	}
	mustNoErr(t, s.FinishMessages(ctx, outcomes))

	var records []workflow.Record
	var links []workflow.ThreadLink
	for _, tk := range []*workflow.Ticket{a, b, c, d} {
		for _, typ := range []workflow.RecordType{workflow.RecordReceived, workflow.RecordClosed} {
			records = append(records, workflow.Record{Key: tk.Number + "/" + string(typ), Ticket: tk.Number, Type: typ, At: t0, Actor: "budi@example.com"})
		}
		links = append(links, workflow.ThreadLink{MessageID: tk.SourceKey[4:], Ticket: tk.Number})
	}
	mustNoErr(t, s.AppendRecords(ctx, records))
	mustNoErr(t, s.LinkThreads(ctx, links))

	// A's row is sent, which moves it to the archive of sent rows and
	// records a capped send; B's row is due later and stays pending.
	sentA, pendingB := outgoing("out-a", t0), outgoing("out-b", t0.Add(1000*time.Hour))
	sentA.Ticket, sentA.Attachments = a.Number, []workflow.AttachmentRef{{BlobName: "files/a.pdf"}}
	pendingB.Ticket = b.Number
	mustNoErr(t, s.Enqueue(ctx, []workflow.Outgoing{sentA, pendingB}))
	row, err := s.ClaimOutgoing(ctx, "test", t0.Add(time.Hour), time.Minute)
	if err != nil || row.Key != "out-a" {
		t.Fatalf("ClaimOutgoing() = %+v, %v, want out-a", row, err)
	}
	mustNoErr(t, s.MarkSent(ctx, row.Key, "test", t0.Add(time.Hour)))
	return f
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func purgeNote(tk *workflow.Ticket) workflow.Record {
	return workflow.Record{At: t0.Add(48 * time.Hour), Actor: workflow.ActorSystem, Detail: map[string]string{"closed_at": tk.ClosedAt.Format(time.RFC3339)}}
}

func TestPurgeTickets(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := setupPurge(t, s)
		if _, err := s.CountTickets(ctx); err != nil { // loads the index of an embedded Store
			t.Fatal(err)
		}
		if sent, err := s.CountAutomaticSent(ctx, "budi@example.com", t0); err != nil || sent != 1 {
			t.Fatalf("CountAutomaticSent() before purge = %d, %v, want 1", sent, err)
		}

		stats, err := s.PurgeTickets(ctx, []string{"KLH-2026-000001", "KLH-2026-000002", "KLH-2026-000003", "KLH-2026-000009"}, purgeNote)
		if err != nil {
			t.Fatalf("PurgeTickets() error: %v", err)
		}
		wantSkipped := []PurgeSkip{
			{"KLH-2026-000002", PurgeSkipMailPending},
			{"KLH-2026-000003", PurgeSkipOpen},
			{"KLH-2026-000009", PurgeSkipNotFound},
		}
		if !slices.Equal(stats.Skipped, wantSkipped) {
			t.Errorf("PurgeTickets() skipped %v, want %v", stats.Skipped, wantSkipped)
		}
		counts := []struct {
			name      string
			got, want int
		}{
			{"tickets", stats.Tickets, 1},
			{"records", stats.Records, 2},
			{"messages", stats.Messages, 2},
			{"outcomes", stats.Outcomes, 2},
			{"threads", stats.Threads, 1},
			{"outgoing", stats.Outgoing, 1},
			{"blobs (raw and files/a.pdf)", stats.Blobs, 2},
		}
		for _, c := range counts {
			if c.got != c.want {
				t.Errorf("PurgeTickets() deleted %d %s, want %d", c.got, c.name, c.want)
			}
		}
		checkPurged(t, s, f)
		checkKept(t, s, f)

		again, err := s.PurgeTickets(ctx, []string{"KLH-2026-000001"}, purgeNote)
		if err != nil || again.Tickets != 0 || !slices.Equal(again.Skipped, []PurgeSkip{{"KLH-2026-000001", PurgeSkipNotFound}}) {
			t.Errorf("PurgeTickets(again) = %+v, %v, want only a not_found skip", again, err)
		}
	})
}

// checkPurged checks that ticket A left only its purge record.
func checkPurged(t *testing.T, s *Store, f purgeFixture) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Ticket(ctx, "KLH-2026-000001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Ticket(purged) error = %v, want ErrNotFound", err)
	}

	counts, err := s.CountTickets(ctx)
	if want := map[workflow.State]int{workflow.StateClosed: 2, workflow.StateNew: 1}; err != nil || !maps.Equal(counts, want) {
		t.Errorf("CountTickets() after purge = %v, %v, want %v", counts, err, want)
	}
	sent, err := s.CountAutomaticSent(ctx, "budi@example.com", t0)
	if err != nil || sent != 0 {
		t.Errorf("CountAutomaticSent() after purge = %d, %v, want 0", sent, err)
	}
	records, err := s.Records(ctx, "KLH-2026-000001")
	if err != nil || len(records) != 1 || records[0].Type != workflow.RecordPurged || records[0].Key != "purge:KLH-2026-000001" {
		t.Errorf("Records(purged) = %+v, %v, want the purge record alone", records, err)
	}

	for _, key := range f.keysA {
		if _, err := s.Message(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Message(%s) error = %v, want ErrNotFound", key, err)
		}
	}
	links, err := s.TicketsByMessageID(ctx, []string{"a1@x"})
	if err != nil || len(links) != 0 {
		t.Errorf("TicketsByMessageID(a1@x) = %v, %v, want none", links, err)
	}

	rows, err := s.ListOutgoing(ctx, OutboxFilter{Ticket: "KLH-2026-000001"})
	if err != nil || len(rows) != 0 {
		t.Errorf("ListOutgoing(purged) = %d rows, %v, want none", len(rows), err)
	}
	names := blobNames(t, s)
	if slices.Contains(names, "files/a.pdf") || slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "raw/") }) {
		t.Errorf("blobs after purge = %v, want files/a.pdf and the raw blob gone", names)
	}
}

// checkKept checks that the other tickets and the shared blob are whole.
func checkKept(t *testing.T, s *Store, f purgeFixture) {
	t.Helper()
	ctx := context.Background()
	for _, number := range []string{"KLH-2026-000002", "KLH-2026-000003", "KLH-2026-000004"} {
		records, err := s.Records(ctx, number)
		if _, terr := s.Ticket(ctx, number); terr != nil || err != nil || len(records) != 2 {
			t.Errorf("ticket %s after purge: %v, records %d, %v, want it whole", number, terr, len(records), err)
		}
	}
	if _, err := s.Message(ctx, f.keysD[0]); err != nil {
		t.Errorf("Message(%s) error: %v", f.keysD[0], err)
	}
	names := blobNames(t, s)
	for _, want := range []string{"files/shared.pdf", "files/other.pdf"} {
		if !slices.Contains(names, want) {
			t.Errorf("blobs after purge = %v, want %s kept", names, want)
		}
	}
}

func blobNames(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	mustNoErr(t, s.EachBlob(context.Background(), func(b BlobInfo) error {
		names = append(names, b.Name)
		return nil
	}))
	return names
}

func TestClosedTicketsBefore(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var tickets []*workflow.Ticket
		for i, closedAt := range []time.Time{t0, t0.Add(24 * time.Hour), {}, t0.Add(72 * time.Hour)} {
			tk := ticket(fmt.Sprintf("KLH-2026-%06d", i+1), fmt.Sprintf("mid:%d@x", i), t0)
			if !closedAt.IsZero() {
				tk.State, tk.ClosedAt = workflow.StateClosed, closedAt
			}
			tickets = append(tickets, tk)
		}
		insertTickets(t, s, tickets...)

		tests := []struct {
			name   string
			cutoff time.Time
			want   []string
		}{
			{"before all", t0, nil},
			{"first only", t0.Add(time.Hour), []string{"KLH-2026-000001"}},
			{"oldest first", t0.Add(100 * time.Hour), []string{"KLH-2026-000001", "KLH-2026-000002", "KLH-2026-000004"}},
		}
		for _, tc := range tests {
			got, err := s.ClosedTicketsBefore(ctx, tc.cutoff)
			var numbers []string
			for _, tk := range got {
				numbers = append(numbers, tk.Number)
			}
			if err != nil || !slices.Equal(numbers, tc.want) {
				t.Errorf("ClosedTicketsBefore(%s) = %v, %v, want %v", tc.name, numbers, err, tc.want)
			}
		}
	})
}

func TestLastExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.LastExport(ctx); !errors.Is(err, ErrNotFound) {
			t.Errorf("LastExport(none) error = %v, want ErrNotFound", err)
		}

		records := []ExportRecord{
			{ManifestSHA256: "aa", At: t0, Location: "/media/a.tar.gz", Tickets: 1},
			{ManifestSHA256: "bb", At: t0.Add(time.Hour), Location: "/media/b", Tickets: 2},
			{ManifestSHA256: "aa", At: t0.Add(2 * time.Hour), Location: "again"},
		}
		for _, r := range records {
			if err := s.RecordExport(ctx, r); err != nil {
				t.Errorf("RecordExport(%s) error: %v", r.ManifestSHA256, err)
			}
		}
		got, err := s.LastExport(ctx)
		if err != nil || got != records[1] {
			t.Errorf("LastExport() = %+v, %v, want %+v", got, err, records[1])
		}
		if err := s.RecordExport(ctx, ExportRecord{At: t0}); err == nil {
			t.Error("RecordExport(no manifest) = nil, want an error")
		}
	})
}
