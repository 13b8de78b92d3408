package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Settling puts every ticket that the load of the ticket index found in
// the wrong place back into the collection of its state. Such tickets
// are the closed ones of a database written before tickets_closed
// existed, and the two copies that a crash in the middle of a move
// leaves. Settling keeps the copy with the higher version and writes it
// into the collection of its state unless it is there. Only then does it
// delete the ticket from the other collection, so a crash while settling
// leaves two copies again, and the next load settles them.
//
// FerretDB reads the whole table for every delete, by one _id or by a
// list of them, so settling works in batches, each with one query and
// one delete per collection. A batch reads the copies first. Then it
// holds the ticketGate of its tickets, so that no update of them runs,
// and skips those whose version in the index no longer matches what it
// read. Updates of other tickets go on meanwhile.

// settleBatch is how many tickets one step of settling handles. FerretDB
// passes each _id of a delete as one SQLite parameter, and the SQLite
// 3.46 of modernc.org/sqlite v1.32.0 allows 32,766 of them.
const settleBatch = 5000

// ticketPlaces records, during a load, which collections hold a copy of
// each ticket: 1 for tickets, 2 for tickets_closed.
type ticketPlaces map[string]uint8

const (
	placeOpen   uint8 = 1
	placeClosed uint8 = 2
)

func (p ticketPlaces) add(number string, closedColl bool) {
	if closedColl {
		p[number] |= placeClosed
	} else {
		p[number] |= placeOpen
	}
}

// misplaced returns the tickets of ix that have two copies or whose copy
// is not in the collection of its state, in number order.
func (p ticketPlaces) misplaced(ix *ticketIndex) []string {
	var out []string
	for number, at := range p {
		e, ok := ix.tickets[number]
		if !ok {
			continue
		}
		want := placeOpen
		if !e.state.Open() {
			want = placeClosed
		}
		if at != want {
			out = append(out, number)
		}
	}
	slices.Sort(out)
	return out
}

// settleLater settles numbers in the background, unless settling runs
// already: the next load of the index finds what that one leaves.
func (s *Store) settleLater(numbers []string) {
	if len(numbers) == 0 || !s.split() {
		return
	}
	s.startLoad(&s.settling, func(ctx context.Context) error {
		start := time.Now()
		moved, err := s.settleTickets(ctx, numbers)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("settling tickets failed; the next load of the ticket index retries", "tickets", len(numbers), "settled", moved, "error", err)
		}
		if err != nil {
			return err
		}
		s.log.Info("tickets settled", "tickets", moved, "took", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// settleTickets settles numbers batch by batch and returns how many it
// settled.
func (s *Store) settleTickets(ctx context.Context, numbers []string) (int, error) {
	done := 0
	for batch := range slices.Chunk(numbers, settleBatch) {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		if err := s.settleBatch(ctx, batch); err != nil {
			return done, err
		}
		done += len(batch)
	}
	return done, nil
}

// settleBatch settles the tickets numbers: the newest copy of each goes
// into the collection of its state, and then every copy in the other
// collection is deleted.
func (s *Store) settleBatch(ctx context.Context, numbers []string) error {
	inOpen, err := findAll[bson.Raw](ctx, s.tickets, idIn(numbers))
	if err != nil {
		return fmt.Errorf("settle tickets: read tickets: %w", err)
	}
	inClosed, err := findAll[bson.Raw](ctx, s.ticketsClosed, idIn(numbers))
	if err != nil {
		return fmt.Errorf("settle tickets: read closed tickets: %w", err)
	}

	defer s.ticketGate.lock(numbers...)()
	plan := planSettle(inOpen, inClosed, s.index)

	for _, step := range []struct {
		coll  *mongo.Collection
		write []bson.Raw
	}{{s.tickets, plan.toOpen}, {s.ticketsClosed, plan.toClosed}} {
		if err := putTickets(ctx, step.coll, step.write); err != nil {
			return fmt.Errorf("settle tickets: %w", err)
		}
	}
	if _, err := s.deleteIDs(ctx, s.tickets, plan.dropOpen); err != nil {
		return fmt.Errorf("settle tickets: delete from tickets: %w", err)
	}
	if _, err := s.deleteIDs(ctx, s.ticketsClosed, plan.dropClosed); err != nil {
		return fmt.Errorf("settle tickets: delete from closed tickets: %w", err)
	}
	return nil
}

// settlePlan lists the writes that settle a batch: the newest copies to
// write into each collection, and the tickets to delete from each.
type settlePlan struct {
	toOpen, toClosed     []bson.Raw
	dropOpen, dropClosed []string
}

// planSettle plans the settling of the copies read from tickets and
// from tickets_closed. It leaves out the tickets whose newest copy does
// not have the version that ix holds: they changed since the read.
func planSettle(inOpen, inClosed []bson.Raw, ix *ticketIndex) settlePlan {
	openVersion := versionsByNumber(inOpen)
	closedVersion := versionsByNumber(inClosed)

	var plan settlePlan
	for _, doc := range newestCopies(rawVersion, inOpen, inClosed) {
		number, v := rawVersion(doc)
		if indexed, ok := ix.version(number); !ok || indexed != v {
			continue
		}
		if rawState(doc).Open() {
			if have, ok := openVersion[number]; !ok || have < v {
				plan.toOpen = append(plan.toOpen, doc)
			}
			if _, ok := closedVersion[number]; ok {
				plan.dropClosed = append(plan.dropClosed, number)
			}
			continue
		}
		if have, ok := closedVersion[number]; !ok || have < v {
			plan.toClosed = append(plan.toClosed, doc)
		}
		if _, ok := openVersion[number]; ok {
			plan.dropOpen = append(plan.dropOpen, number)
		}
	}
	return plan
}

func versionsByNumber(docs []bson.Raw) map[string]int64 {
	out := make(map[string]int64, len(docs))
	for _, doc := range docs {
		number, v := rawVersion(doc)
		out[number] = v
	}
	return out
}

// putTickets inserts docs into coll, replacing the older copies that
// coll holds of some of them.
func putTickets(ctx context.Context, coll *mongo.Collection, docs []bson.Raw) error {
	dups, err := insertNew(ctx, coll, docs)
	if err != nil {
		return err
	}
	for _, i := range dups {
		number, _ := rawVersion(docs[i])
		res, err := coll.ReplaceOne(ctx, byID(number), docs[i])
		if err != nil {
			return fmt.Errorf("replace ticket %s in %s: %w", number, coll.Name(), err)
		}
		if res.MatchedCount == 0 {
			return fmt.Errorf("replace ticket %s in %s: source key stored under another number: %w", number, coll.Name(), ErrDuplicate)
		}
	}
	return nil
}
