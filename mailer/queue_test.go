package mailer

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// memQueue is an in-memory outbox with the leasing rules the store
// implements: a claim counts an attempt and leases the row; a row whose
// lease expired may be claimed again.
type memQueue struct {
	mu   sync.Mutex
	rows map[string]*workflow.Outgoing
	// sentCapped records when capped rows were sent, per address.
	sentCapped map[string][]time.Time
}

func newMemQueue(rows ...*workflow.Outgoing) *memQueue {
	q := &memQueue{rows: make(map[string]*workflow.Outgoing), sentCapped: make(map[string][]time.Time)}
	for _, row := range rows {
		q.add(row)
	}
	return q
}

func (q *memQueue) add(row *workflow.Outgoing) {
	q.mu.Lock()
	defer q.mu.Unlock()
	copied := *row
	if copied.Status == "" {
		copied.Status = workflow.OutboxPending
	}
	q.rows[row.Key] = &copied
}

// row returns a copy of the stored row.
func (q *memQueue) row(key string) workflow.Outgoing {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.rows[key]
}

func (q *memQueue) count(status workflow.OutboxStatus) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, row := range q.rows {
		if row.Status == status {
			n++
		}
	}
	return n
}

func (q *memQueue) ClaimOutgoing(_ context.Context, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error) {
	q.mu.Lock()
	defer q.mu.Unlock()

	keys := make([]string, 0, len(q.rows))
	for key := range q.rows {
		keys = append(keys, key)
	}
	sort.Strings(keys)

	for _, key := range keys {
		row := q.rows[key]
		due := row.Status == workflow.OutboxPending && !row.NextAttempt.After(now)
		expired := row.Status == workflow.OutboxSending && row.LeaseUntil.Before(now)
		if !due && !expired {
			continue
		}
		row.Status = workflow.OutboxSending
		row.LeaseOwner = owner
		row.LeaseUntil = now.Add(lease)
		row.Attempts++
		copied := *row
		return &copied, nil
	}
	return nil, fmt.Errorf("claim: %w", workflow.ErrNotFound)
}

// leased returns the row if owner holds it.
func (q *memQueue) leased(key, owner string) (*workflow.Outgoing, error) {
	row, ok := q.rows[key]
	if !ok {
		return nil, fmt.Errorf("row %s: %w", key, workflow.ErrNotFound)
	}
	if row.Status != workflow.OutboxSending || row.LeaseOwner != owner {
		return nil, fmt.Errorf("row %s is not leased to %s", key, owner)
	}
	return row, nil
}

func (q *memQueue) MarkSent(_ context.Context, key, owner string, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	row, err := q.leased(key, owner)
	if err != nil {
		return err
	}
	row.Status = workflow.OutboxSent
	row.SentAt = at
	row.LeaseOwner = ""
	if row.Capped {
		q.sentCapped[row.To.Email] = append(q.sentCapped[row.To.Email], at)
	}
	return nil
}

func (q *memQueue) MarkRetry(_ context.Context, key, owner string, next time.Time, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	row, err := q.leased(key, owner)
	if err != nil {
		return err
	}
	row.Status = workflow.OutboxPending
	row.NextAttempt = next
	row.LastError = reason
	row.LeaseOwner = ""
	return nil
}

func (q *memQueue) MarkFailed(_ context.Context, key, owner string, reason string) error {
	return q.finish(key, owner, workflow.OutboxFailed, reason)
}

func (q *memQueue) MarkSuppressed(_ context.Context, key, owner string, reason string) error {
	return q.finish(key, owner, workflow.OutboxSuppressed, reason)
}

func (q *memQueue) finish(key, owner string, status workflow.OutboxStatus, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	row, err := q.leased(key, owner)
	if err != nil {
		return err
	}
	row.Status = status
	row.LastError = reason
	row.LeaseOwner = ""
	return nil
}

func (q *memQueue) CountAutomaticSent(_ context.Context, email string, since time.Time) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, at := range q.sentCapped[email] {
		if !at.Before(since) {
			n++
		}
	}
	return n, nil
}

func (q *memQueue) NextOutgoingAt(context.Context) (time.Time, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	found := false
	for _, row := range q.rows {
		if row.Status == workflow.OutboxPending && (!found || row.NextAttempt.Before(next)) {
			next, found = row.NextAttempt, true
		}
	}
	if !found {
		return time.Time{}, fmt.Errorf("next outgoing: %w", workflow.ErrNotFound)
	}
	return next, nil
}

// testClock is a settable clock for WorkerConfig.Now.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
