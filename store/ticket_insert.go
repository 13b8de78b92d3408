package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// InsertTickets inserts new tickets in one unordered insertMany. A ticket
// whose SourceKey is already stored is skipped and its SourceKey returned
// in dup. A ticket whose Number is taken by a ticket from another source
// is an error wrapping ErrDuplicate, returned after the others are
// stored. A client Store first notes the tickets in ticket_notes, from
// which the Store that runs the embedded FerretDB adds them to its index.
// On the embedded store a closed ticket goes to tickets_closed, which
// the unique indexes of tickets do not cover. So the tickets are first
// looked up among the stored ones: in the ticket index of the Store that
// runs FerretDB once it is loaded, and otherwise with one query that
// reads every ticket of the other collection.
func (s *Store) InsertTickets(ctx context.Context, tickets []*workflow.Ticket) (dup []string, err error) {
	for _, t := range tickets {
		if t.Number == "" || t.SourceKey == "" {
			return nil, fmt.Errorf("insert tickets: ticket %q has no number or source key", t.Number)
		}
	}
	if len(tickets) == 0 {
		return nil, nil
	}
	if s.role == roleClient {
		if err := s.noteTickets(ctx, tickets); err != nil {
			return nil, fmt.Errorf("insert tickets: %w", err)
		}
	}

	rest := tickets
	var taken []string
	if s.split() {
		rest, dup, taken, err = s.withoutStoredElsewhere(ctx, tickets)
		if err != nil {
			return nil, fmt.Errorf("insert tickets: %w", err)
		}
	}
	more, err := s.insertTicketDocs(ctx, rest)
	dup = inInputOrder(append(dup, more...), tickets)
	if err == nil && len(taken) > 0 {
		err = fmt.Errorf("insert ticket %s: number taken: %w", taken[0], ErrDuplicate)
	}
	return dup, err
}

// inInputOrder sorts dup, source keys of tickets, in the order of
// tickets.
func inInputOrder(dup []string, tickets []*workflow.Ticket) []string {
	at := make(map[string]int, len(tickets))
	for i, t := range tickets {
		if _, seen := at[t.SourceKey]; !seen {
			at[t.SourceKey] = i
		}
	}
	slices.SortStableFunc(dup, func(a, b string) int { return at[a] - at[b] })
	return dup
}

// insertTicketDocs inserts tickets into the collections of their states
// and sorts out the duplicates, as InsertTickets describes.
func (s *Store) insertTicketDocs(ctx context.Context, tickets []*workflow.Ticket) (dup []string, err error) {
	var open, closed []*workflow.Ticket
	for _, t := range tickets {
		if s.ticketCollFor(t.State) == s.ticketsClosed {
			closed = append(closed, t)
		} else {
			open = append(open, t)
		}
	}
	for _, part := range [][]*workflow.Ticket{open, closed} {
		if len(part) == 0 {
			continue
		}
		more, err := s.insertTicketPart(ctx, part)
		dup = append(dup, more...)
		if err != nil {
			return dup, err
		}
	}
	return dup, nil
}

// insertTicketPart inserts tickets that belong in the same collection.
func (s *Store) insertTicketPart(ctx context.Context, tickets []*workflow.Ticket) (dup []string, err error) {
	dupIdx, err := insertNew(ctx, s.ticketCollFor(tickets[0].State), tickets)
	if err != nil {
		s.markTicketsDirty(tickets)
		return nil, err
	}
	if err := s.indexTickets(tickets, dupIdx); err != nil {
		return nil, fmt.Errorf("insert tickets: %w", err)
	}
	if s.trails != nil {
		s.trails.addFresh(tickets, dupIdx)
	}
	if len(dupIdx) == 0 {
		return nil, nil
	}
	return s.sortDuplicateTickets(ctx, tickets, dupIdx)
}

// indexTickets adds the tickets that were stored, all but those at the
// positions skip, to the ticket index, if this Store keeps one.
func (s *Store) indexTickets(tickets []*workflow.Ticket, skip []int) error {
	if s.index == nil {
		return nil
	}
	for i, t := range tickets {
		if slices.Contains(skip, i) {
			continue
		}
		raw, err := bson.Marshal(t)
		if err != nil {
			return fmt.Errorf("index ticket %s: %w", t.Number, err)
		}
		s.index.apply(t, raw)
	}
	return nil
}

// markTicketsDirty marks the tickets dirty in the ticket index, if this
// Store keeps one, because a write of them may or may not have been
// applied.
func (s *Store) markTicketsDirty(tickets []*workflow.Ticket) {
	if s.index == nil {
		return
	}
	for _, t := range tickets {
		s.index.markDirty(t.Number)
	}
}

