package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// A client Store shares the outbox with the owner but not its memory. It
// notes in outbox_notes the rows it queues, before it inserts them, and
// the retries it requests, which it does not apply itself. The owner
// reads the notes every outboxNotePoll, and whenever a claim finds
// nothing due, adds the noted rows to its queue, applies the retries,
// and deletes the notes. A note of a row that is not stored, because its
// client died in between, is kept for outboxNoteExpiry and read again at
// most every outboxNoteRecheck, since reading a missing row reads the
// whole outbox.

// collOutboxNotes lists the rows and retries client Stores noted for the
// owner's queue.
const collOutboxNotes = "outbox_notes"

// Timing of the notes.
const (
	outboxNotePoll    = time.Second
	outboxNoteRecheck = 10 * time.Second
	outboxNoteExpiry  = time.Minute
)

// outboxNote is a row queued by a client Store, or with Retry set a
// retry it requested: of the row Key, or of every failed row when Key
// is empty, due at Next.
type outboxNote struct {
	ID    string    `bson:"_id"`
	Key   string    `bson:"key"`
	Retry bool      `bson:"retry,omitempty"`
	Next  time.Time `bson:"next,omitempty"`
	At    time.Time `bson:"at"`
}

func (s *Store) outboxNotes() *mongo.Collection { return s.db.Collection(collOutboxNotes) }

// noteQueued notes rows a client Store is about to insert.
func (s *Store) noteQueued(ctx context.Context, rows []*workflow.Outgoing) error {
	now := s.now()
	notes := make([]outboxNote, len(rows))
	for i, r := range rows {
		notes[i] = outboxNote{ID: "queued/" + r.Key, Key: r.Key, At: now}
	}
	if _, err := insertNew(ctx, s.outboxNotes(), notes); err != nil {
		return fmt.Errorf("note outbox rows for the owner: %w", err)
	}
	return nil
}

// noteRetry notes a retry for the owner to apply.
func (s *Store) noteRetry(ctx context.Context, key string, next time.Time) error {
	now := s.now()
	n := outboxNote{ID: "retry/" + key + "/" + strconv.FormatInt(time.Now().UnixNano(), 36), Key: key, Retry: true, Next: next, At: now}
	if _, err := insertNew(ctx, s.outboxNotes(), []outboxNote{n}); err != nil {
		return fmt.Errorf("note outbox retry for the owner: %w", err)
	}
	return nil
}

// pollNotes reads the notes when outboxNotePoll has passed since the last
// read, unless compaction or a load runs, which may take seconds: the
// next poll comes soon. With force set it reads them at once, after
// waiting for compaction or a load to end.
func (s *Store) pollNotes(ctx context.Context, q *outboxQueue, force bool) error {
	q.mu.Lock()
	due := force || time.Since(q.notesAt) >= outboxNotePoll
	q.mu.Unlock()
	switch {
	case force:
		q.compacting.Lock()
	case !due || !q.compacting.TryLock():
		return nil
	}
	defer q.compacting.Unlock()
	if !q.loaded() {
		return nil
	}
	q.mu.Lock()
	q.notesAt = time.Now()
	q.mu.Unlock()

	notes, err := findAll[outboxNote](ctx, s.outboxNotes(), bson.D{})
	if err != nil || len(notes) == 0 {
		return wrapIf("read outbox notes", err)
	}
	done, err := s.applyQueuedNotes(ctx, q, notes)
	if err != nil {
		return err
	}
	retried, err := s.applyRetryNotes(ctx, q, notes)
	if err != nil {
		return err
	}
	if _, err := s.deleteIDs(ctx, s.outboxNotes(), append(done, retried...)); err != nil {
		return fmt.Errorf("delete outbox notes: %w", err)
	}
	return nil
}

// applyQueuedNotes adds the noted rows that the queue lacks and returns
// the ids of the notes it is done with: those of rows in the queue and
// those expired. The caller holds compacting, so no row leaves the
// outbox meanwhile.
func (s *Store) applyQueuedNotes(ctx context.Context, q *outboxQueue, notes []outboxNote) ([]string, error) {
	var done, missing []string
	byKey := map[string]outboxNote{}
	for _, n := range notes {
		switch {
		case n.Retry:
		case q.holds(n.Key):
			done = append(done, n.ID)
		case q.recheckDue(n.Key):
			missing = append(missing, n.Key)
			byKey[n.Key] = n
		}
	}
	if len(missing) == 0 {
		return done, nil
	}

	docs, err := findByIDs[bson.Raw](ctx, s, s.outbox, missing, nil)
	if err != nil {
		return nil, fmt.Errorf("read noted outbox rows: %w", err)
	}
	var found []*queueEntry
	for _, d := range docs {
		e, err := newQueueEntry(d)
		if err != nil {
			return nil, err
		}
		found = append(found, e)
		done = append(done, byKey[e.key].ID)
		delete(byKey, e.key)
		q.forgetCheck(e.key)
	}
	q.add(found)
	now := s.now()
	for key, n := range byKey {
		if now.Sub(n.At) > outboxNoteExpiry {
			done = append(done, n.ID)
			q.forgetCheck(key)
		}
	}
	return done, nil
}

// applyRetryNotes applies the noted retries and returns their ids. A
// retry of a row that is gone or no longer failed or suppressed is
// dropped: the client reported it as done, and the row's state is what
// counts now. It stops, keeping the notes, when a load began, which
// waits for the caller's hold of compacting.
func (s *Store) applyRetryNotes(ctx context.Context, q *outboxQueue, notes []outboxNote) ([]string, error) {
	var done []string
	for _, n := range notes {
		if !n.Retry {
			continue
		}
		q.changes.RLock()
		if !q.loaded() {
			q.changes.RUnlock()
			break
		}
		_, err := s.retryEntries(ctx, q, n.Key, n.Next)
		q.changes.RUnlock()
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrConflict) {
			return nil, err
		}
		done = append(done, n.ID)
	}
	return done, nil
}

// recheckDue reports whether the missing noted row key may be read
// again, and records the read.
func (q *outboxQueue) recheckDue(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if at, ok := q.noteChecks[key]; ok && time.Since(at) < outboxNoteRecheck {
		return false
	}
	q.noteChecks[key] = time.Now()
	return true
}

func (q *outboxQueue) forgetCheck(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.noteChecks, key)
}
