package store

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// On the embedded store the open tickets live in tickets and the closed
// ones in tickets_closed. FerretDB 1.24 with SQLite reads the whole table
// for every update by _id (see ticket_index.go), so this way the updates
// that replies and timers make cost in proportion to the open tickets,
// not to every ticket ever received. UpdateTicket moves a ticket when it
// closes or reopens: it writes the new version into the collection of
// the new state and then deletes the old version from the other one. A
// crash in between leaves two copies, and every reader takes the one
// with the higher version. The Store that runs FerretDB is the only one
// that updates tickets. After it loads its ticket index, it deletes such
// leftover copies and moves the closed tickets of a database written
// before the split (see ticket_settle.go).
//
// A Store connected to a URI keeps every ticket in tickets, because
// MongoDB serves an update by _id from its index.
//
// NOTE: until the leftovers of such a crash are deleted, the queries
// that filter on fields other than _id can return or count the older
// copy when only that copy matches. These are ListTickets,
// ClosedTicketsBefore, SimilarCandidates and the counts of a Store
// without the ticket index.

// split reports whether closed tickets live in tickets_closed.
func (s *Store) split() bool { return s.ticketsClosed != nil }

// ticketColls returns the collections that hold tickets, tickets first.
func (s *Store) ticketColls() []*mongo.Collection {
	if !s.split() {
		return []*mongo.Collection{s.tickets}
	}
	return []*mongo.Collection{s.tickets, s.ticketsClosed}
}

// ticketCollFor returns the collection where a ticket in state belongs.
func (s *Store) ticketCollFor(state workflow.State) *mongo.Collection {
	if s.split() && state == workflow.StateClosed {
		return s.ticketsClosed
	}
	return s.tickets
}

// findTickets runs a find on every ticket collection and returns the
// newest copy of each ticket found. With order set, it sorts the result
// and keeps the first limit tickets (all when limit is zero or less).
// Each collection gets the same options, so a limit in opts must not be
// smaller than limit.
func (s *Store) findTickets(ctx context.Context, filter any, opts *options.FindOptionsBuilder, order func(a, b *workflow.Ticket) int, limit int) ([]*workflow.Ticket, error) {
	if opts == nil {
		opts = options.Find()
	}
	lists := make([][]*workflow.Ticket, 0, 2)
	for _, coll := range s.ticketColls() {
		found, err := findAll[*workflow.Ticket](ctx, coll, filter, opts)
		if err != nil {
			return nil, err
		}
		lists = append(lists, found)
	}
	if len(lists) == 1 {
		return lists[0], nil
	}

	out := newestCopies(ticketVersion, lists...)
	if order != nil {
		slices.SortFunc(out, order)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ticketsByIDs returns the newest copy of each of the tickets numbers
// that is stored, in no particular order. On FerretDB it makes one
// query per number and collection, as findByIDs does.
func (s *Store) ticketsByIDs(ctx context.Context, numbers []string, projection bson.D) ([]*workflow.Ticket, error) {
	var lists [][]*workflow.Ticket
	for _, coll := range s.ticketColls() {
		found, err := findByIDs[*workflow.Ticket](ctx, s, coll, numbers, projection)
		if err != nil {
			return nil, err
		}
		lists = append(lists, found)
	}
	return newestCopies(ticketVersion, lists...), nil
}

// rawTicketsByIDs is ticketsByIDs for the stored documents.
func (s *Store) rawTicketsByIDs(ctx context.Context, numbers []string) ([]bson.Raw, error) {
	var lists [][]bson.Raw
	for _, coll := range s.ticketColls() {
		found, err := findByIDs[bson.Raw](ctx, s, coll, numbers, nil)
		if err != nil {
			return nil, err
		}
		lists = append(lists, found)
	}
	return newestCopies(rawVersion, lists...), nil
}

// countTicketsBy is countBy summed over the ticket collections.
func (s *Store) countTicketsBy(ctx context.Context, filter bson.D, key string) (map[string]int, error) {
	total := map[string]int{}
	for _, coll := range s.ticketColls() {
		counts, err := countBy(ctx, coll, filter, key)
		if err != nil {
			return nil, err
		}
		for k, n := range counts {
			total[k] += n
		}
	}
	return total, nil
}

// newestCopies returns one document per ticket number from lists, the
// one with the highest version, in the order the numbers first appear.
// Of two copies with the same version it keeps the first.
func newestCopies[T any](version func(T) (string, int64), lists ...[]T) []T {
	at := map[string]int{}
	var out []T
	for _, list := range lists {
		for _, doc := range list {
			number, v := version(doc)
			i, seen := at[number]
			if !seen {
				at[number] = len(out)
				out = append(out, doc)
				continue
			}
			if _, kept := version(out[i]); v > kept {
				out[i] = doc
			}
		}
	}
	return out
}

func ticketVersion(t *workflow.Ticket) (string, int64) { return t.Number, t.Version }

// rawVersion returns the _id and version of a stored ticket.
func rawVersion(doc bson.Raw) (string, int64) {
	number, _ := doc.Lookup("_id").StringValueOK()
	return number, rawInt64(doc, "version")
}

// rawInt64 returns the whole number stored under key, or 0.
func rawInt64(doc bson.Raw, key string) int64 {
	v, _ := doc.Lookup(key).AsInt64OK()
	return v
}

// rawState returns the state of a stored ticket.
func rawState(doc bson.Raw) workflow.State {
	state, _ := doc.Lookup("state").StringValueOK()
	return workflow.State(state)
}