// sortDuplicateTickets separates the tickets rejected for their
// SourceKey, the expected case, from those rejected for their Number.
// MongoDB and FerretDB do not report alike which unique index a
// duplicate hit, so it looks the source keys up in the database. On
// FerretDB that reads every ticket, which happens only when a batch is
// replayed. The stored tickets it finds go into the ticket index.
func (s *Store) sortDuplicateTickets(ctx context.Context, tickets []*workflow.Ticket, dupIdx []int) ([]string, error) {
	keys := make([]string, len(dupIdx))
	for n, i := range dupIdx {
		keys[n] = tickets[i].SourceKey
	}
	found, err := s.ticketsWhereIn(ctx, "source_key", keys)
	if err != nil {
		return nil, fmt.Errorf("insert tickets: read tickets by source: %w", err)
	}
	if err := s.indexTickets(found, nil); err != nil {
		return nil, fmt.Errorf("insert tickets: %w", err)
	}
	stored := map[string]bool{}
	for _, t := range found {
		stored[t.SourceKey] = true
	}

	var dup []string
	for _, i := range dupIdx {
		t := tickets[i]
		if !stored[t.SourceKey] {
			return dup, fmt.Errorf("insert ticket %s: number taken: %w", t.Number, ErrDuplicate)
		}
		dup = append(dup, t.SourceKey)
	}
	return dup, nil
}

// withoutStoredElsewhere returns in rest the tickets whose source key
// and number no stored ticket outside their collection has. It returns
// the source keys of the others in dup, or their numbers in taken when
// only the number is stored. The Store that runs the embedded FerretDB
// looks them up in its loaded ticket index, which holds every ticket.
// Any other Store reads the other collection.
func (s *Store) withoutStoredElsewhere(ctx context.Context, tickets []*workflow.Ticket) (rest []*workflow.Ticket, dup, taken []string, err error) {
	sources, numbers, err := s.storedElsewhere(ctx, tickets)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, t := range tickets {
		switch {
		case sources[t.SourceKey]:
			dup = append(dup, t.SourceKey)
		case numbers[t.Number]:
			taken = append(taken, t.Number)
		default:
			rest = append(rest, t)
		}
	}
	return rest, dup, taken, nil
}

// storedElsewhere returns the source keys and numbers of tickets that
// are stored outside the collection each ticket would go to.
func (s *Store) storedElsewhere(ctx context.Context, tickets []*workflow.Ticket) (sources, numbers map[string]bool, err error) {
	if s.loadedIndex() != nil {
		return s.indexedElsewhere(ctx, tickets)
	}

	sources, numbers = map[string]bool{}, map[string]bool{}
	byColl := map[*mongo.Collection][]*workflow.Ticket{}
	for _, t := range tickets {
		other := s.otherTicketColl(s.ticketCollFor(t.State))
		byColl[other] = append(byColl[other], t)
	}
	for coll, group := range byColl {
		found, err := findAll[workflow.Ticket](ctx, coll, identityFilter(group), options.Find().SetProjection(bson.D{{Key: "source_key", Value: 1}}))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", coll.Name(), err)
		}
		for _, f := range found {
			sources[f.SourceKey] = true
			numbers[f.Number] = true
		}
	}
	return sources, numbers, nil
}

// indexedElsewhere is storedElsewhere from the loaded ticket index, which
// holds every ticket, wherever it is stored, so it returns the source
// keys and numbers of all stored tickets among tickets.
func (s *Store) indexedElsewhere(ctx context.Context, tickets []*workflow.Ticket) (sources, numbers map[string]bool, err error) {
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, nil, err
	}
	sources, numbers = map[string]bool{}, map[string]bool{}
	for _, t := range tickets {
		if ix.holdsSource(t.SourceKey) {
			sources[t.SourceKey] = true
		} else if ix.holdsNumber(t.Number) {
			numbers[t.Number] = true
		}
	}
	return sources, numbers, nil
}

// identityFilter selects the tickets with the number or the source key
// of one of tickets.
func identityFilter(tickets []*workflow.Ticket) bson.D {
	numbers := make([]string, len(tickets))
	keys := make([]string, len(tickets))
	for i, t := range tickets {
		numbers[i], keys[i] = t.Number, t.SourceKey
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: numbers}}}},
		bson.D{{Key: "source_key", Value: bson.D{{Key: "$in", Value: keys}}}},
	}}}
}
