package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// This file holds the Queue methods of the Store that runs the embedded
// FerretDB: each changes the row in memory and stores the change with
// one insert into the log. outbox_queue.go describes the design.

// claimQueued is ClaimOutgoing on the owner. When nothing is due it reads
// the notes of client Stores at once and tries again, because a row
// queued or a retry requested from the command line may be due.
func (s *Store) claimQueued(ctx context.Context, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error) {
	q, err := s.readyQueue(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim outgoing: %w", err)
	}
	for round := range 2 {
		o, err := changeQueue(ctx, s, func(q *outboxQueue) (*workflow.Outgoing, error) {
			return s.claimEntry(ctx, q, owner, now, lease)
		})
		if err != nil || o != nil {
			return o, err
		}
		if round == 0 {
			if err := s.pollNotes(ctx, q, true); err != nil {
				return nil, fmt.Errorf("claim outgoing: %w", err)
			}
		}
	}
	return nil, fmt.Errorf("claim outgoing: no row due: %w", ErrNotFound)
}

// claimEntry leases the due row to owner and stores the claim in the log.
// It returns nil when no row is due.
func (s *Store) claimEntry(ctx context.Context, q *outboxQueue, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error) {
	q.mu.Lock()
	e := q.due(now)
	if e == nil {
		q.mu.Unlock()
		return nil, nil
	}
	prev := e.state
	next := prev
	next.Status, next.Attempts = workflow.OutboxSending, prev.Attempts+1
	next.LeaseOwner, next.LeaseUntil = owner, now.Add(lease)
	seq := q.change(e, next)
	next = e.state
	q.mu.Unlock()

	if err := s.writeLog(ctx, []logDoc{changeDoc(seq, e.key, next, s.now())}); err != nil {
		q.undo(e, seq, prev)
		return nil, fmt.Errorf("claim outgoing %s: %w", e.key, err)
	}
	q.stored(e, seq)
	return e.outgoing(next)
}

// markQueued is a Mark method on the owner: it applies set to the row
// key if the row is sending and leased to owner, and stores the new
// state in the log. It returns an error wrapping ErrConflict when the
// row is in another state or leased to another owner, or was sent, and
// one wrapping ErrNotFound when no row has key.
func (s *Store) markQueued(ctx context.Context, key, owner string, set func(*rowState)) error {
	_, err := changeQueue(ctx, s, func(q *outboxQueue) (struct{}, error) {
		return struct{}{}, s.markEntry(ctx, q, key, owner, set)
	})
	return err
}

func (s *Store) markEntry(ctx context.Context, q *outboxQueue, key, owner string, set func(*rowState)) error {
	q.mu.Lock()
	e := q.entries[key]
	if e == nil {
		q.mu.Unlock()
		return s.notFoundOrSent(ctx, key, fmt.Errorf("outbox %s: %w", key, ErrNotFound))
	}
	prev := e.state
	if prev.Status != workflow.OutboxSending || prev.LeaseOwner != owner {
		q.mu.Unlock()
		return fmt.Errorf("outbox row %s is %s and leased to %q, not to %q: %w", key, prev.Status, prev.LeaseOwner, owner, ErrConflict)
	}
	next := prev
	next.LeaseUntil = time.Time{}
	set(&next)
	seq := q.change(e, next)
	next = e.state
	q.mu.Unlock()

	if err := s.writeLog(ctx, []logDoc{changeDoc(seq, key, next, s.now())}); err != nil {
		q.undo(e, seq, prev)
		return fmt.Errorf("update outbox row %s: %w", key, err)
	}
	q.stored(e, seq)
	if next.Status == workflow.OutboxSent && e.capped {
		s.sends.add(cappedDoc{Key: key, To: e.to, At: next.SentAt})
	}
	if next.Status != workflow.OutboxPending {
		q.wake()
	}
	return nil
}

// retryQueued makes failed rows pending again, due at now, with Attempts
// reset to 0: the row key, which may also be suppressed, or every failed
// row when key is empty. It stores the changes in the log with one
// insert and returns how many rows it changed. For a named row in
// another status it returns an error wrapping ErrConflict, and for an
// unknown key one wrapping ErrNotFound.
func (s *Store) retryQueued(ctx context.Context, key string, now time.Time) (int, error) {
	return changeQueue(ctx, s, func(q *outboxQueue) (int, error) {
		return s.retryEntries(ctx, q, key, now)
	})
}

