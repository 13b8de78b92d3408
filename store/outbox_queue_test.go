package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// settle runs rounds of compaction until none is left, on the Store that
// runs the embedded FerretDB, and does nothing on any other.
func settle(t *testing.T, s *Store) {
	t.Helper()
	if s.queue == nil {
		return
	}
	if err := s.compactAll(context.Background(), s.queue); err != nil {
		t.Fatalf("compactAll() error: %v", err)
	}
}

// benchFlush compacts what the benchmark left, as Close would.
func benchFlush(b *testing.B, s *Store) {
	if s.queue == nil {
		return
	}
	if err := s.compactAll(context.Background(), s.queue); err != nil {
		b.Fatalf("compactAll() error: %v", err)
	}
}

// benchCompactTime returns how long compaction has run in all.
func benchCompactTime(s *Store) time.Duration {
	if s.queue == nil {
		return 0
	}
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	return s.queue.compactTime
}

// crashStore is the Store that runs the embedded FerretDB of a data
// folder, which a test may stop as a crash would.
type crashStore struct {
	*Store
	crashed bool
}

// openCrashable opens the Store that runs the embedded FerretDB of dir,
// with the test clock. Its compaction runs only when the test runs it.
func openCrashable(t *testing.T, dir string) *crashStore {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(%s) error: %v", dir, err)
	}
	s.now = func() time.Time { return testNow }
	s.queue.manual = true
	c := &crashStore{Store: s}
	t.Cleanup(func() {
		if c.crashed {
			return
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close() error: %v", err)
		}
	})
	return c
}

// crash stops the Store without the flush of Close, keeping nothing of
// its memory: what is stored is what a SIGKILL at this moment leaves.
func (c *crashStore) crash(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c.crashed = true
	c.stop()
	c.loads.Wait()
	// The client's connections end with the server anyway.
	_ = c.client.Disconnect(ctx)
	if err := c.embedded.stop(ctx); err != nil {
		t.Fatalf("stop embedded ferretdb: %v", err)
	}
}

// wantRow is the state a row must have after a restart.
type wantRow struct {
	status    workflow.OutboxStatus
	attempts  int
	lastError string
}

// checkRows checks that ListOutgoing lists every row of want once, in
// its state, and nothing else.
func checkRows(t *testing.T, s *Store, step string, want map[string]wantRow) {
	t.Helper()
	rows, err := s.ListOutgoing(context.Background(), OutboxFilter{})
	if err != nil {
		t.Fatalf("ListOutgoing(%s) error: %v", step, err)
	}
	got := map[string]wantRow{}
	for _, r := range rows {
		if _, dup := got[r.Key]; dup {
			t.Errorf("ListOutgoing(%s) lists %s twice", step, r.Key)
		}
		got[r.Key] = wantRow{r.Status, r.Attempts, r.LastError}
	}
	if !maps.Equal(got, want) {
		t.Errorf("ListOutgoing(%s) = %v, want %v", step, got, want)
	}
}

// countsOf returns the number of rows of want in each status.
func countsOf(want map[string]wantRow) map[workflow.OutboxStatus]int {
	out := map[workflow.OutboxStatus]int{}
	for _, w := range want {
		out[w.status]++
	}
	return out
}

// claimAll claims every row due at now for owner and returns the keys in
// claim order.
func claimAll(t *testing.T, s *Store, owner string, now time.Time) []string {
	t.Helper()
	var keys []string
	for {
		o, err := s.ClaimOutgoing(context.Background(), owner, now, time.Minute)
		if errors.Is(err, ErrNotFound) {
			return keys
		}
		if err != nil {
			t.Fatalf("ClaimOutgoing() error: %v", err)
		}
		keys = append(keys, o.Key)
	}
}

