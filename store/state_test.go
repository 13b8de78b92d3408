package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

func TestLeasesAcrossOwners(t *testing.T) {
	eachBackendPair(t, func(t *testing.T, a, b *Store) {
		ctx := context.Background()
		ttl := time.Minute
		steps := []struct {
			name  string
			store *Store
			owner string
			at    time.Time
			want  bool
		}{
			{"free", a, "A", t0, true},
			{"held by A", b, "B", t0.Add(30 * time.Second), false},
			{"renewed by A", a, "A", t0.Add(50 * time.Second), true},
			{"held after renewal", b, "B", t0.Add(90 * time.Second), false},
			{"expired", b, "B", t0.Add(2 * time.Minute), true},
			{"taken by B", a, "A", t0.Add(2*time.Minute + time.Second), false},
		}
		for _, st := range steps {
			got, err := st.store.AcquireLease(ctx, "mailbox:INBOX", st.owner, st.at, ttl)
			if err != nil || got != st.want {
				t.Errorf("AcquireLease(%s) = %v, %v, want %v", st.name, got, err, st.want)
			}
		}

		owner, until, err := a.LeaseHolder(ctx, "mailbox:INBOX")
		if err != nil || owner != "B" || !until.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("LeaseHolder() = %s, %v, %v, want B until %v", owner, until, err, t0.Add(3*time.Minute))
		}
		if _, _, err := a.LeaseHolder(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("LeaseHolder(nope) error = %v, want ErrNotFound", err)
		}

		if err := a.ReleaseLease(ctx, "mailbox:INBOX", "A"); err != nil {
			t.Fatalf("ReleaseLease(not holder) error: %v", err)
		}
		if got, _ := a.AcquireLease(ctx, "mailbox:INBOX", "A", t0.Add(2*time.Minute+2*time.Second), ttl); got {
			t.Error("AcquireLease(A after A's release of B's lease) = true, want false")
		}
		if err := b.ReleaseLease(ctx, "mailbox:INBOX", "B"); err != nil {
			t.Fatalf("ReleaseLease(holder) error: %v", err)
		}
		if got, err := a.AcquireLease(ctx, "mailbox:INBOX", "A", t0.Add(2*time.Minute+3*time.Second), ttl); err != nil || !got {
			t.Errorf("AcquireLease(after release) = %v, %v, want true", got, err)
		}
		if _, err := a.AcquireLease(ctx, "", "A", t0, ttl); err == nil {
			t.Error("AcquireLease(empty name) error = nil, want an error")
		}
	})
}

func TestMailboxState(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if v, u, err := s.MailboxState(ctx, "INBOX"); err != nil || v != 0 || u != 0 {
			t.Fatalf("MailboxState(unknown) = %d, %d, %v, want 0, 0", v, u, err)
		}
		steps := []struct {
			name           string
			validity, uid  uint32
			wantV, wantUID uint32
		}{
			{"first", 100, 5, 100, 5},
			{"forward", 100, 9, 100, 9},
			{"backwards ignored", 100, 7, 100, 9},
			{"new validity", 200, 3, 200, 3},
			{"max uint32", 200, 4294967295, 200, 4294967295},
		}
		for _, st := range steps {
			if err := s.SaveMailboxState(ctx, "INBOX", st.validity, st.uid); err != nil {
				t.Fatalf("SaveMailboxState(%s) error: %v", st.name, err)
			}
			v, u, err := s.MailboxState(ctx, "INBOX")
			if err != nil || v != st.wantV || u != st.wantUID {
				t.Errorf("MailboxState() after %s = %d, %d, %v, want %d, %d", st.name, v, u, err, st.wantV, st.wantUID)
			}
		}
	})
}

func TestThreads(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		err := s.LinkThreads(ctx, []workflow.ThreadLink{
			{MessageID: "a@x", Ticket: "KLH-2026-000001"},
			{MessageID: "ti:AQHZ", Ticket: "KLH-2026-000001"},
			{MessageID: "", Ticket: "KLH-2026-000001"},
		})
		if err != nil {
			t.Fatalf("LinkThreads() error: %v", err)
		}
		err = s.LinkThreads(ctx, []workflow.ThreadLink{
			{MessageID: "a@x", Ticket: "KLH-2026-000002"},
			{MessageID: "b@x", Ticket: "KLH-2026-000002"},
		})
		if err != nil {
			t.Fatalf("LinkThreads(relink) error: %v", err)
		}

		got, err := s.TicketsByMessageID(ctx, []string{"a@x", "b@x", "ti:AQHZ", "c@x"})
		if err != nil {
			t.Fatalf("TicketsByMessageID() error: %v", err)
		}
		want := map[string]string{"a@x": "KLH-2026-000001", "b@x": "KLH-2026-000002", "ti:AQHZ": "KLH-2026-000001"}
		if !maps.Equal(got, want) {
			t.Errorf("TicketsByMessageID() = %v, want %v", got, want)
		}
	})
}

