package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// ticketNote names a ticket that a client Store inserted, or is about to
// insert, for the owner's index to read.
type ticketNote struct {
	Number string    `bson:"_id"`
	At     time.Time `bson:"at"`
}

// readyIndex returns the owner's ticket index, loaded and refreshed from
// ticket notes and dirty tickets, or nil on any other Store, which then
// queries the database. Once the index is loaded, it starts loading the
// record cache.
func (s *Store) readyIndex(ctx context.Context) (*ticketIndex, error) {
	ix, err := s.freshIndex(ctx)
	if ix != nil {
		s.startTrailLoad()
	}
	return ix, err
}

// freshIndex is readyIndex without the record cache, for imports, which
// would make its load stale.
func (s *Store) freshIndex(ctx context.Context) (*ticketIndex, error) {
	ix := s.index
	if ix == nil {
		return nil, nil
	}
	load := func(ctx context.Context) error { return s.loadIndex(ctx, ix) }
	if err := s.await(ctx, &ix.load, ix.loaded, load); err != nil {
		return nil, fmt.Errorf("load ticket index: %w", err)
	}

	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	if err := s.refreshIndex(ctx, ix); err != nil {
		return nil, err
	}
	ix.trim(s.now())
	return ix, nil
}

// loadedIndex returns the owner's ticket index if it is loaded, without
// loading it, or nil. Single-ticket reads use it: one read by _id costs
// less than loading the index for it.
func (s *Store) loadedIndex() *ticketIndex {
	if s.index == nil || !s.index.loaded() {
		return nil
	}
	return s.index
}

// loadIndex builds ix from one read of every ticket. Tickets that this
// Store writes meanwhile are kept aside and applied on top, because the
// read may or may not include them. An import meanwhile makes it read
// again. Once the index is installed, the tickets found outside the
// collection of their state, or in both, are settled in the background.
func (s *Store) loadIndex(ctx context.Context, ix *ticketIndex) error {
	for {
		start := time.Now()
		floor := s.now().Add(-ix.window)
		ix.beginLoad()

		fresh := &ticketIndex{}
		fresh.reset()
		where := ticketPlaces{}
		err := s.scanTickets(ctx, func(t *workflow.Ticket, raw bson.Raw, closedColl bool) {
			fresh.put(newEntry(t, raw, floor))
			where.add(t.Number, closedColl)
		})
		if err != nil {
			ix.abortLoad()
			return err
		}
		if n, ok := ix.install(fresh, floor); ok {
			s.log.Info("ticket index loaded", "tickets", n, "took", time.Since(start).Round(time.Millisecond))
			s.settleLater(where.misplaced(fresh))
			return nil
		}
	}
}

// beginLoad marks the index as loading, so that writes wait in early.
func (ix *ticketIndex) beginLoad() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.state, ix.early, ix.stale = indexLoading, nil, false
}

// abortLoad leaves the index empty after a failed read.
func (ix *ticketIndex) abortLoad() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.state, ix.early = indexEmpty, nil
}

// install makes the maps of fresh, read from the database, the index,
// applies the tickets written during the read on top and returns how
// many tickets the index holds. It returns false, leaving the index
// empty, when an import made the read stale.
func (ix *ticketIndex) install(fresh *ticketIndex, floor time.Time) (int, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.stale {
		ix.state, ix.early, ix.stale = indexEmpty, nil, false
		return 0, false
	}
	ix.tickets, ix.bySource, ix.byTerm, ix.byEmail, ix.counts = fresh.tickets, fresh.bySource, fresh.byTerm, fresh.byEmail, fresh.counts
	ix.floor, ix.state = floor, indexLoaded
	for _, w := range ix.early {
		ix.put(newEntry(w.ticket, w.raw, floor))
	}
	ix.early = nil
	return len(ix.tickets), true
}

// scanTickets calls fn for every stored copy of a ticket, with the
// stored document of open tickets and nil for closed ones, and whether
// the copy is in tickets_closed.
func (s *Store) scanTickets(ctx context.Context, fn func(t *workflow.Ticket, raw bson.Raw, closedColl bool)) error {
	for _, coll := range s.ticketColls() {
		if err := scanTicketColl(ctx, coll, func(t *workflow.Ticket, raw bson.Raw) {
			fn(t, raw, coll == s.ticketsClosed)
		}); err != nil {
			return err
		}
	}
	return nil
}

