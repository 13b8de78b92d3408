package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// Compaction folds the log into the outbox and the archive, so that the
// readers of those collections, such as an export or a purge, find the
// rows as memory has them, and so that the log stays small. A round
//
//  1. inserts the sent rows into the archive, with their capped sends,
//     and a marker for each into the log;
//  2. deletes the sent rows from the outbox, with one deleteMany;
//  3. updates, by _id, up to compactUpdates rows whose state changed,
//     failed and suppressed ones first;
//  4. deletes the log entries it folded in, and of every other row all
//     changes but the latest, with one deleteMany.
//
// A sending row keeps its claim in the log until the outcome. A crash or
// an error at any step leaves every row in the outbox or in the archive,
// and every change not folded in in the log. So the next load finds the
// rows as memory had them, and the next round repeats what is left, its
// inserts skipping what exists.
//
// On FerretDB step 2 reads the whole outbox, whether it deletes one key
// or thousands, and each update of step 3 reads the table up to the row:
// those reads are the cost of a round. Rounds therefore wait compactIdle
// times as long as the last one took, at least compactGap. Compaction
// then takes at most about a tenth of the time, and one read serves
// every row sent meanwhile, up to compactMax.

// Compaction pacing and batch sizes.
const (
	compactGap     = time.Second
	compactIdle    = 9
	compactMax     = 5000
	compactUpdates = 20
)

// compactRound is the work of one round of compaction.
type compactRound struct {
	// sent and sentRows are the sent rows, as they were when picked.
	sent     []roundPick
	sentRows []*workflow.Outgoing
	markers  []logDoc
	// folds are the rows step 3 updates.
	folds []roundPick
	// pruned lists the superseded changes of the other rows, and dead
	// the entries about rows that are gone.
	pruned, dead []int64
}

// roundPick is a row a round handles, with what the round needs of its
// entry as it was when picked.
type roundPick struct {
	e        *queueEntry
	state    rowState
	logged   []int64
	archived bool
	marker   int64
}

func pickOf(e *queueEntry) roundPick {
	return roundPick{e, e.state, slices.Clone(e.logged), e.archived, e.marker}
}

// startCompactor starts the compactor of q unless it runs. It is called
// from a load, which runs under the Store's loads group, so Close waits
// for the compactor too.
func (s *Store) startCompactor(q *outboxQueue) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return
	}
	q.started = true
	s.loads.Add(1)
	go func() {
		defer s.loads.Done()
		s.runCompactor(s.life, q)
	}()
}

// runCompactor compacts the queue when it has work and its pacing
// allows, and reads the notes of client Stores every outboxNotePoll,
// until ctx ends.
func (s *Store) runCompactor(ctx context.Context, q *outboxQueue) {
	tick := time.NewTicker(outboxNotePoll)
	defer tick.Stop()
	timer := time.NewTimer(0)
	<-timer.C
	armed := false

	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-tick.C:
			if err := s.pollNotes(ctx, q, false); err != nil && ctx.Err() == nil {
				s.log.Warn("read outbox notes failed; the next poll retries", "error", err)
			}
		case <-q.kick:
		case <-timer.C:
			armed = false
			if _, err := s.compactOutbox(ctx, q); err != nil && ctx.Err() == nil {
				s.log.Warn("outbox compaction failed; a later round retries", "error", err, "failures", q.failureCount())
			}
		}
		if !armed && !q.isManual() && q.hasWork() {
			timer.Reset(q.untilNextRound(time.Now()))
			armed = true
		}
	}
}

// isManual reports whether a test runs the rounds of compaction itself.
func (q *outboxQueue) isManual() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.manual
}

// hasWork reports whether a round of compaction would find work.
func (q *outboxQueue) hasWork() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != queueLoaded {
		return false
	}
	if len(q.dead) > 0 {
		return true
	}
	for _, e := range q.entries {
		if e.state.Status == workflow.OutboxSent || e.foldable() || len(e.superseded()) > 0 {
			return true
		}
	}
	return false
}

// untilNextRound returns how long the next round waits after the last:
// compactIdle times as long as the last took, at least compactGap, and
// doubled for each failure in a row, up to 64 times.
func (q *outboxQueue) untilNextRound(now time.Time) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	pause := max(compactGap, compactIdle*q.lastTook) << min(q.failures, 6)
	return max(0, q.lastEnd.Add(pause).Sub(now))
}