func TestRecords(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rec := func(key string, at time.Time) workflow.Record {
			return workflow.Record{Key: key, Ticket: "KLH-2026-000001", Type: workflow.RecordNote, At: at, Actor: workflow.ActorSystem,
				Detail: map[string]string{"k": key}}
		}
		if err := s.AppendRecords(ctx, []workflow.Record{rec("r2", t0.Add(time.Minute)), rec("r1", t0)}); err != nil {
			t.Fatalf("AppendRecords() error: %v", err)
		}
		if err := s.AppendRecords(ctx, []workflow.Record{rec("r1", t0.Add(time.Hour)), rec("r3", t0.Add(2*time.Minute))}); err != nil {
			t.Fatalf("AppendRecords(replay) error: %v", err)
		}
		if err := s.AppendRecords(ctx, []workflow.Record{{Ticket: "KLH-2026-000001"}}); err == nil {
			t.Error("AppendRecords(no key) error = nil, want an error")
		}

		got, err := s.Records(ctx, "KLH-2026-000001")
		if err != nil {
			t.Fatalf("Records() error: %v", err)
		}
		var keys []string
		for _, r := range got {
			keys = append(keys, r.Key)
		}
		if want := []string{"r1", "r2", "r3"}; !slices.Equal(keys, want) {
			t.Errorf("Records() = %v, want %v", keys, want)
		}
		if len(got) > 0 && (!got[0].At.Equal(t0) || got[0].Detail["k"] != "r1") {
			t.Errorf("Records()[0] = %+v, want the first write kept", got[0])
		}
	})
}

func TestBlobs(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.PutBlob(ctx, "reports/2026-02.pdf", strings.NewReader("old")); err != nil {
			t.Fatalf("PutBlob() error: %v", err)
		}
		if err := s.PutBlob(ctx, "reports/2026-02.pdf", strings.NewReader("new")); err != nil {
			t.Fatalf("PutBlob(replace) error: %v", err)
		}

		r, err := s.OpenBlob(ctx, "reports/2026-02.pdf")
		if err != nil {
			t.Fatalf("OpenBlob() error: %v", err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != "new" {
			t.Errorf("OpenBlob() read %q, %v, want %q", got, err, "new")
		}
		if _, err := s.OpenBlob(ctx, "missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("OpenBlob(missing) error = %v, want ErrNotFound", err)
		}

		var names []string
		if err := s.EachBlob(ctx, func(b BlobInfo) error { names = append(names, b.Name); return nil }); err != nil {
			t.Fatalf("EachBlob() error: %v", err)
		}
		if want := []string{"reports/2026-02.pdf"}; !slices.Equal(names, want) {
			t.Errorf("EachBlob() = %v, want %v", names, want)
		}
	})
}

func TestEmptyExportImport(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			src := openTestStore(t, be, testDatabase(t)+"_src")
			dst := openTestStore(t, be, testDatabase(t)+"_dst")

			if empty, err := src.Empty(ctx); err != nil || !empty {
				t.Fatalf("Empty(new database) = %v, %v, want true", empty, err)
			}
			fillForExport(t, src)
			if empty, err := src.Empty(ctx); err != nil || empty {
				t.Fatalf("Empty(filled database) = %v, %v, want false", empty, err)
			}

			for _, coll := range ExportCollections {
				var batch []bson.Raw
				err := src.EachRaw(ctx, coll, func(doc bson.Raw) error {
					batch = append(batch, bytes.Clone(doc))
					return nil
				})
				if err != nil {
					t.Fatalf("EachRaw(%s) error: %v", coll, err)
				}
				if _, err := dst.InsertRaw(ctx, coll, batch); err != nil {
					t.Fatalf("InsertRaw(%s) error: %v", coll, err)
				}
				again, err := dst.InsertRaw(ctx, coll, batch)
				if err != nil || again != 0 {
					t.Errorf("InsertRaw(%s) twice = %d, %v, want 0 inserted", coll, again, err)
				}
			}
			if err := src.EachRaw(ctx, collLeases, func(bson.Raw) error { return nil }); err == nil {
				t.Error("EachRaw(leases) error = nil, want an error")
			}

			tk, err := dst.Ticket(ctx, "KLH-2026-000001")
			if err != nil || tk.Subject == "" {
				t.Errorf("Ticket() after import = %+v, %v, want the exported ticket", tk, err)
			}
			if n, err := dst.AllocateNumbers(ctx, "ticket-2026", 1); err != nil || n != 4 {
				t.Errorf("AllocateNumbers() after import = %d, %v, want 4", n, err)
			}
			raw, err := dst.Raw(ctx, "m@x")
			if err != nil || !bytes.Contains(raw, []byte("isi")) {
				t.Errorf("Raw(m@x) after import = %q, %v, want the exported bytes", raw, err)
			}
			checkTypedIteration(t, dst)
			checkTypedImport(t, src, openTestStore(t, be, testDatabase(t)+"_typed"))
		})
	}
}