// workerSteps are the steps of the outbox worker and the command line,
// in order, on rows a to d. rowsAfter[i] is the state of the rows once
// steps 0 to i ran.
var workerSteps = []struct {
	name string
	run  func(ctx context.Context, s *Store) error
}{
	{"enqueue", func(ctx context.Context, s *Store) error {
		return s.Enqueue(ctx, []workflow.Outgoing{outgoing("a", t0), outgoing("b", t0.Add(time.Second)), outgoing("c", t0.Add(2*time.Second)), outgoing("d", t0.Add(3*time.Second))})
	}},
	{"claim a", func(ctx context.Context, s *Store) error { return claimKey(ctx, s, "a") }},
	{"mark a sent", func(ctx context.Context, s *Store) error { return s.MarkSent(ctx, "a", "w", t0.Add(time.Minute)) }},
	{"claim b and retry", func(ctx context.Context, s *Store) error {
		if err := claimKey(ctx, s, "b"); err != nil {
			return err
		}
		return s.MarkRetry(ctx, "b", "w", t0.Add(10*time.Minute), "421 busy")
	}},
	{"claim c and fail", func(ctx context.Context, s *Store) error {
		if err := claimKey(ctx, s, "c"); err != nil {
			return err
		}
		return s.MarkFailed(ctx, "c", "w", "550 no such user")
	}},
	{"claim d", func(ctx context.Context, s *Store) error { return claimKey(ctx, s, "d") }},
	{"retry c", func(ctx context.Context, s *Store) error {
		_, err := s.RetryOutgoing(ctx, "c", t0.Add(5*time.Minute))
		return err
	}},
}

var rowsAfter = []map[string]wantRow{
	{"a": {workflow.OutboxPending, 0, ""}, "b": {workflow.OutboxPending, 0, ""}, "c": {workflow.OutboxPending, 0, ""}, "d": {workflow.OutboxPending, 0, ""}},
	{"a": {workflow.OutboxSending, 1, ""}, "b": {workflow.OutboxPending, 0, ""}, "c": {workflow.OutboxPending, 0, ""}, "d": {workflow.OutboxPending, 0, ""}},
	{"a": {workflow.OutboxSent, 1, ""}, "b": {workflow.OutboxPending, 0, ""}, "c": {workflow.OutboxPending, 0, ""}, "d": {workflow.OutboxPending, 0, ""}},
	{"a": {workflow.OutboxSent, 1, ""}, "b": {workflow.OutboxPending, 1, "421 busy"}, "c": {workflow.OutboxPending, 0, ""}, "d": {workflow.OutboxPending, 0, ""}},
	{"a": {workflow.OutboxSent, 1, ""}, "b": {workflow.OutboxPending, 1, "421 busy"}, "c": {workflow.OutboxFailed, 1, "550 no such user"}, "d": {workflow.OutboxPending, 0, ""}},
	{"a": {workflow.OutboxSent, 1, ""}, "b": {workflow.OutboxPending, 1, "421 busy"}, "c": {workflow.OutboxFailed, 1, "550 no such user"}, "d": {workflow.OutboxSending, 1, ""}},
	{"a": {workflow.OutboxSent, 1, ""}, "b": {workflow.OutboxPending, 1, "421 busy"}, "c": {workflow.OutboxPending, 0, "550 no such user"}, "d": {workflow.OutboxSending, 1, ""}},
}

// claimKey claims the next due row for owner w at t0 plus a minute and
// checks that it is key.
func claimKey(ctx context.Context, s *Store, key string) error {
	o, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Minute), time.Minute)
	if err != nil {
		return err
	}
	if o.Key != key {
		return fmt.Errorf("claimed %s, want %s", o.Key, key)
	}
	return nil
}

// A SIGKILL after any step of the worker loses no row and no change: the
// next start finds every row in the state the step left. A sent row is
// never claimed again, and a claimed row only once its lease ended.
func TestOutboxCrashAfterWorkerStep(t *testing.T) {
	for last, step := range workerSteps {
		t.Run(step.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s := openCrashable(t, dir)
			for _, st := range workerSteps[:last+1] {
				if err := st.run(ctx, s.Store); err != nil {
					t.Fatalf("step %s error: %v", st.name, err)
				}
			}
			s.crash(t)

			want := rowsAfter[last]
			s = openCrashable(t, dir)
			checkRows(t, s.Store, "after the restart", want)
			checkRestart(t, s.Store, want)
		})
	}
}

