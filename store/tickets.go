package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// TicketsBySource returns the tickets whose SourceKey is one of keys,
// keyed by SourceKey. Missing keys are absent from the map; no keys
// returns an empty map without a query. The Store that runs the embedded
// FerretDB looks the keys up in its ticket index and reads only the
// tickets that exist. Any other Store queries by source key, which on
// FerretDB reads every ticket.
func (s *Store) TicketsBySource(ctx context.Context, keys []string) (map[string]*workflow.Ticket, error) {
	out := map[string]*workflow.Ticket{}
	if len(keys) == 0 {
		return out, nil
	}
	found, err := s.ticketsBySource(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read tickets by source: %w", err)
	}
	for _, t := range found {
		out[t.SourceKey] = t
	}
	return out, nil
}

func (s *Store) ticketsBySource(ctx context.Context, keys []string) ([]*workflow.Ticket, error) {
	ix, err := s.readyIndex(ctx)
	if err != nil {
		return nil, err
	}
	if ix == nil {
		return s.ticketsWhereIn(ctx, "source_key", keys)
	}

	var numbers []string
	for _, n := range ix.numbersBySource(keys) {
		numbers = append(numbers, n)
	}
	byNumber, err := s.ticketsByNumber(ctx, numbers)
	if err != nil {
		return nil, err
	}
	found := make([]*workflow.Ticket, 0, len(byNumber))
	for _, t := range byNumber {
		found = append(found, t)
	}
	return found, nil
}

// TicketsByNumber returns the tickets with the given numbers, keyed by
// number. Missing numbers are absent from the map. The Store that runs
// the embedded FerretDB takes open tickets from its ticket index once
// that is loaded, and reads the others one by one.
func (s *Store) TicketsByNumber(ctx context.Context, numbers []string) (map[string]*workflow.Ticket, error) {
	out, err := s.ticketsByNumber(ctx, numbers)
	if err != nil {
		return nil, fmt.Errorf("read tickets by number: %w", err)
	}
	return out, nil
}

func (s *Store) ticketsByNumber(ctx context.Context, numbers []string) (map[string]*workflow.Ticket, error) {
	out := make(map[string]*workflow.Ticket, len(numbers))
	var rest []string
	for _, n := range numbers {
		if _, done := out[n]; done {
			continue
		}
		t, err := s.indexedTicket(n)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out[n] = t
			continue
		}
		if !slices.Contains(rest, n) {
			rest = append(rest, n)
		}
	}

	found, err := findByIDs[*workflow.Ticket](ctx, s, s.tickets, rest, nil)
	if err != nil {
		return nil, err
	}
	for _, t := range found {
		out[t.Number] = t
	}
	return out, nil
}

// indexedTicket returns the open ticket number from the loaded ticket
// index, or nil when the index does not hold it.
func (s *Store) indexedTicket(number string) (*workflow.Ticket, error) {
	ix := s.loadedIndex()
	if ix == nil {
		return nil, nil
	}
	raw := ix.openDoc(number)
	if raw == nil {
		return nil, nil
	}
	var t workflow.Ticket
	if err := bson.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("decode indexed ticket %s: %w", number, err)
	}
	return &t, nil
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
// stored. A client Store first notes the tickets in ticket_notes, from
// which the Store that runs the embedded FerretDB adds them to its index.
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

	dupIdx, err := insertNew(ctx, s.tickets, tickets)
	if err != nil {
		s.markTicketsDirty(tickets)
		return nil, err
	}
	if err := s.indexTickets(tickets, dupIdx); err != nil {
		return nil, fmt.Errorf("insert tickets: %w", err)
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

// Ticket returns one ticket by number, or an error wrapping ErrNotFound.
func (s *Store) Ticket(ctx context.Context, number string) (*workflow.Ticket, error) {
	indexed, err := s.indexedTicket(number)
	if err != nil || indexed != nil {
		return indexed, err
	}

	var t workflow.Ticket
	err = s.tickets.FindOne(ctx, bson.D{{Key: "_id", Value: number}}).Decode(&t)
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
// still holding prevVersion conflicts. A client Store rejects it with
// ErrNotOwner.
func (s *Store) UpdateTicket(ctx context.Context, t *workflow.Ticket, prevVersion int64) error {
	if err := s.refuseClient("update ticket " + t.Number); err != nil {
		return err
	}
	if t.Version <= prevVersion {
		return fmt.Errorf("update ticket %s: version %d is not after %d", t.Number, t.Version, prevVersion)
	}
	if s.index != nil {
		return s.updateIndexedTicket(ctx, t, prevVersion)
	}

	cond := bson.D{{Key: "version", Value: prevVersion}}
	check := func(doc bson.Raw) error {
		v, _ := doc.Lookup("version").AsInt64OK()
		return versionCheck(t.Number, v, prevVersion)
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

// updateIndexedTicket is UpdateTicket on the Store that runs the embedded
// FerretDB. The ticket index holds the stored version of its tickets, so
// the check needs no read. The replacement is then written by _id and
// applied to the index, all under the ticket's lock.
func (s *Store) updateIndexedTicket(ctx context.Context, t *workflow.Ticket, prevVersion int64) error {
	defer s.lockKey(collTickets, t.Number)()

	stored, known := s.index.version(t.Number)
	if !known {
		v, err := s.storedVersion(ctx, t.Number)
		if err != nil {
			return err
		}
		stored = v
	}
	if err := versionCheck(t.Number, stored, prevVersion); err != nil {
		return err
	}

	raw, err := bson.Marshal(t)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", t.Number, err)
	}
	res, err := s.tickets.ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.Number}}, raw)
	if err != nil {
		s.index.markDirty(t.Number)
		return fmt.Errorf("update ticket %s: %w", t.Number, err)
	}
	if res.MatchedCount == 0 {
		s.index.markDirty(t.Number)
		return fmt.Errorf("ticket %s: %w", t.Number, ErrNotFound)
	}
	s.index.apply(t, raw)
	return nil
}

// storedVersion reads the stored version of the ticket number.
func (s *Store) storedVersion(ctx context.Context, number string) (int64, error) {
	opts := options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})
	doc, err := s.tickets.FindOne(ctx, bson.D{{Key: "_id", Value: number}}, opts).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("ticket %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("read ticket %s: %w", number, err)
	}
	v, _ := doc.Lookup("version").AsInt64OK()
	return v, nil
}

// versionCheck returns an error wrapping ErrConflict unless the stored
// version of the ticket number is prevVersion.
func versionCheck(number string, stored, prevVersion int64) error {
	if stored != prevVersion {
		return fmt.Errorf("update ticket %s: stored version %d, expected %d: %w", number, stored, prevVersion, ErrConflict)
	}
	return nil
}
