package store

import (
	"context"
	"errors"
	"fmt"
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

// ListOutgoing returns the rows f selects, newest created first.
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
	out, err := findAll[*workflow.Outgoing](ctx, s.outbox, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list outgoing: %w", err)
	}
	return out, nil
}

// CountAutomaticSent returns how many capped rows were sent to email at
// or after since, for the per-recipient cap on automatic email.
func (s *Store) CountAutomaticSent(ctx context.Context, email string, since time.Time) (int, error) {
	filter := bson.D{
		{Key: "capped", Value: true},
		{Key: "status", Value: workflow.OutboxSent},
		{Key: "to.email", Value: email},
		{Key: "sent_at", Value: bson.D{{Key: "$gte", Value: since}}},
	}
	n, err := s.outbox.CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("count automatic mail to %s: %w", email, err)
	}
	return int(n), nil
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
// named row in any other status it returns an error wrapping
// ErrConflict, and for an unknown key one wrapping ErrNotFound.
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
	if err := s.guardedWrite(ctx, s.outbox, key, cond, check, write); err != nil {
		return 0, err
	}
	return 1, nil
}

// OutboxCounts returns the number of rows in each status; statuses with
// none are absent.
func (s *Store) OutboxCounts(ctx context.Context) (map[workflow.OutboxStatus]int, error) {
	counts, err := countBy(ctx, s.outbox, bson.D{}, "$status")
	if err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	out := make(map[workflow.OutboxStatus]int, len(counts))
	for k, n := range counts {
		out[workflow.OutboxStatus(k)] = n
	}
	return out, nil
}
