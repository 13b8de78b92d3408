package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// readyQueue returns the owner's queue, loaded, or nil on any other
// Store, which reads and writes the outbox in the database.
func (s *Store) readyQueue(ctx context.Context) (*outboxQueue, error) {
	q := s.queue
	if q == nil {
		return nil, nil
	}
	load := func(ctx context.Context) error { return s.loadQueue(ctx, q) }
	if err := s.await(ctx, &q.load, q.loaded, load); err != nil {
		return nil, fmt.Errorf("load outbox queue: %w", err)
	}
	return q, nil
}

// changeQueue runs change on the loaded queue under its change lock, so
// that no load starts before the log entry of the change is stored.
func changeQueue[T any](ctx context.Context, s *Store, change func(q *outboxQueue) (T, error)) (T, error) {
	for {
		q, err := s.readyQueue(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		q.changes.RLock()
		if !q.loaded() {
			// A load began after readyQueue returned.
			q.changes.RUnlock()
			continue
		}
		v, err := change(q)
		q.changes.RUnlock()
		return v, err
	}
}

// loadQueue builds the queue from one read of the outbox and of the log.
// Rows queued meanwhile wait in early and are added unless the read
// found them. Changes of state wait for the load. Data that an import
// or a purge wrote meanwhile makes it read again.
func (s *Store) loadQueue(ctx context.Context, q *outboxQueue) error {
	q.compacting.Lock()
	defer q.compacting.Unlock()
	for {
		start := time.Now()
		q.beginLoad()
		// Wait for the changes in flight, whose log entries the read
		// must see.
		q.changes.Lock()
		q.changes.Unlock()

		rows, docs, err := s.readQueue(ctx)
		if err != nil {
			q.abortLoad()
			return err
		}
		dead, last := foldLog(rows, docs)
		if n, ok := q.install(rows, dead, last); ok {
			s.log.Info("outbox queue loaded", "rows", n, "log_entries", len(docs), "took", time.Since(start).Round(time.Millisecond))
			s.startCompactor(q)
			return nil
		}
	}
}

// readQueue reads every row of the outbox and every log entry.
func (s *Store) readQueue(ctx context.Context) (map[string]*queueEntry, []logDoc, error) {
	rows, err := s.readRows(ctx, bson.D{}, nil)
	if err != nil {
		return nil, nil, err
	}
	docs, err := s.readLog(ctx)
	if err != nil {
		return nil, nil, err
	}
	return rows, docs, nil
}

// readRows reads the outbox rows that filter selects, with the fields of
// projection or all of them when it is nil, as entries by key.
func (s *Store) readRows(ctx context.Context, filter bson.D, projection bson.D) (map[string]*queueEntry, error) {
	cur, err := s.outbox.Find(ctx, filter, findProjection(projection))
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer closeCursor(ctx, cur)

	rows := map[string]*queueEntry{}
	for cur.Next(ctx) {
		e, err := newQueueEntry(bytes.Clone(cur.Current))
		if err != nil {
			return nil, err
		}
		rows[e.key] = e
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return rows, nil
}

// beginLoad marks the queue as loading, so that rows queued meanwhile
// wait in early and changes wait for the load.
func (q *outboxQueue) beginLoad() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state, q.early, q.stale = queueLoading, nil, false
}

// abortLoad leaves the queue empty after a failed read.
func (q *outboxQueue) abortLoad() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state, q.early = queueEmpty, nil
	q.reset()
}

// install makes rows, read from the outbox with the log applied, the
// queue, adds the rows queued during the read and returns how many rows
// the queue holds. It returns false, leaving the queue empty, when an
// import or a purge made the read stale.
func (q *outboxQueue) install(rows map[string]*queueEntry, dead []int64, last int64) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stale {
		q.state, q.early, q.stale = queueEmpty, nil, false
		return 0, false
	}
	q.reset()
	for _, e := range rows {
		e.heap, e.at = nil, -1
		q.insert(e)
	}
	for _, e := range q.early {
		q.insert(e)
	}
	q.early, q.dead = nil, dead
	q.seq = max(q.seq, last)
	q.state, q.notesAt = queueLoaded, time.Time{}
	q.wake()
	return len(q.entries), true
}

// invalidate makes the next use load the queue again, as after an import
// or a purge that wrote to the outbox directly. Every change of state is
// in the log, so the load finds the rows as memory has them.
func (q *outboxQueue) invalidate() {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch q.state {
	case queueLoaded:
		q.state = queueEmpty
		q.reset()
	case queueLoading:
		q.stale = true
	}
}