// checkTypedImport copies src with the typed iterators and importers.
func checkTypedImport(t *testing.T, src, dst *Store) {
	t.Helper()
	ctx := context.Background()
	var tickets []*workflow.Ticket
	var records []*workflow.Record
	var rows []*workflow.Outgoing
	var messages []*MessageDoc
	errs := []error{
		src.EachTicket(ctx, func(v *workflow.Ticket) error { tickets = append(tickets, v); return nil }),
		src.EachRecord(ctx, func(v *workflow.Record) error { records = append(records, v); return nil }),
		src.EachOutgoing(ctx, func(v *workflow.Outgoing) error { rows = append(rows, v); return nil }),
		src.EachMessage(ctx, func(v *MessageDoc) error { messages = append(messages, v); return nil }),
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Each*() error: %v", err)
	}

	imports := []struct {
		name string
		run  func() (int, error)
		want int
	}{
		{"tickets", func() (int, error) { return dst.ImportTickets(ctx, tickets) }, 2},
		{"records", func() (int, error) { return dst.ImportRecords(ctx, records) }, 1},
		{"outgoing", func() (int, error) { return dst.ImportOutgoing(ctx, rows) }, 1},
		{"messages", func() (int, error) { return dst.ImportMessages(ctx, messages) }, 1},
		{"tickets again", func() (int, error) { return dst.ImportTickets(ctx, tickets) }, 0},
	}
	for _, im := range imports {
		if got, err := im.run(); err != nil || got != im.want {
			t.Errorf("Import(%s) = %d, %v, want %d", im.name, got, err, im.want)
		}
	}
	checkTypedIteration(t, dst)
}

func fillForExport(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.AllocateNumbers(ctx, "ticket-2026", 3); err != nil {
		t.Fatalf("AllocateNumbers() error: %v", err)
	}
	insertTickets(t, s, ticket("KLH-2026-000001", "mid:m@x", t0), ticket("KLH-2026-000002", "mid:n@x", t0))
	saveStates(t, s, inbound("m@x", "isi"))
	enqueue(t, s, outgoing("o1", t0))
	if err := s.AppendRecords(ctx, []workflow.Record{{Key: "r1", Ticket: "KLH-2026-000001", Type: workflow.RecordReceived, At: t0}}); err != nil {
		t.Fatalf("AppendRecords() error: %v", err)
	}
	if err := s.LinkThreads(ctx, []workflow.ThreadLink{{MessageID: "m@x", Ticket: "KLH-2026-000001"}}); err != nil {
		t.Fatalf("LinkThreads() error: %v", err)
	}
	if err := s.SaveMailboxState(ctx, "INBOX", 1, 10); err != nil {
		t.Fatalf("SaveMailboxState() error: %v", err)
	}
}

func checkTypedIteration(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	var tickets, records, rows, messages int
	if err := s.EachTicket(ctx, func(*workflow.Ticket) error { tickets++; return nil }); err != nil {
		t.Errorf("EachTicket() error: %v", err)
	}
	if err := s.EachRecord(ctx, func(*workflow.Record) error { records++; return nil }); err != nil {
		t.Errorf("EachRecord() error: %v", err)
	}
	if err := s.EachOutgoing(ctx, func(*workflow.Outgoing) error { rows++; return nil }); err != nil {
		t.Errorf("EachOutgoing() error: %v", err)
	}
	err := s.EachMessage(ctx, func(d *MessageDoc) error {
		messages++
		if len(d.Raw) == 0 {
			t.Errorf("EachMessage() %s has no raw bytes, want them inline", d.Key)
		}
		return nil
	})
	if err != nil {
		t.Errorf("EachMessage() error: %v", err)
	}
	if tickets != 2 || records != 1 || rows != 1 || messages != 1 {
		t.Errorf("Each*() counted %d tickets, %d records, %d rows, %d messages, want 2, 1, 1, 1", tickets, records, rows, messages)
	}

	stop := errors.New("stop")
	if err := s.EachTicket(ctx, func(*workflow.Ticket) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("EachTicket(fn fails) error = %v, want fn's error", err)
	}
}
