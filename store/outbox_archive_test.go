package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// sendTo claims the row key for owner and marks it sent at at.
func sendTo(t *testing.T, s *Store, key string, at time.Time) {
	t.Helper()
	o := claim(t, s, "w", at)
	if o.Key != key {
		t.Fatalf("ClaimOutgoing() = %s, want %s", o.Key, key)
	}
	if err := s.MarkSent(context.Background(), key, "w", at); err != nil {
		t.Fatalf("MarkSent(%s) error: %v", key, err)
	}
}

func countIn(t *testing.T, s *Store, collection string, filter bson.D) int64 {
	t.Helper()
	n, err := s.db.Collection(collection).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatalf("count %s: %v", collection, err)
	}
	return n
}

func TestMarkSentArchives(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		enqueue(t, s, outgoing("o1", t0))
		sendTo(t, s, "o1", t0.Add(time.Second))
		settle(t, s)

		if n := countIn(t, s, collOutbox, bson.D{}); n != 0 {
			t.Errorf("outbox rows after MarkSent = %d, want 0", n)
		}
		if n := countIn(t, s, collSent, bson.D{}); n != 1 {
			t.Errorf("archived rows after MarkSent = %d, want 1", n)
		}

		// Queueing the same email again, as a replayed batch does, sends
		// nothing.
		enqueue(t, s, outgoing("o1", t0))
		if _, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Hour), time.Minute); !errors.Is(err, ErrNotFound) {
			t.Errorf("ClaimOutgoing() after queueing a sent row again error = %v, want ErrNotFound", err)
		}

		tests := []struct {
			name string
			run  func() error
		}{
			{"MarkSent again", func() error { return s.MarkSent(ctx, "o1", "w", t0) }},
			{"MarkFailed", func() error { return s.MarkFailed(ctx, "o1", "w", "x") }},
			{"RetryOutgoing", func() error { _, err := s.RetryOutgoing(ctx, "o1", t0); return err }},
		}
		for _, tt := range tests {
			if err := tt.run(); !errors.Is(err, ErrConflict) {
				t.Errorf("%s(archived row) error = %v, want ErrConflict", tt.name, err)
			}
		}

		rows, err := s.ListOutgoing(ctx, OutboxFilter{Status: workflow.OutboxSent})
		if err != nil || len(rows) != 1 || rows[0].Key != "o1" || !rows[0].SentAt.Equal(t0.Add(time.Second)) {
			t.Errorf("ListOutgoing(sent) = %v, %v, want o1 sent at %v", rows, err, t0.Add(time.Second))
		}
		if n, err := s.CountAutomaticSent(ctx, "budi@example.com", t0); err != nil || n != 1 {
			t.Errorf("CountAutomaticSent() = %d, %v, want 1", n, err)
		}
	})
}

// An Enqueue that registered its keys and stopped before inserting the
// rows leaves them unqueued; running it again queues them.
func TestEnqueueInterrupted(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		row := outgoing("lost", t0)
		if _, err := s.registerKeys(ctx, []*workflow.Outgoing{&row}, t0); err != nil {
			t.Fatalf("registerKeys() error: %v", err)
		}
		enqueue(t, s, outgoing("lost", t0), outgoing("fresh", t0.Add(time.Second)))

		var keys []string
		for range 2 {
			keys = append(keys, claim(t, s, "w", t0.Add(time.Minute)).Key)
		}
		if want := []string{"lost", "fresh"}; !slices.Equal(keys, want) {
			t.Errorf("ClaimOutgoing() after the replay = %v, want %v", keys, want)
		}
	})
}

// A MarkSent that stopped after marking the row sent, or also after
// archiving it, leaves the row in the outbox. Readers count it once, and
// the next claim finishes the move. On the embedded store, whose
// MarkSent leaves that to compaction, such a row is what a version of
// keluhan before the queue in memory left; its first load finds it.
func TestMarkSentInterrupted(t *testing.T) {
	steps := []struct {
		name     string
		archived bool
	}{
		{"after marking", false},
		{"after archiving", true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, s *Store) {
				ctx := context.Background()
				row := leaveHalfSent(t, s)
				if st.archived {
					if err := s.insertArchived(ctx, []*workflow.Outgoing{row}, nil); err != nil {
						t.Fatalf("insertArchived() error: %v", err)
					}
				}

				checkSentOnce(t, s, "half")
				if o := claim(t, s, "w", t0.Add(time.Hour)); o.Key != "next" {
					t.Errorf("ClaimOutgoing() = %s, want next, with half archived on the way", o.Key)
				}
				settle(t, s)
				if n := countIn(t, s, collOutbox, bson.D{{Key: "status", Value: workflow.OutboxSent}}); n != 0 {
					t.Errorf("sent rows left in the outbox after the claim = %d, want 0", n)
				}
				checkSentOnce(t, s, "half")
				if n, err := s.CountAutomaticSent(ctx, "budi@example.com", t0); err != nil || n != 1 {
					t.Errorf("CountAutomaticSent() after the claim = %d, %v, want 1", n, err)
				}
			})
		})
	}
}

