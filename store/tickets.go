package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

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
// that is loaded. It reads the others one by one, from tickets and from
// tickets_closed, as every other Store on the embedded FerretDB does.
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

	found, err := s.ticketsByIDs(ctx, rest, nil)
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
	return s.findTickets(ctx, filter, nil, nil, 0)
}

// Ticket returns one ticket by number, or an error wrapping ErrNotFound.
func (s *Store) Ticket(ctx context.Context, number string) (*workflow.Ticket, error) {
	indexed, err := s.indexedTicket(number)
	if err != nil || indexed != nil {
		return indexed, err
	}

	found, err := s.ticketsByIDs(ctx, []string{number}, nil)
	if err != nil {
		return nil, fmt.Errorf("read ticket %s: %w", number, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("ticket %s: %w", number, ErrNotFound)
	}
	return found[0], nil
}

// UpdateTicket replaces the stored ticket with t if the stored Version
// equals prevVersion. It returns an error wrapping ErrConflict when the
// version moved on, and one wrapping ErrNotFound when no ticket has
// t.Number. t.Version must be greater than prevVersion, so that a writer
// still holding prevVersion conflicts. On the embedded store a ticket
// that closes moves to tickets_closed and one that reopens moves back
// (see ticket_split.go). A client Store rejects it with ErrNotOwner.
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
// FerretDB. The ticket index holds the stored version and state of its
// tickets, so the check needs no read. The new version is then written
// by _id, into the collection of its state, and applied to the index,
// all under the ticket's lock.
func (s *Store) updateIndexedTicket(ctx context.Context, t *workflow.Ticket, prevVersion int64) error {
	defer s.ticketGate.lock(t.Number)()
	defer s.lockKey(collTickets, t.Number)()

	stored, state, known := s.index.stored(t.Number)
	if !known {
		v, st, err := s.storedTicket(ctx, t.Number)
		if err != nil {
			return err
		}
		stored, state = v, st
	}
	if err := versionCheck(t.Number, stored, prevVersion); err != nil {
		return err
	}

	raw, err := bson.Marshal(t)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", t.Number, err)
	}
	if err := s.writeTicket(ctx, t, raw, state); err != nil {
		s.index.markDirty(t.Number)
		return err
	}
	s.index.apply(t, raw)
	if s.trails != nil && !t.State.Open() {
		s.trails.drop(t.Number)
	}
	return nil
}

// storedTicket reads the stored version and state of the ticket number.
func (s *Store) storedTicket(ctx context.Context, number string) (int64, workflow.State, error) {
	found, err := s.ticketsByIDs(ctx, []string{number}, bson.D{{Key: "version", Value: 1}, {Key: "state", Value: 1}})
	if err != nil {
		return 0, "", fmt.Errorf("read ticket %s: %w", number, err)
	}
	if len(found) == 0 {
		return 0, "", fmt.Errorf("ticket %s: %w", number, ErrNotFound)
	}
	return found[0].Version, found[0].State, nil
}

// versionCheck returns an error wrapping ErrConflict unless the stored
// version of the ticket number is prevVersion.
func versionCheck(number string, stored, prevVersion int64) error {
	if stored != prevVersion {
		return fmt.Errorf("update ticket %s: stored version %d, expected %d: %w", number, stored, prevVersion, ErrConflict)
	}
	return nil
}