// checkRestart checks a store restarted with the rows of want: its
// counts, that a claim an hour later takes exactly the pending and
// sending rows, and that compaction then leaves the sent rows in the
// archive, the others in the outbox, and in the log only the claims of
// the rows being sent, which the outbox keeps as they were before.
func checkRestart(t *testing.T, s *Store, want map[string]wantRow) {
	t.Helper()
	ctx := context.Background()
	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatalf("OutboxCounts() error: %v", err)
	}
	if !maps.Equal(counts, countsOf(want)) {
		t.Errorf("OutboxCounts() after the restart = %v, want %v", counts, countsOf(want))
	}
	wantSent := 0
	if want["a"].status == workflow.OutboxSent {
		wantSent = 1
	}
	if n, err := s.CountAutomaticSent(ctx, "budi@example.com", t0); err != nil || n != wantSent {
		t.Errorf("CountAutomaticSent() after the restart = %d, %v, want %d", n, err, wantSent)
	}

	var wantClaims []string
	for key, w := range want {
		if w.status == workflow.OutboxPending || w.status == workflow.OutboxSending {
			wantClaims = append(wantClaims, key)
		}
	}
	slices.Sort(wantClaims)
	claimed := claimAll(t, s, "after", t0.Add(time.Hour))
	slices.Sort(claimed)
	if !slices.Equal(claimed, wantClaims) {
		t.Errorf("ClaimOutgoing() after the restart took %v, want %v", claimed, wantClaims)
	}

	settle(t, s)
	each := map[string]*workflow.Outgoing{}
	err = s.EachOutgoing(ctx, func(o *workflow.Outgoing) error {
		if _, dup := each[o.Key]; dup {
			t.Errorf("EachOutgoing() passes %s twice", o.Key)
		}
		each[o.Key] = o
		return nil
	})
	if err != nil {
		t.Fatalf("EachOutgoing() error: %v", err)
	}
	for key, w := range want {
		o := each[key]
		switch {
		case o == nil:
			t.Errorf("EachOutgoing() after compaction lacks %s", key)
		case slices.Contains(claimed, key) && o.Status != workflow.OutboxSending:
			t.Errorf("EachOutgoing() row %s, claimed, after compaction = %s, want sending", key, o.Status)
		case !slices.Contains(claimed, key) && (o.Status != w.status || o.Attempts != w.attempts || o.LastError != w.lastError):
			t.Errorf("EachOutgoing() row %s after compaction = %s, %d attempts, error %q, want %v", key, o.Status, o.Attempts, o.LastError, w)
		}
	}
	if n := countIn(t, s, collSent, bson.D{}); n != int64(wantSent) {
		t.Errorf("archived rows after compaction = %d, want %d", n, wantSent)
	}
	if n := countIn(t, s, collCappedSends, bson.D{}); n != int64(wantSent) {
		t.Errorf("capped sends after compaction = %d, want %d", n, wantSent)
	}
	if n := countIn(t, s, collOutbox, bson.D{}); n != int64(len(want)-wantSent) {
		t.Errorf("outbox rows after compaction = %d, want %d", n, len(want)-wantSent)
	}
	if n := countIn(t, s, collOutboxLog, bson.D{}); n != int64(len(claimed)) {
		t.Errorf("log entries after compaction = %d, want %d, the claims", n, len(claimed))
	}
}

// A SIGKILL after any step of a round of compaction loses no row and
// archives no row twice, and a replayed Enqueue of every row queues none
// again.
func TestOutboxCrashAfterCompactionStep(t *testing.T) {
	for steps := range 5 {
		t.Run(fmt.Sprintf("after %d steps", steps), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s := openCrashable(t, dir)
			for _, st := range workerSteps {
				if err := st.run(ctx, s.Store); err != nil {
					t.Fatalf("step %s error: %v", st.name, err)
				}
			}
			runRoundSteps(t, s.Store, steps)
			s.crash(t)

			want := rowsAfter[len(rowsAfter)-1]
			s = openCrashable(t, dir)
			replay := []workflow.Outgoing{outgoing("a", t0), outgoing("b", t0), outgoing("c", t0), outgoing("d", t0)}
			if err := s.Enqueue(ctx, replay); err != nil {
				t.Fatalf("Enqueue(replay) error: %v", err)
			}
			checkRows(t, s.Store, "after the restart", want)
			checkRestart(t, s.Store, want)
		})
	}
}