func (s *Store) retryEntries(ctx context.Context, q *outboxQueue, key string, now time.Time) (int, error) {
	q.mu.Lock()
	picked, err := q.retryable(key)
	if err != nil {
		q.mu.Unlock()
		if errors.Is(err, ErrNotFound) {
			err = s.notFoundOrSent(ctx, key, err)
		}
		return 0, err
	}
	prevs := make([]rowState, len(picked))
	docs := make([]logDoc, len(picked))
	for i, e := range picked {
		prevs[i] = e.state
		next := e.state
		next.Status, next.NextAttempt, next.Attempts, next.LeaseUntil = workflow.OutboxPending, now, 0, time.Time{}
		seq := q.change(e, next)
		docs[i] = changeDoc(seq, e.key, e.state, s.now())
	}
	q.mu.Unlock()

	if err := s.writeLog(ctx, docs); err != nil {
		for i, e := range picked {
			q.undo(e, docs[i].Seq, prevs[i])
		}
		return 0, fmt.Errorf("retry outgoing: %w", err)
	}
	for i, e := range picked {
		q.stored(e, docs[i].Seq)
	}
	return len(picked), nil
}

// retryable returns the rows RetryOutgoing changes for key. The caller
// holds mu.
func (q *outboxQueue) retryable(key string) ([]*queueEntry, error) {
	if key == "" {
		var out []*queueEntry
		for _, e := range q.entries {
			if e.state.Status == workflow.OutboxFailed {
				out = append(out, e)
			}
		}
		return out, nil
	}
	e := q.entries[key]
	if e == nil {
		return nil, fmt.Errorf("outbox %s: %w", key, ErrNotFound)
	}
	if st := e.state.Status; st != workflow.OutboxFailed && st != workflow.OutboxSuppressed {
		return nil, fmt.Errorf("retry outgoing %s: status is %s, not failed or suppressed: %w", key, st, ErrConflict)
	}
	return []*queueEntry{e}, nil
}

// enqueueQueued adds rows that Enqueue just stored to the owner's queue.
func (s *Store) enqueueQueued(rows []*workflow.Outgoing) error {
	if s.queue == nil || len(rows) == 0 {
		return nil
	}
	entries := make([]*queueEntry, len(rows))
	for i, r := range rows {
		e, err := entryOf(r)
		if err != nil {
			return err
		}
		entries[i] = e
	}
	s.queue.add(entries)
	return nil
}

// nextQueued is NextOutgoingAt on the owner.
func (s *Store) nextQueued(ctx context.Context) (time.Time, error) {
	q, err := s.readyQueue(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read next outgoing time: %w", err)
	}
	return q.nextDue(), nil
}

// listQueued is the live part of ListOutgoing on the owner.
func (s *Store) listQueued(ctx context.Context, f OutboxFilter) ([]*workflow.Outgoing, error) {
	q, err := s.readyQueue(ctx)
	if err != nil {
		return nil, fmt.Errorf("list outgoing: %w", err)
	}
	q.mu.Lock()
	picked := map[string]*queueEntry{}
	states := map[*queueEntry]rowState{}
	for key, e := range q.entries {
		if f.Ticket == "" || e.ticket == f.Ticket {
			picked[key], states[e] = e, e.state
		}
	}
	q.mu.Unlock()

	var out []*workflow.Outgoing
	for _, e := range picked {
		st := states[e]
		if f.Status != "" && st.Status != f.Status {
			continue
		}
		o, err := e.outgoing(st)
		if err != nil {
			return nil, fmt.Errorf("list outgoing: %w", err)
		}
		out = append(out, o)
	}
	return out, nil
}

// countQueued is OutboxCounts on the owner: the rows in memory by
// status, and the archive, whose size memory keeps too. A sent row in
// memory counts only until compaction archived it, and both counts are
// read under the lock that archiving holds, so that it counts once.
func (s *Store) countQueued(ctx context.Context) (map[workflow.OutboxStatus]int, error) {
	q, err := s.readyQueue(ctx)
	if err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	counts := map[workflow.OutboxStatus]int{}
	err = s.withArchivedCount(ctx, func(archived int) {
		counts[workflow.OutboxSent] = archived
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, e := range q.entries {
			if status, ok := e.countedStatus(); ok {
				counts[status]++
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("count sent outbox rows: %w", err)
	}
	return positive(counts), nil
}
