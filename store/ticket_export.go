package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// eachTicketMerged is EachTicket on the embedded store: it merges the
// open and the closed tickets, both read in number order.
func (s *Store) eachTicketMerged(ctx context.Context, fn func(*workflow.Ticket) error) error {
	open, err := newSortedCursor[workflow.Ticket](ctx, s.tickets)
	if err != nil {
		return err
	}
	defer open.close(ctx)
	closed, err := newSortedCursor[workflow.Ticket](ctx, s.ticketsClosed)
	if err != nil {
		return err
	}
	defer closed.close(ctx)

	for open.item != nil || closed.item != nil {
		next, err := nextMerged(ctx, open, closed)
		if err != nil {
			return err
		}
		if err := fn(next); err != nil {
			return err
		}
	}
	return nil
}

// nextMerged returns the ticket with the lower number of the two
// cursors and advances past it. Of two copies of one ticket it returns
// the one with the higher version and advances both cursors.
func nextMerged(ctx context.Context, a, b *sortedCursor[workflow.Ticket]) (*workflow.Ticket, error) {
	if a.item == nil || (b.item != nil && b.item.Number < a.item.Number) {
		a, b = b, a
	}
	next := a.item
	if b.item != nil && b.item.Number == next.Number {
		if b.item.Version > next.Version {
			next = b.item
		}
		if err := b.advance(ctx); err != nil {
			return nil, err
		}
	}
	return next, a.advance(ctx)
}

// eachRawTicket is EachRaw of the tickets on the embedded store. It holds
// the open tickets in memory while it passes the closed ones, so that of
// two copies of a ticket it passes only the one with the higher version.
func (s *Store) eachRawTicket(ctx context.Context, fn func(bson.Raw) error) error {
	open, err := findAll[bson.Raw](ctx, s.tickets, bson.D{})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.tickets.Name(), err)
	}
	at := make(map[string]int, len(open))
	for i, doc := range open {
		number, _ := rawVersion(doc)
		at[number] = i
	}
	newerClosed := make([]bool, len(open))

	cur, err := s.ticketsClosed.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.ticketsClosed.Name(), err)
	}
	defer closeCursor(ctx, cur)
	for cur.Next(ctx) {
		number, v := rawVersion(cur.Current)
		if i, ok := at[number]; ok {
			if _, openVersion := rawVersion(open[i]); openVersion >= v {
				continue
			}
			newerClosed[i] = true
		}
		if err := fn(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read %s: %w", s.ticketsClosed.Name(), err)
	}

	for i, doc := range open {
		if newerClosed[i] {
			continue
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
	return nil
}

// importSplitTickets inserts docs, tickets as exported, into the
// collection of their state on the embedded store, and returns how many
// it inserted. It skips the tickets that the ticket index holds, stored
// in either collection, and adds those it inserts to the index, so that
// the index stays loaded and the next batch needs no read of every
// ticket. decode returns a document's ticket and its stored form.
func importSplitTickets[T any](ctx context.Context, s *Store, docs []T, decode func(T) (*workflow.Ticket, bson.Raw, error)) (int, error) {
	ix, err := s.freshIndex(ctx)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	var open, closed []*workflow.Ticket
	var openRaw, closedRaw []bson.Raw
	for _, d := range docs {
		t, raw, err := decode(d)
		if err != nil {
			return 0, fmt.Errorf("import: %w", err)
		}
		switch {
		case ix.holdsNumber(t.Number):
			// Stored already, in either collection.
		case s.ticketCollFor(t.State) == s.ticketsClosed:
			closed, closedRaw = append(closed, t), append(closedRaw, raw)
		default:
			open, openRaw = append(open, t), append(openRaw, raw)
		}
	}

	inserted := 0
	for _, part := range []struct {
		coll    *mongo.Collection
		tickets []*workflow.Ticket
		raws    []bson.Raw
	}{{s.tickets, open, openRaw}, {s.ticketsClosed, closed, closedRaw}} {
		n, err := importIndexed(ctx, s, part.coll, part.tickets, part.raws)
		inserted += n
		if err != nil {
			return inserted, err
		}
	}
	return inserted, nil
}

// importIndexed inserts raws, the stored form of tickets, into coll and
// adds those it inserted to the ticket index.
func importIndexed(ctx context.Context, s *Store, coll *mongo.Collection, tickets []*workflow.Ticket, raws []bson.Raw) (int, error) {
	dups, err := insertNew(ctx, coll, raws)
	if err != nil {
		s.markTicketsDirty(tickets)
		return 0, fmt.Errorf("import: %w", err)
	}
	for i, t := range tickets {
		if !slices.Contains(dups, i) {
			s.index.apply(t, raws[i])
		}
	}
	return len(tickets) - len(dups), nil
}

// decodeRawTicket returns the ticket stored as doc and a copy of doc.
func decodeRawTicket(doc bson.Raw) (*workflow.Ticket, bson.Raw, error) {
	var t workflow.Ticket
	if err := bson.Unmarshal(doc, &t); err != nil {
		return nil, nil, err
	}
	return &t, slices.Clone(doc), nil
}

// encodeTicket returns t and its stored form.
func encodeTicket(t *workflow.Ticket) (*workflow.Ticket, bson.Raw, error) {
	raw, err := bson.Marshal(t)
	if err != nil {
		return nil, nil, fmt.Errorf("encode ticket %s: %w", t.Number, err)
	}
	return t, raw, nil
}