// runRoundSteps runs the first n steps of a round of compaction.
func runRoundSteps(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	q := s.queue
	q.compacting.Lock()
	defer q.compacting.Unlock()
	r, seq := q.pickRound()
	if err := buildRound(r, seq, s.now()); err != nil {
		t.Fatalf("buildRound() error: %v", err)
	}
	for i, step := range s.roundSteps(q, r)[:n] {
		if err := step(ctx); err != nil {
			t.Fatalf("compaction step %d error: %v", i+1, err)
		}
	}
}

// A round that fails after storing part of its work leaves the rows to
// the next round, which finishes it.
func TestOutboxCompactionRetriesAfterFailure(t *testing.T) {
	ctx := context.Background()
	s := openCrashable(t, t.TempDir())
	for _, st := range workerSteps {
		if err := st.run(ctx, s.Store); err != nil {
			t.Fatalf("step %s error: %v", st.name, err)
		}
	}
	q := s.queue
	for steps := 1; steps <= 3; steps++ {
		q.compacting.Lock()
		r, seq := q.pickRound()
		if err := buildRound(r, seq, s.now()); err != nil {
			t.Fatalf("buildRound() error: %v", err)
		}
		for _, step := range s.roundSteps(q, r)[:steps] {
			if err := step(ctx); err != nil {
				t.Fatalf("compaction step error: %v", err)
			}
		}
		q.endRound(r, time.Now(), errors.New("interrupted"))
		q.compacting.Unlock()
	}

	want := rowsAfter[len(rowsAfter)-1]
	checkRows(t, s.Store, "after failed rounds", want)
	checkRestart(t, s.Store, want)
}

// Close folds the log into the outbox and the archive, so that a reader
// of the collections, such as an export, finds the rows as they are,
// but for the claims of rows being sent.
func TestOutboxCloseFlushes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openCrashable(t, dir)
	for _, st := range workerSteps {
		if err := st.run(ctx, s.Store); err != nil {
			t.Fatalf("step %s error: %v", st.name, err)
		}
	}
	s.crashed = true
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close() error: %v", err)
	}

	s = openCrashable(t, dir)
	tests := []struct {
		coll string
		want int64
	}{
		{collOutbox, 3},
		{collSent, 1},
		{collCappedSends, 1},
		{collOutboxLog, 1},
	}
	for _, tt := range tests {
		if n := countIn(t, s.Store, tt.coll, bson.D{}); n != tt.want {
			t.Errorf("%s after Close = %d documents, want %d", tt.coll, n, tt.want)
		}
	}
	if s.queue.loaded() {
		t.Error("queue loaded by counting, want it untouched")
	}
	each := map[string]workflow.OutboxStatus{}
	err := s.EachOutgoing(ctx, func(o *workflow.Outgoing) error {
		each[o.Key] = o.Status
		return nil
	})
	if err != nil {
		t.Fatalf("EachOutgoing() error: %v", err)
	}
	for key, w := range rowsAfter[len(rowsAfter)-1] {
		// EachOutgoing applies the log, where a claim waits for its
		// outcome, so a row being sent reads as sending.
		if each[key] != w.status {
			t.Errorf("EachOutgoing() row %s after Close = %q, want %s", key, each[key], w.status)
		}
	}
}

