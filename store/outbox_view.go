package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// A client Store of the embedded FerretDB reads the outbox as the
// owner's memory has it: the stored rows with the owner's log applied on
// top. Each such read costs one read of the outbox and of the log, as a
// query of the outbox did before.

// viewRows returns the live outbox rows that filter selects, with the
// log applied, by key. projection limits the fields read from the
// outbox, or is nil for all of them.
func (s *Store) viewRows(ctx context.Context, filter bson.D, projection bson.D) (map[string]*queueEntry, error) {
	rows, err := s.readRows(ctx, filter, projection)
	if err != nil {
		return nil, err
	}
	docs, err := s.readLog(ctx)
	if err != nil {
		return nil, err
	}
	foldLog(rows, docs)
	return rows, nil
}

// foldedRows is viewRows after the owner, if this Store is it, has folded
// the changes it holds in memory into the log, so that the rows read are
// those it would store on Close.
func (s *Store) foldedRows(ctx context.Context, filter bson.D, projection bson.D) (map[string]*queueEntry, error) {
	if q := s.queue; q != nil && q.loaded() {
		if err := s.compactAll(ctx, q); err != nil {
			return nil, err
		}
	}
	return s.viewRows(ctx, filter, projection)
}

// findProjection returns find options with projection, if any.
func findProjection(projection bson.D) *options.FindOptionsBuilder {
	opts := options.Find()
	if projection != nil {
		opts.SetProjection(projection)
	}
	return opts
}

// withoutContent leaves out the rendered email, which counting and
// checking do not need.
var withoutContent = bson.D{{Key: "text", Value: 0}, {Key: "html", Value: 0}}

// listViewed is the live part of ListOutgoing on a client Store.
func (s *Store) listViewed(ctx context.Context, f OutboxFilter) ([]*workflow.Outgoing, error) {
	filter := bson.D{}
	if f.Ticket != "" {
		filter = append(filter, bson.E{Key: "ticket", Value: f.Ticket})
	}
	rows, err := s.viewRows(ctx, filter, nil)
	if err != nil {
		return nil, fmt.Errorf("list outgoing: %w", err)
	}
	return decodeEntries(rows, f.Status)
}

// decodeEntries returns the rows of entries in status, or all when
// status is empty.
func decodeEntries(entries map[string]*queueEntry, status workflow.OutboxStatus) ([]*workflow.Outgoing, error) {
	var out []*workflow.Outgoing
	for _, e := range entries {
		if status != "" && e.state.Status != status {
			continue
		}
		o, err := e.outgoing(e.state)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// countViewed is OutboxCounts on a client Store. A sent row that the
// log marks as archived counts in the archive, and any other sent row is
// looked up there, because the marker follows the archive's insert.
func (s *Store) countViewed(ctx context.Context) (map[workflow.OutboxStatus]int, error) {
	// The owner's compaction may archive a row between the reads, so that
	// the row counts both live and archived. The archive only grows, so
	// an archive count that did not change around the reads shows that
	// they saw one state. Otherwise the count is taken again.
	const attempts = 5
	for range attempts - 1 {
		counts, stable, err := s.countViewedOnce(ctx)
		if err != nil || stable {
			return counts, err
		}
	}
	// NOTE: while compaction keeps archiving rows, the last count may
	// include a row twice.
	counts, _, err := s.countViewedOnce(ctx)
	return counts, err
}

// countViewedOnce is one try of countViewed. stable reports whether the
// archive's count was the same before and after the reads.
func (s *Store) countViewedOnce(ctx context.Context) (map[workflow.OutboxStatus]int, bool, error) {
	before, err := s.archivedCount(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("count sent outbox rows: %w", err)
	}
	rows, err := s.viewRows(ctx, bson.D{}, withoutContent)
	if err != nil {
		return nil, false, fmt.Errorf("count outbox rows: %w", err)
	}
	counts := map[workflow.OutboxStatus]int{}
	var live []string
	for _, e := range rows {
		status, counted := e.countedStatus()
		switch {
		case !counted:
		case status == workflow.OutboxSent:
			// A sent row may be in the archive already, with or
			// without its marker in the log.
			live = append(live, e.key)
		default:
			counts[status]++
		}
	}

	both, err := findByIDs[outboxKeyDoc](ctx, s, s.sent, live, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, false, fmt.Errorf("count outbox rows: %w", err)
	}
	after, err := s.archivedCount(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("count sent outbox rows: %w", err)
	}
	counts[workflow.OutboxSent] += len(live) - len(both) + after
	return positive(counts), before == after, nil
}

// positive returns counts without the statuses that have none.
func positive(counts map[workflow.OutboxStatus]int) map[workflow.OutboxStatus]int {
	for status, n := range counts {
		if n <= 0 {
			delete(counts, status)
		}
	}
	return counts
}

// retryViewed is RetryOutgoing on a client Store: it checks the request
// against the rows as the owner has them and notes it for the owner,
// which applies it within outboxNotePoll.
func (s *Store) retryViewed(ctx context.Context, key string, now time.Time) (int, error) {
	filter := bson.D{}
	if key != "" {
		filter = append(filter, bson.E{Key: "_id", Value: key})
	}
	rows, err := s.viewRows(ctx, filter, withoutContent)
	if err != nil {
		return 0, fmt.Errorf("retry outgoing: %w", err)
	}
	view := &outboxQueue{entries: rows}
	picked, err := view.retryable(key)
	if errors.Is(err, ErrNotFound) {
		err = s.notFoundOrSent(ctx, key, err)
	}
	if err != nil || len(picked) == 0 {
		return 0, err
	}
	if err := s.noteRetry(ctx, key, now); err != nil {
		return 0, fmt.Errorf("retry outgoing: %w", err)
	}
	return len(picked), nil
}

// nextViewed is NextOutgoingAt on a client Store.
func (s *Store) nextViewed(ctx context.Context) (time.Time, error) {
	rows, err := s.viewRows(ctx, bson.D{}, withoutContent)
	if err != nil {
		return time.Time{}, fmt.Errorf("read next outgoing time: %w", err)
	}
	var next time.Time
	for _, e := range rows {
		var at time.Time
		switch e.state.Status {
		case workflow.OutboxPending:
			at = e.state.NextAttempt
		case workflow.OutboxSending:
			at = e.state.LeaseUntil
		default:
			continue
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, nil
}
