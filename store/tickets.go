package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// TicketsBySource returns the tickets whose SourceKey is one of keys,
// keyed by SourceKey, in one query. Missing keys are absent from the map;
// no keys returns an empty map without a query.
func (s *Store) TicketsBySource(ctx context.Context, keys []string) (map[string]*workflow.Ticket, error) {
	found, err := s.ticketsWhereIn(ctx, "source_key", keys)
	if err != nil {
		return nil, fmt.Errorf("read tickets by source: %w", err)
	}
	out := make(map[string]*workflow.Ticket, len(found))
	for _, t := range found {
		out[t.SourceKey] = t
	}
	return out, nil
}

// TicketsByNumber returns the tickets with the given numbers, keyed by
// number, in one query. Missing numbers are absent from the map.
func (s *Store) TicketsByNumber(ctx context.Context, numbers []string) (map[string]*workflow.Ticket, error) {
	found, err := s.ticketsWhereIn(ctx, "_id", numbers)
	if err != nil {
		return nil, fmt.Errorf("read tickets by number: %w", err)
	}
	out := make(map[string]*workflow.Ticket, len(found))
	for _, t := range found {
		out[t.Number] = t
	}
	return out, nil
}

func (s *Store) ticketsWhereIn(ctx context.Context, field string, values []string) ([]*workflow.Ticket, error) {
	if len(values) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: values}}}}
	return findAll[*workflow.Ticket](ctx, s.tickets, filter)
}

// InsertTickets inserts new tickets in one unordered insertMany. A ticket
// whose SourceKey is already stored is skipped and its SourceKey returned
// in dup. A ticket whose Number is taken by a ticket from another source
// is an error wrapping ErrDuplicate, returned after the others are
// stored.
func (s *Store) InsertTickets(ctx context.Context, tickets []*workflow.Ticket) (dup []string, err error) {
	for _, t := range tickets {
		if t.Number == "" || t.SourceKey == "" {
			return nil, fmt.Errorf("insert tickets: ticket %q has no number or source key", t.Number)
		}
	}

	dupIdx, err := insertNew(ctx, s.tickets, tickets)
	if err != nil || len(dupIdx) == 0 {
		return nil, err
	}
	return s.sortDuplicateTickets(ctx, tickets, dupIdx)
}

// sortDuplicateTickets separates the tickets rejected for their
// SourceKey, the expected case, from those rejected for their Number.
// MongoDB and FerretDB do not report alike which unique index a
// duplicate hit, so it looks the source keys up.
func (s *Store) sortDuplicateTickets(ctx context.Context, tickets []*workflow.Ticket, dupIdx []int) ([]string, error) {
	keys := make([]string, len(dupIdx))
	for n, i := range dupIdx {
		keys[n] = tickets[i].SourceKey
	}
	stored, err := s.TicketsBySource(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("insert tickets: %w", err)
	}

	var dup []string
	for _, i := range dupIdx {
		t := tickets[i]
		if _, ok := stored[t.SourceKey]; !ok {
			return dup, fmt.Errorf("insert ticket %s: number taken: %w", t.Number, ErrDuplicate)
		}
		dup = append(dup, t.SourceKey)
	}
	return dup, nil
}

// Ticket returns one ticket by number, or an error wrapping ErrNotFound.
func (s *Store) Ticket(ctx context.Context, number string) (*workflow.Ticket, error) {
	var t workflow.Ticket
	err := s.tickets.FindOne(ctx, bson.D{{Key: "_id", Value: number}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("ticket %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read ticket %s: %w", number, err)
	}
	return &t, nil
}

// UpdateTicket replaces the stored ticket with t if the stored Version
// equals prevVersion. It returns an error wrapping ErrConflict when the
// version moved on, and one wrapping ErrNotFound when no ticket has
// t.Number. t.Version must be greater than prevVersion, so that a writer
// still holding prevVersion conflicts.
func (s *Store) UpdateTicket(ctx context.Context, t *workflow.Ticket, prevVersion int64) error {
	if t.Version <= prevVersion {
		return fmt.Errorf("update ticket %s: version %d is not after %d", t.Number, t.Version, prevVersion)
	}

	cond := bson.D{{Key: "version", Value: prevVersion}}
	check := func(doc bson.Raw) error {
		v, _ := doc.Lookup("version").AsInt64OK()
		if v != prevVersion {
			return fmt.Errorf("update ticket %s: stored version %d, expected %d: %w", t.Number, v, prevVersion, ErrConflict)
		}
		return nil
	}
	write := func(filter bson.D) (int64, error) {
		res, err := s.tickets.ReplaceOne(ctx, filter, t)
		if err != nil {
			return 0, fmt.Errorf("update ticket %s: %w", t.Number, err)
		}
		return res.MatchedCount, nil
	}
	return s.guardedWrite(ctx, s.tickets, t.Number, cond, check, write)
}