// leaveHalfSent queues the rows half and next and leaves half marked
// sent in the outbox, as a MarkSent that stopped before archiving it
// does on a Store connected to a URI. On the embedded store it writes
// the row so before the queue loads.
func leaveHalfSent(t *testing.T, s *Store) *workflow.Outgoing {
	t.Helper()
	ctx := context.Background()
	if s.queue == nil {
		enqueue(t, s, outgoing("half", t0), outgoing("next", t0.Add(time.Second)))
		claim(t, s, "w", t0.Add(time.Minute))
		var row workflow.Outgoing
		set := bson.D{{Key: "status", Value: workflow.OutboxSent}, {Key: "sent_at", Value: t0.Add(time.Minute)}}
		if err := s.endSending(ctx, "half", "w", &row, set); err != nil {
			t.Fatalf("endSending() error: %v", err)
		}
		return &row
	}

	row := outgoing("half", t0)
	row.Status, row.Attempts, row.LeaseOwner, row.SentAt = workflow.OutboxSent, 1, "w", t0.Add(time.Minute)
	if _, err := s.registerKeys(ctx, []*workflow.Outgoing{&row}, t0); err != nil {
		t.Fatalf("registerKeys() error: %v", err)
	}
	if _, err := insertNew(ctx, s.outbox, []*workflow.Outgoing{&row}); err != nil {
		t.Fatalf("insert half sent row: %v", err)
	}
	enqueue(t, s, outgoing("next", t0.Add(time.Second)))
	if s.queue.loaded() {
		t.Fatal("queue loaded before the test wrote the half sent row")
	}
	return &row
}

// checkSentOnce checks that the listings show the row key once, as sent.
func checkSentOnce(t *testing.T, s *Store, key string) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.ListOutgoing(ctx, OutboxFilter{})
	if err != nil {
		t.Fatalf("ListOutgoing() error: %v", err)
	}
	var seen int
	for _, r := range rows {
		if r.Key == key {
			seen++
			if r.Status != workflow.OutboxSent {
				t.Errorf("ListOutgoing() row %s status = %s, want sent", key, r.Status)
			}
		}
	}
	if seen != 1 {
		t.Errorf("ListOutgoing() lists %s %d times, want once", key, seen)
	}

	var each []string
	if err := s.EachOutgoing(ctx, func(o *workflow.Outgoing) error { each = append(each, o.Key); return nil }); err != nil {
		t.Fatalf("EachOutgoing() error: %v", err)
	}
	if !slices.IsSorted(each) || slices.Index(each, key) < 0 || len(slices.Compact(slices.Clone(each))) != len(each) {
		t.Errorf("EachOutgoing() = %v, want keys in order, %s once", each, key)
	}

	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatalf("OutboxCounts() error: %v", err)
	}
	if counts[workflow.OutboxSent] != 1 {
		t.Errorf("OutboxCounts() = %v, want 1 sent", counts)
	}
}

// A client reads the outbox with the owner's log applied: a row the
// owner marked sent counts as sent before compaction archives it, and
// once after.
func TestClientCountsSentOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	enqueue(t, owner, outgoing("sent", t0), outgoing("failed", t0.Add(time.Second)), outgoing("waiting", t0.Add(time.Hour)))
	sendTo(t, owner, "sent", t0.Add(time.Minute))
	o := claim(t, owner, "w", t0.Add(time.Minute))
	if err := owner.MarkFailed(ctx, o.Key, "w", "550 no such user"); err != nil {
		t.Fatalf("MarkFailed() error: %v", err)
	}

	want := map[workflow.OutboxStatus]int{workflow.OutboxSent: 1, workflow.OutboxFailed: 1, workflow.OutboxPending: 1}
	for _, step := range []string{"before compaction", "after compaction"} {
		if step == "after compaction" {
			settle(t, owner)
		}
		for name, s := range map[string]*Store{"owner": owner, "client": client} {
			counts, err := s.OutboxCounts(ctx)
			if err != nil {
				t.Fatalf("%s OutboxCounts(%s) error: %v", name, step, err)
			}
			if !maps.Equal(counts, want) {
				t.Errorf("%s OutboxCounts(%s) = %v, want %v", name, step, counts, want)
			}
			rows, err := s.ListOutgoing(ctx, OutboxFilter{Status: workflow.OutboxFailed})
			if err != nil || len(rows) != 1 || rows[0].Key != "failed" || rows[0].LastError != "550 no such user" {
				t.Errorf("%s ListOutgoing(failed, %s) = %v, %v, want the failed row with its error", name, step, rows, err)
			}
		}
	}
	if n := countIn(t, client, collOutbox, bson.D{}); n != 2 {
		t.Errorf("outbox rows after compaction = %d, want 2", n)
	}
	if n := countIn(t, client, collOutboxLog, bson.D{}); n != 0 {
		t.Errorf("log entries after compaction = %d, want 0", n)
	}
}

func TestEachOutgoingMergesInKeyOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		enqueue(t, s, outgoing("b", t0), outgoing("d", t0.Add(time.Second)), outgoing("a", t0.Add(time.Hour)), outgoing("c", t0.Add(time.Hour)))
		sendTo(t, s, "b", t0.Add(time.Minute))
		sendTo(t, s, "d", t0.Add(time.Minute))

		var keys []string
		err := s.EachOutgoing(context.Background(), func(o *workflow.Outgoing) error {
			keys = append(keys, o.Key)
			return nil
		})
		if err != nil {
			t.Fatalf("EachOutgoing() error: %v", err)
		}
		if want := []string{"a", "b", "c", "d"}; !slices.Equal(keys, want) {
			t.Errorf("EachOutgoing() = %v, want %v", keys, want)
		}
	})
}

func TestImportOutgoingSplitsSent(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sent := outgoing("old", t0)
		sent.Status, sent.SentAt = workflow.OutboxSent, t0.Add(time.Minute)
		pending := outgoing("waiting", t0)
		pending.Status = workflow.OutboxPending
		n, err := s.ImportOutgoing(ctx, []*workflow.Outgoing{&sent, &pending})
		if err != nil || n != 2 {
			t.Fatalf("ImportOutgoing() = %d, %v, want 2", n, err)
		}

		tests := []struct {
			coll string
			want int64
		}{
			{collOutbox, 1},
			{collSent, 1},
			{collCappedSends, 1},
			{collOutboxKeys, 2},
		}
		for _, tt := range tests {
			if got := countIn(t, s, tt.coll, bson.D{}); got != tt.want {
				t.Errorf("%s after ImportOutgoing = %d documents, want %d", tt.coll, got, tt.want)
			}
		}
		if got, err := s.CountAutomaticSent(ctx, "budi@example.com", t0); err != nil || got != 1 {
			t.Errorf("CountAutomaticSent() after import = %d, %v, want 1", got, err)
		}
		enqueue(t, s, outgoing("old", t0))
		if o := claim(t, s, "w", t0.Add(time.Hour)); o.Key != "waiting" {
			t.Errorf("ClaimOutgoing() after import = %s, want waiting", o.Key)
		}
	})
}

// CountAutomaticSent deletes capped sends older than the longest window
// it was asked for.
func TestCountAutomaticSentPrunes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		docs := []cappedDoc{
			{Key: "old", To: "budi@example.com", At: testNow.Add(-72 * time.Hour)},
			{Key: "edge", To: "budi@example.com", At: testNow.Add(-24*time.Hour - 30*time.Minute)},
			{Key: "new", To: "budi@example.com", At: testNow.Add(-time.Hour)},
		}
		if _, err := insertNew(ctx, s.cappedSends, docs); err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name      string
			since     time.Time
			want      int
			wantStore int64
		}{
			{"one day", testNow.Add(-24 * time.Hour), 1, 2},
			{"shorter window keeps the rest", testNow.Add(-2 * time.Hour), 1, 2},
		}
		for _, st := range steps {
			got, err := s.CountAutomaticSent(ctx, "budi@example.com", st.since)
			if err != nil || got != st.want {
				t.Errorf("CountAutomaticSent(%s) = %d, %v, want %d", st.name, got, err, st.want)
			}
			if n := countIn(t, s, collCappedSends, bson.D{}); n != st.wantStore {
				t.Errorf("capped sends after %s = %d, want %d", st.name, n, st.wantStore)
			}
		}
	})
}

// Rows archived while the archive is counted are counted once, whether
// the count reads them or not.
func TestArchiveCountWithConcurrentArchiving(t *testing.T) {
	ctx := context.Background()
	s := openDataDir(t, t.TempDir())
	archive := func(key string) {
		t.Helper()
		row := outgoing(key, t0)
		row.Status = workflow.OutboxSent
		if err := s.insertArchived(ctx, []*workflow.Outgoing{&row}, nil); err != nil {
			t.Fatalf("insertArchived(%s) error: %v", key, err)
		}
	}
	archive("a")
	archive("b")

	m := s.sends
	m.beginCount()
	archive("c")
	archive("a")
	n, err := s.eachArchivedKey(ctx, m.markSeen)
	archive("d")
	if err := m.finishCount(n, err); err != nil {
		t.Fatalf("count error: %v", err)
	}
	archive("e")
	archive("b")

	got, err := s.archivedCount(ctx)
	if err != nil || got != 5 {
		t.Errorf("archivedCount() = %d, %v, want 5", got, err)
	}
	if n := countIn(t, s, collSent, bson.D{}); n != 5 {
		t.Errorf("archived rows = %d, want 5", n)
	}
}