// Rows a client Store queues reach the owner's queue, and a note whose
// client died before inserting its row is dropped once it expired.
func TestClientEnqueueReachesOwner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openCrashable(t, dir)
	client := openDataDir(t, dir)
	enqueue(t, owner.Store, outgoing("owner-row", t0.Add(time.Hour)))
	if _, err := owner.NextOutgoingAt(ctx); err != nil {
		t.Fatalf("NextOutgoingAt() error: %v", err)
	}

	enqueue(t, client, outgoing("manual:1#ack", t0))
	ghost := outgoing("manual:2#ack", t0)
	if err := client.noteQueued(ctx, []*workflow.Outgoing{&ghost}); err != nil {
		t.Fatalf("noteQueued() error: %v", err)
	}
	if got := claimAll(t, owner.Store, "w", t0.Add(time.Minute)); !slices.Equal(got, []string{"manual:1#ack"}) {
		t.Errorf("owner ClaimOutgoing() after a client queued a row = %v, want [manual:1#ack]", got)
	}
	if n := countIn(t, owner.Store, collOutboxNotes, bson.D{}); n != 1 {
		t.Errorf("outbox notes after the owner read them = %d, want the note of the missing row", n)
	}

	owner.now = func() time.Time { return testNow.Add(2 * outboxNoteExpiry) }
	owner.queue.noteChecks = map[string]time.Time{}
	if err := owner.pollNotes(ctx, owner.queue, true); err != nil {
		t.Fatalf("pollNotes() error: %v", err)
	}
	if n := countIn(t, owner.Store, collOutboxNotes, bson.D{}); n != 0 {
		t.Errorf("outbox notes after the note expired = %d, want 0", n)
	}
}

// A purge that deletes rows from the outbox makes the owner load its
// queue again, so that it neither lists nor claims them.
func TestOutboxQueueReloadsAfterInvalidate(t *testing.T) {
	ctx := context.Background()
	s := openCrashable(t, t.TempDir())
	enqueue(t, s.Store, outgoing("kept", t0), outgoing("purged", t0))
	checkRows(t, s.Store, "before", map[string]wantRow{"kept": {workflow.OutboxPending, 0, ""}, "purged": {workflow.OutboxPending, 0, ""}})
	o := claim(t, s.Store, "w", t0)

	if _, err := s.deleteIDs(ctx, s.outbox, []string{"purged"}); err != nil {
		t.Fatalf("delete row: %v", err)
	}
	s.sends.invalidate()
	if o.Key == "purged" {
		if err := s.MarkSent(ctx, "purged", "w", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("MarkSent(purged row) error = %v, want ErrNotFound", err)
		}
		checkRows(t, s.Store, "after the purge", map[string]wantRow{"kept": {workflow.OutboxPending, 0, ""}})
		return
	}
	checkRows(t, s.Store, "after the purge", map[string]wantRow{"kept": {workflow.OutboxSending, 1, ""}})
	if err := s.MarkSent(ctx, "kept", "w", t0); err != nil {
		t.Errorf("MarkSent(row claimed before the reload) error: %v", err)
	}
}

// Claims that run at once on the Store that runs the embedded FerretDB
// never get the same row.
func TestOwnerClaimRace(t *testing.T) {
	ctx := context.Background()
	s := openDataDir(t, t.TempDir())
	const rows, claimers = 48, 6
	var mails []workflow.Outgoing
	for i := range rows {
		mails = append(mails, outgoing(fmt.Sprintf("row-%02d", i), t0))
	}
	enqueue(t, s, mails...)

	var mu sync.Mutex
	claimed := map[string][]string{}
	var wg sync.WaitGroup
	for c := range claimers {
		owner := fmt.Sprintf("w%d", c)
		wg.Go(func() {
			for {
				o, err := s.ClaimOutgoing(ctx, owner, t0.Add(time.Second), time.Hour)
				if errors.Is(err, ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("ClaimOutgoing(%s) error: %v", owner, err)
					return
				}
				if err := s.MarkSent(ctx, o.Key, owner, t0.Add(time.Second)); err != nil {
					t.Errorf("MarkSent(%s, %s) error: %v", o.Key, owner, err)
				}
				mu.Lock()
				claimed[o.Key] = append(claimed[o.Key], owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	if len(claimed) != rows {
		t.Errorf("ClaimOutgoing() by %d claimers took %d distinct rows, want %d", claimers, len(claimed), rows)
	}
	for key, owners := range claimed {
		if len(owners) != 1 {
			t.Errorf("ClaimOutgoing() gave row %s to %v, want one owner", key, owners)
		}
	}
	settle(t, s)
	if n := countIn(t, s, collSent, bson.D{}); n != rows {
		t.Errorf("archived rows = %d, want %d", n, rows)
	}
}
