package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// writeTicket writes raw, the new version of t, whose stored copy is in
// state. A ticket that stays open or stays closed is replaced where it
// is, and one that closes or reopens moves to the collection of its new
// state. The caller holds the ticket's lock and its ticketGate.
func (s *Store) writeTicket(ctx context.Context, t *workflow.Ticket, raw bson.Raw, stored workflow.State) error {
	target := s.ticketCollFor(t.State)
	if target == s.ticketCollFor(stored) {
		return s.replaceTicket(ctx, target, t.Number, raw)
	}
	return s.moveTicket(ctx, target, t.Number, raw)
}

// replaceTicket replaces the ticket number in coll, the collection of
// its stored state. A ticket that is not there moves to coll: a closed
// ticket that a database written before the split still keeps in
// tickets.
func (s *Store) replaceTicket(ctx context.Context, coll *mongo.Collection, number string, raw bson.Raw) error {
	res, err := coll.ReplaceOne(ctx, byID(number), raw)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", number, err)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	return s.moveTicket(ctx, coll, number, raw)
}

// moveTicket writes raw into target and then deletes the ticket from the
// other ticket collection, so that a crash in between leaves the new
// version and an older copy, never no copy. An older copy that such a
// crash left in target is replaced. It returns an error wrapping
// ErrNotFound, and stores nothing, when neither collection held the
// ticket.
func (s *Store) moveTicket(ctx context.Context, target *mongo.Collection, number string, raw bson.Raw) error {
	dups, err := insertNew(ctx, target, []bson.Raw{raw})
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", number, err)
	}
	existed := len(dups) > 0
	if existed {
		res, err := target.ReplaceOne(ctx, byID(number), raw)
		if err != nil {
			return fmt.Errorf("update ticket %s: %w", number, err)
		}
		if res.MatchedCount == 0 {
			// The insert collided with another ticket's source key.
			return fmt.Errorf("update ticket %s: source key stored under another number: %w", number, ErrDuplicate)
		}
	}

	res, err := s.otherTicketColl(target).DeleteOne(ctx, byID(number))
	if err != nil {
		return fmt.Errorf("update ticket %s: delete the copy in the other collection: %w", number, err)
	}
	if existed || res.DeletedCount > 0 {
		return nil
	}
	if _, err := target.DeleteOne(ctx, byID(number)); err != nil {
		return fmt.Errorf("update ticket %s: take back the insert of a ticket that was not stored: %w", number, err)
	}
	return fmt.Errorf("ticket %s: %w", number, ErrNotFound)
}

// otherTicketColl returns the ticket collection that is not coll.
func (s *Store) otherTicketColl(coll *mongo.Collection) *mongo.Collection {
	if coll == s.tickets {
		return s.ticketsClosed
	}
	return s.tickets
}

// byID selects the document _id == id.
func byID(id string) bson.D {
	return bson.D{{Key: "_id", Value: id}}
}

// ticketGate lets a ticket be written by one holder at a time, where a
// holder takes one ticket, as UpdateTicket does, or a batch of them, as
// settling does. A batch waits until none of its tickets is taken and
// then takes them all at once, so no two holders wait for each other.
// The zero value is ready to use.
type ticketGate struct {
	mu    sync.Mutex
	freed *sync.Cond
	taken map[string]bool
}

// lock waits until none of numbers is taken, takes them and returns the
// func that releases them.
func (g *ticketGate) lock(numbers ...string) (unlock func()) {
	g.mu.Lock()
	if g.freed == nil {
		g.freed, g.taken = sync.NewCond(&g.mu), map[string]bool{}
	}
	for slices.ContainsFunc(numbers, func(n string) bool { return g.taken[n] }) {
		g.freed.Wait()
	}
	for _, n := range numbers {
		g.taken[n] = true
	}
	g.mu.Unlock()

	return func() {
		g.mu.Lock()
		for _, n := range numbers {
			delete(g.taken, n)
		}
		g.mu.Unlock()
		g.freed.Broadcast()
	}
}