func scanTicketColl(ctx context.Context, coll *mongo.Collection, fn func(*workflow.Ticket, bson.Raw)) error {
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	defer closeCursor(ctx, cur)

	for cur.Next(ctx) {
		var t workflow.Ticket
		if err := cur.Decode(&t); err != nil {
			return err
		}
		var raw bson.Raw
		if t.State.Open() {
			raw = bytes.Clone(cur.Current)
		}
		fn(&t, raw)
	}
	return cur.Err()
}

// refreshIndex reads again the tickets whose writes failed, and at most
// once per notePoll the tickets that clients noted.
func (s *Store) refreshIndex(ctx context.Context, ix *ticketIndex) error {
	ix.mu.Lock()
	dirty := make([]string, 0, len(ix.dirty))
	for n := range ix.dirty {
		dirty = append(dirty, n)
	}
	pollNotes := time.Since(ix.notesAt) >= notePoll
	if pollNotes {
		ix.notesAt = time.Now()
	}
	ix.mu.Unlock()

	if len(dirty) > 0 {
		if _, err := s.reloadTickets(ctx, ix, dirty); err != nil {
			return err
		}
	}
	if pollNotes {
		return s.readNotes(ctx, ix)
	}
	return nil
}

// reloadTickets reads the tickets numbers into ix and returns those it
// found. A dirty ticket that is not stored is dropped.
func (s *Store) reloadTickets(ctx context.Context, ix *ticketIndex, numbers []string) (map[string]bool, error) {
	docs, err := s.rawTicketsByIDs(ctx, numbers)
	if err != nil {
		return nil, fmt.Errorf("refresh ticket index: %w", err)
	}
	found := map[string]bool{}
	for _, raw := range docs {
		var t workflow.Ticket
		if err := bson.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("refresh ticket index: %w", err)
		}
		found[t.Number] = true
		ix.apply(&t, raw)
		if s.trails != nil && !t.State.Open() {
			s.trails.drop(t.Number)
		}
	}
	ix.dropDirty(numbers, found)
	return found, nil
}

// dropDirty removes the tickets among numbers that are still dirty and
// were not found in the database. A ticket written since it was marked
// dirty is no longer dirty and stays.
func (ix *ticketIndex) dropDirty(numbers []string, found map[string]bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, n := range numbers {
		if found[n] || !ix.dirty[n] {
			continue
		}
		if e, ok := ix.tickets[n]; ok {
			ix.remove(e)
		}
		delete(ix.dirty, n)
	}
}

// readNotes applies the tickets clients noted and deletes the notes of
// those it found and of those that expired.
func (s *Store) readNotes(ctx context.Context, ix *ticketIndex) error {
	notes, err := findAll[ticketNote](ctx, s.ticketNotes, bson.D{})
	if err != nil || len(notes) == 0 {
		return wrapIf("read ticket notes", err)
	}
	numbers := make([]string, len(notes))
	for i, n := range notes {
		numbers[i] = n.Number
	}
	found, err := s.reloadTickets(ctx, ix, numbers)
	if err != nil {
		return err
	}

	var done []string
	now := s.now()
	for _, n := range notes {
		if found[n.Number] || now.Sub(n.At) > noteExpiry {
			done = append(done, n.Number)
		}
	}
	if _, err := s.deleteIDs(ctx, s.ticketNotes, done); err != nil {
		return fmt.Errorf("delete ticket notes: %w", err)
	}
	return nil
}

// noteTickets lists tickets a client Store is about to insert, for the
// owner's index.
func (s *Store) noteTickets(ctx context.Context, tickets []*workflow.Ticket) error {
	now := s.now()
	notes := make([]ticketNote, len(tickets))
	for i, t := range tickets {
		notes[i] = ticketNote{Number: t.Number, At: now}
	}
	if _, err := insertNew(ctx, s.ticketNotes, notes); err != nil {
		return fmt.Errorf("note tickets for the index: %w", err)
	}
	return nil
}

// wrapIf wraps err with op, or returns nil.
func wrapIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
