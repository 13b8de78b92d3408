package store

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// TicketFilter selects tickets for ListTickets. Zero fields select
// everything.
type TicketFilter struct {
	State workflow.State
	// Since and Until bound ReceivedAt: Since <= received_at < Until.
	Since, Until time.Time
	// Limit caps the number of tickets; zero or less means no cap.
	Limit int
}

// ListTickets returns the tickets f selects, newest received first.
func (s *Store) ListTickets(ctx context.Context, f TicketFilter) ([]*workflow.Ticket, error) {
	filter := bson.D{}
	if f.State != "" {
		filter = append(filter, bson.E{Key: "state", Value: f.State})
	}
	if received := timeRange(f.Since, f.Until); received != nil {
		filter = append(filter, bson.E{Key: "received_at", Value: received})
	}

	opts := options.Find().SetSort(bson.D{{Key: "received_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	out, err := s.findTickets(ctx, filter, opts, newestReceivedFirst, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return out, nil
}

// newestReceivedFirst orders tickets by ReceivedAt descending, then by
// number descending.
func newestReceivedFirst(a, b *workflow.Ticket) int {
	return cmp.Or(b.ReceivedAt.Compare(a.ReceivedAt), cmp.Compare(b.Number, a.Number))
}

// timeRange returns the condition since <= t < until, leaving out a zero
// bound, or nil when both are zero.
func timeRange(since, until time.Time) bson.D {
	var cond bson.D
	if !since.IsZero() {
		cond = append(cond, bson.E{Key: "$gte", Value: since})
	}
	if !until.IsZero() {
		cond = append(cond, bson.E{Key: "$lt", Value: until})
	}
	return cond
}

// TicketsDue returns the open tickets whose NextTimer is set and at or
// before now, earliest first. It returns at most limit tickets, or all
// when limit is zero or less. The Store that runs the embedded FerretDB
// reads its ticket index, which holds every open ticket, instead of the
// database.
func (s *Store) TicketsDue(ctx context.Context, now time.Time, limit int) ([]*workflow.Ticket, error) {
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("list due tickets: %w", err)
	}
	if ix != nil {
		return decodeTickets(ix.due(now, limit))
	}

	filter := bson.D{
		{Key: "state", Value: bson.D{{Key: "$ne", Value: workflow.StateClosed}}},
		{Key: "next_timer", Value: bson.D{{Key: "$gt", Value: time.Time{}}, {Key: "$lte", Value: now}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "next_timer", Value: 1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	out, err := findAll[*workflow.Ticket](ctx, s.tickets, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list due tickets: %w", err)
	}
	return out, nil
}

func decodeTickets(docs []bson.Raw) ([]*workflow.Ticket, error) {
	out := make([]*workflow.Ticket, len(docs))
	for i, raw := range docs {
		var t workflow.Ticket
		if err := bson.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("decode indexed ticket: %w", err)
		}
		out[i] = &t
	}
	return out, nil
}

// CountTickets returns the number of tickets in each state; states with
// none are absent. The Store that runs the embedded FerretDB reads its
// ticket index instead of the database.
func (s *Store) CountTickets(ctx context.Context) (map[workflow.State]int, error) {
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	if ix != nil {
		return ix.countStates(), nil
	}

	counts, err := s.countTicketsBy(ctx, bson.D{}, "$state")
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	out := make(map[workflow.State]int, len(counts))
	for k, n := range counts {
		out[workflow.State(k)] = n
	}
	return out, nil
}

// CountNewTicketsFrom returns how many tickets email opened as requester
// at or after since.
func (s *Store) CountNewTicketsFrom(ctx context.Context, email string, since time.Time) (int, error) {
	counts, err := s.CountNewTickets(ctx, []string{email}, since)
	if err != nil {
		return 0, err
	}
	return counts[email], nil
}

// CountNewTickets returns, for each of emails, how many tickets it opened
// as requester at or after since, in one query; emails with none are
// absent. The Store that runs the embedded FerretDB reads its ticket
// index instead when since lies within its recent window.
func (s *Store) CountNewTickets(ctx context.Context, emails []string, since time.Time) (map[string]int, error) {
	if len(emails) == 0 {
		return map[string]int{}, nil
	}
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("count new tickets: %w", err)
	}
	if ix != nil && ix.covers(since) {
		return ix.countNew(emails, since), nil
	}

	filter := bson.D{
		{Key: "requester.email", Value: bson.D{{Key: "$in", Value: emails}}},
		{Key: "received_at", Value: bson.D{{Key: "$gte", Value: since}}},
	}
	out, err := s.countTicketsBy(ctx, filter, "$requester.email")
	if err != nil {
		return nil, fmt.Errorf("count new tickets: %w", err)
	}
	return out, nil
}

// SimilarCandidates returns the tickets received at or after since that
// share at least one of terms, newest first, at most limit (all when
// limit is zero or less). Only Number, Subject, State, ReceivedAt, Terms
// and Category are filled. No terms returns nil without a query. The
// Store that runs the embedded FerretDB reads its ticket index instead
// when since lies within its recent window.
func (s *Store) SimilarCandidates(ctx context.Context, since time.Time, terms []string, limit int) ([]*workflow.Ticket, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("list similar candidates: %w", err)
	}
	if ix != nil && ix.covers(since) {
		return ix.similar(since, terms, limit), nil
	}

	filter := bson.D{
		{Key: "received_at", Value: bson.D{{Key: "$gte", Value: since}}},
		{Key: "terms", Value: bson.D{{Key: "$in", Value: terms}}},
	}
	opts := options.Find().
		SetProjection(bson.D{
			{Key: "subject", Value: 1}, {Key: "state", Value: 1}, {Key: "received_at", Value: 1},
			{Key: "terms", Value: 1}, {Key: "category", Value: 1}, {Key: "version", Value: 1},
		}).
		SetSort(bson.D{{Key: "received_at", Value: -1}, {Key: "_id", Value: -1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	out, err := s.findTickets(ctx, filter, opts, newestReceivedFirst, limit)
	if err != nil {
		return nil, fmt.Errorf("list similar candidates: %w", err)
	}
	// The version was read only to pick the newest copy of a ticket.
	for _, t := range out {
		t.Version = 0
	}
	return out, nil
}

// countBy counts the documents matching filter per value of the field
// expression key, such as "$state", with one aggregation.
func countBy(ctx context.Context, coll *mongo.Collection, filter bson.D, key string) (map[string]int, error) {
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: filter}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: key}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	cur, err := coll.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Key string `bson:"_id"`
		N   int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}

	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, nil
}
