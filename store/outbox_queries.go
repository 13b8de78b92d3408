package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// OutboxFilter selects outbox rows for ListOutgoing. Zero fields select
// everything.
type OutboxFilter struct {
	Status workflow.OutboxStatus
	Ticket string
	// Limit caps the number of rows; zero or less means no cap.
	Limit int
}

// ListOutgoing returns the rows f selects, newest created first, from
// the outbox and, unless f selects another status than sent, from the
// archive of sent rows. On FerretDB reading the archive reads all of it.
// The Store that runs the embedded FerretDB reads the outbox from memory.
func (s *Store) ListOutgoing(ctx context.Context, f OutboxFilter) ([]*workflow.Outgoing, error) {
	filter := bson.D{}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	if f.Ticket != "" {
		filter = append(filter, bson.E{Key: "ticket", Value: f.Ticket})
	}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	rows, err := s.listLive(ctx, f, filter, opts)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && f.Status != workflow.OutboxSent {
		return mergeNewestFirst(rows, nil, f.Limit), nil
	}

	archived, err := findAll[*workflow.Outgoing](ctx, s.sent, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list sent outgoing: %w", err)
	}
	return mergeNewestFirst(rows, archived, f.Limit), nil
}

// listLive returns the rows f selects that the outbox holds: from memory
// on the owner, with the log applied on a client, and by filter and opts
// on a Store connected to a URI.
func (s *Store) listLive(ctx context.Context, f OutboxFilter, filter bson.D, opts *options.FindOptionsBuilder) ([]*workflow.Outgoing, error) {
	switch {
	case s.queue != nil:
		return s.listQueued(ctx, f)
	case s.role == roleClient:
		return s.listViewed(ctx, f)
	}
	rows, err := findAll[*workflow.Outgoing](ctx, s.outbox, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list outgoing: %w", err)
	}
	return rows, nil
}

// mergeNewestFirst merges live rows and archived rows, each sorted newest
// created first, keeping the live copy of a row found in both, and cuts
// the result to limit when limit is positive.
func mergeNewestFirst(live, archived []*workflow.Outgoing, limit int) []*workflow.Outgoing {
	seen := make(map[string]bool, len(live))
	for _, r := range live {
		seen[r.Key] = true
	}
	out := live
	for _, r := range archived {
		if !seen[r.Key] {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *workflow.Outgoing) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.Key, a.Key))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// NextOutgoingAt returns when the next row falls due: the earliest
// NextAttempt of the pending rows, or the earliest lease expiry of the
// sending rows if that comes first, since such a row is reclaimed then.
// It returns the zero time when no row is pending or sending. The moment
// may be in the past. The Store that runs the embedded FerretDB reads it
// from memory.
func (s *Store) NextOutgoingAt(ctx context.Context) (time.Time, error) {
	switch {
	case s.queue != nil:
		return s.nextQueued(ctx)
	case s.role == roleClient:
		return s.nextViewed(ctx)
	}
	pending, err := s.earliest(ctx, workflow.OutboxPending, "next_attempt")
	if err != nil {
		return time.Time{}, err
	}
	expiry, err := s.earliest(ctx, workflow.OutboxSending, "lease_until")
	if err != nil {
		return time.Time{}, err
	}
	if pending.IsZero() || (!expiry.IsZero() && expiry.Before(pending)) {
		return expiry, nil
	}
	return pending, nil
}

// earliest returns the smallest value of the time field among rows with
// status, or the zero time when there is none.
func (s *Store) earliest(ctx context.Context, status workflow.OutboxStatus, field string) (time.Time, error) {
	opts := options.FindOne().
		SetSort(bson.D{{Key: field, Value: 1}}).
		SetProjection(bson.D{{Key: field, Value: 1}})
	doc, err := s.outbox.FindOne(ctx, bson.D{{Key: "status", Value: status}}, opts).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read next %s row: %w", status, err)
	}
	t, ok := doc.Lookup(field).TimeOK()
	if !ok {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// RetryOutgoing makes failed rows pending again, due at now, with
// Attempts reset to 0, and returns how many it changed. An empty key
// retries every failed row. A named row may also be suppressed. For a
// named row in any other status, sent ones included, it returns an error
// wrapping ErrConflict, and for an unknown key one wrapping ErrNotFound.
// A client Store of the embedded FerretDB checks the request and notes
// it for the Store that runs FerretDB, which applies it within about a
// second. The count it returns is of the rows failed when it checked.
func (s *Store) RetryOutgoing(ctx context.Context, key string, now time.Time) (int, error) {
	switch {
	case s.queue != nil:
		return s.retryQueued(ctx, key, now)
	case s.role == roleClient:
		return s.retryViewed(ctx, key, now)
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: workflow.OutboxPending},
		{Key: "next_attempt", Value: now},
		{Key: "attempts", Value: 0},
		{Key: "lease_until", Value: time.Time{}},
	}}}

	if key == "" {
		res, err := s.outbox.UpdateMany(ctx, bson.D{{Key: "status", Value: workflow.OutboxFailed}}, update)
		if err != nil {
			return 0, fmt.Errorf("retry failed outgoing: %w", err)
		}
		return int(res.ModifiedCount), nil
	}

	retryable := bson.A{workflow.OutboxFailed, workflow.OutboxSuppressed}
	cond := bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: retryable}}}}
	check := func(doc bson.Raw) error {
		status, _ := doc.Lookup("status").StringValueOK()
		if status != string(workflow.OutboxFailed) && status != string(workflow.OutboxSuppressed) {
			return fmt.Errorf("retry outgoing %s: status is %s, not failed or suppressed: %w", key, status, ErrConflict)
		}
		return nil
	}
	write := func(filter bson.D) (int64, error) {
		res, err := s.outbox.UpdateOne(ctx, filter, update)
		if err != nil {
			return 0, fmt.Errorf("retry outgoing %s: %w", key, err)
		}
		return res.MatchedCount, nil
	}
	err := s.guardedWrite(ctx, s.outbox, key, cond, check, write)
	if errors.Is(err, ErrNotFound) {
		err = s.notFoundOrSent(ctx, key, err)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// OutboxCounts returns the number of rows in each status, the archived
// sent rows included; statuses with none are absent. The Store that runs
// the embedded FerretDB counts from memory, after counting the archive
// once.
func (s *Store) OutboxCounts(ctx context.Context) (map[workflow.OutboxStatus]int, error) {
	switch {
	case s.queue != nil:
		return s.countQueued(ctx)
	case s.role == roleClient:
		return s.countViewed(ctx)
	}
	counts, err := countBy(ctx, s.outbox, bson.D{}, "$status")
	if err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	if counts[string(workflow.OutboxSent)] > 0 {
		if err := s.sweepSent(ctx); err != nil {
			return nil, fmt.Errorf("count outbox rows: %w", err)
		}
		delete(counts, string(workflow.OutboxSent))
	}

	archived, err := s.archivedCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("count sent outbox rows: %w", err)
	}
	out := map[workflow.OutboxStatus]int{workflow.OutboxSent: archived}
	for k, n := range counts {
		out[workflow.OutboxStatus(k)] += n
	}
	return positive(out), nil
}