func (q *outboxQueue) failureCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failures
}

// flushOutbox compacts until nothing is left to compact, so that the
// outbox and the archive hold what memory does, as Close needs. It uses
// at most half of the time ctx has left, and logs a failure instead of
// returning it: the log keeps what the flush did not fold in, and the
// next load finds it.
func (s *Store) flushOutbox(ctx context.Context) {
	q := s.queue
	if q == nil || !q.loaded() {
		return
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
		defer cancel()
	}
	if err := s.compactAll(ctx, q); err != nil {
		s.log.Warn("flush outbox on close failed; the next start folds the rest of the log in", "error", err)
	}
}

// compactAll runs rounds of compaction until one finds nothing to do.
func (s *Store) compactAll(ctx context.Context, q *outboxQueue) error {
	for {
		n, err := s.compactOutbox(ctx, q)
		if err != nil {
			return fmt.Errorf("flush outbox: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// compactOutbox runs one round of compaction and returns how many rows
// and log entries it handled.
func (s *Store) compactOutbox(ctx context.Context, q *outboxQueue) (int, error) {
	q.compacting.Lock()
	defer q.compacting.Unlock()
	start := time.Now()
	r, seq := q.pickRound()
	if r.empty() {
		return 0, nil
	}
	err := buildRound(r, seq, s.now())
	if err == nil {
		err = s.runRound(ctx, q, r)
	}
	q.endRound(r, start, err)
	if err != nil {
		return 0, err
	}
	return len(r.sent) + len(r.folds) + len(r.pruned) + len(r.dead), nil
}

func (r *compactRound) empty() bool {
	return len(r.sent) == 0 && len(r.folds) == 0 && len(r.pruned) == 0 && len(r.dead) == 0
}

// pickRound picks the work of a round: up to compactMax sent rows, up to
// compactUpdates changed rows, failed and suppressed ones first and then
// those changed longest ago, and the log entries to prune. It reserves
// log entry ids for the markers of the sent rows, from seq on.
func (q *outboxQueue) pickRound() (r *compactRound, seq int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r = &compactRound{}
	if q.state != queueLoaded {
		return r, 0
	}
	var changed []*queueEntry
	for _, e := range q.entries {
		switch {
		case e.state.Status == workflow.OutboxSent && e.settled() && len(r.sent) < compactMax:
			r.sent = append(r.sent, pickOf(e))
		case e.foldable():
			changed = append(changed, e)
		default:
			r.pruned = append(r.pruned, e.superseded()...)
		}
	}
	slices.SortFunc(changed, func(a, b *queueEntry) int {
		return cmp.Or(cmp.Compare(foldRank(a), foldRank(b)), cmp.Compare(a.lastSeq, b.lastSeq))
	})
	for i, e := range changed {
		if i < compactUpdates {
			r.folds = append(r.folds, pickOf(e))
		} else {
			r.pruned = append(r.pruned, e.superseded()...)
		}
	}
	r.dead = slices.Clone(q.dead)

	seq = q.seq + 1
	for _, p := range r.sent {
		if !p.archived {
			q.seq++
		}
	}
	return r, seq
}

// foldRank orders the changed rows for folding: failed and suppressed
// rows, which a purge or an export takes as they are stored, first.
func foldRank(e *queueEntry) int {
	if e.state.Status == workflow.OutboxFailed || e.state.Status == workflow.OutboxSuppressed {
		return 0
	}
	return 1
}

// buildRound decodes the sent rows and builds their markers, numbered
// from seq on. It reads what pickRound copied and the entries'
// documents, which never change, so it runs without mu.
func buildRound(r *compactRound, seq int64, now time.Time) error {
	for _, p := range r.sent {
		row, err := p.e.outgoing(p.state)
		if err != nil {
			return err
		}
		r.sentRows = append(r.sentRows, row)
		if !p.archived {
			r.markers = append(r.markers, logDoc{Seq: seq, Key: p.e.key, Archived: true, At: now})
			seq++
		}
	}
	return nil
}

// runRound stores the round: the four steps described at the top of the
// file.
func (s *Store) runRound(ctx context.Context, q *outboxQueue, r *compactRound) error {
	for _, step := range s.roundSteps(q, r) {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// roundSteps returns the four steps of the round r, in order.
func (s *Store) roundSteps(q *outboxQueue, r *compactRound) []func(context.Context) error {
	return []func(context.Context) error{
		func(ctx context.Context) error { return s.archiveRound(ctx, q, r) },
		func(ctx context.Context) error { return s.deleteSentRows(ctx, r) },
		func(ctx context.Context) error { return s.updateRows(ctx, r) },
		func(ctx context.Context) error { return s.deleteLogEntries(ctx, r) },
	}
}

// archiveRound inserts the round's sent rows into the archive, counts
// them and marks their entries archived, then records their capped sends
// and inserts the markers.
func (s *Store) archiveRound(ctx context.Context, q *outboxQueue, r *compactRound) error {
	if len(r.sent) == 0 {
		return nil
	}
	err := s.insertArchived(ctx, r.sentRows, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, p := range r.sent {
			p.e.archived = true
		}
		for _, d := range r.markers {
			if e := q.entries[d.Key]; e != nil {
				e.marker = d.Seq
			}
		}
	})
	if err != nil {
		return err
	}

	var capped []*workflow.Outgoing
	for _, row := range r.sentRows {
		if row.Capped {
			capped = append(capped, row)
		}
	}
	if err := s.recordCapped(ctx, capped); err != nil {
		return err
	}
	return s.writeLog(ctx, r.markers)
}

// deleteSentRows deletes the round's sent rows from the outbox.
func (s *Store) deleteSentRows(ctx context.Context, r *compactRound) error {
	keys := make([]string, len(r.sent))
	for i, p := range r.sent {
		keys[i] = p.e.key
	}
	if _, err := s.deleteIDs(ctx, s.outbox, keys); err != nil {
		return fmt.Errorf("delete archived outbox rows: %w", err)
	}
	return nil
}

// updateRows stores the state of the round's changed rows. A row that a
// purge deleted meanwhile stays deleted.
func (s *Store) updateRows(ctx context.Context, r *compactRound) error {
	for _, p := range r.folds {
		st := p.state
		update := bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: st.Status},
			{Key: "attempts", Value: st.Attempts},
			{Key: "next_attempt", Value: st.NextAttempt},
			{Key: "lease_owner", Value: st.LeaseOwner},
			{Key: "lease_until", Value: st.LeaseUntil},
			{Key: "last_error", Value: st.LastError},
		}}}
		if _, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: p.e.key}}, update); err != nil {
			return fmt.Errorf("update outbox row %s: %w", p.e.key, err)
		}
	}
	return nil
}

