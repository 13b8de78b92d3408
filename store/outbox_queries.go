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
	rows, err := findAll[*workflow.Outgoing](ctx, s.outbox, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list outgoing: %w", err)
	}
	if f.Status != "" && f.Status != workflow.OutboxSent {
		return rows, nil
	}

	archived, err := findAll[*workflow.Outgoing](ctx, s.sent, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list sent outgoing: %w", err)
	}
	return mergeNewestFirst(rows, archived, f.Limit), nil
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
// may be in the past.
func (s *Store) NextOutgoingAt(ctx context.Context) (time.Time, error) {
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
// A client Store may call it: the Store that runs the embedded FerretDB
// never changes a failed or suppressed row.
func (s *Store) RetryOutgoing(ctx context.Context, key string, now time.Time) (int, error) {
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
// the embedded FerretDB counts the archive once and then keeps the count
// in memory.
func (s *Store) OutboxCounts(ctx context.Context) (map[workflow.OutboxStatus]int, error) {
	counts, err := countBy(ctx, s.outbox, bson.D{}, "$status")
	if err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	leftover := counts[string(workflow.OutboxSent)]
	if leftover > 0 && s.role != roleClient {
		if err := s.sweepSent(ctx); err != nil {
			return nil, fmt.Errorf("count outbox rows: %w", err)
		}
		delete(counts, string(workflow.OutboxSent))
		leftover = 0
	}
	if leftover > 0 {
		// A client may not archive; it counts the leftover rows that are
		// archived already once.
		both, err := s.archivedLeftovers(ctx)
		if err != nil {
			return nil, fmt.Errorf("count outbox rows: %w", err)
		}
		counts[string(workflow.OutboxSent)] -= both
	}

	archived, err := s.archivedCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("count sent outbox rows: %w", err)
	}
	counts[string(workflow.OutboxSent)] += archived

	out := make(map[workflow.OutboxStatus]int, len(counts))
	for k, n := range counts {
		if n > 0 {
			out[workflow.OutboxStatus(k)] = n
		}
	}
	return out, nil
}

// archivedLeftovers returns how many sent rows left in the outbox are in
// the archive too.
func (s *Store) archivedLeftovers(ctx context.Context) (int, error) {
	idOnly := options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}})
	rows, err := findAll[outboxKeyDoc](ctx, s.outbox, bson.D{{Key: "status", Value: workflow.OutboxSent}}, idOnly)
	if err != nil {
		return 0, err
	}
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	both, err := findByIDs[outboxKeyDoc](ctx, s, s.sent, keys, bson.D{{Key: "_id", Value: 1}})
	return len(both), err
}