// deleteLogEntries deletes the log entries the round folded in: the
// changes and markers of its sent rows, the changes of its updated rows
// as they were when picked, the pruned changes and the dead entries.
func (s *Store) deleteLogEntries(ctx context.Context, r *compactRound) error {
	ids := slices.Concat(r.pruned, r.dead)
	for _, p := range r.sent {
		ids = append(ids, p.logged...)
		if p.marker != 0 {
			ids = append(ids, p.marker)
		}
	}
	for _, d := range r.markers {
		ids = append(ids, d.Seq)
	}
	for _, p := range r.folds {
		ids = append(ids, p.logged...)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.outboxLog().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("delete folded outbox log entries: %w", err)
	}
	return nil
}

// endRound records the round's result in memory. After success its sent
// rows leave the queue, and the other rows forget the log entries it
// deleted. After a failure the rows stay as they are, for the next round.
func (q *outboxQueue) endRound(r *compactRound, start time.Time, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lastEnd, q.lastTook = time.Now(), time.Since(start)
	q.compactTime += q.lastTook
	if err != nil {
		q.failures++
		return
	}
	q.failures = 0
	if q.state != queueLoaded {
		return
	}

	deleted := map[int64]bool{}
	for _, id := range slices.Concat(r.pruned, r.dead) {
		deleted[id] = true
	}
	for _, p := range r.folds {
		for _, id := range p.logged {
			deleted[id] = true
		}
	}
	for _, p := range r.sent {
		q.drop(p.e)
	}
	for _, e := range q.entries {
		e.logged = slices.DeleteFunc(e.logged, func(id int64) bool { return deleted[id] })
	}
	q.dead = slices.DeleteFunc(q.dead, func(id int64) bool { return deleted[id] })
}
