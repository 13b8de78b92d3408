package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// FerretDB 1.24 runs findAndModify and every update as a read followed by
// an unconditional write by _id, so two writers can both pass the same
// filter: a conditional update is not a compare-and-swap there. Only an
// insert that collides with a unique key is atomic. The Store therefore
// builds its cross-process guarantees (ticket numbers, outbox claims) on
// inserts, and on FerretDB runs the remaining read-check-write updates
// under a per-key lock held by this Store.
//
// That lock covers one Store. On the embedded store only the Store that
// runs FerretDB makes these updates; a client Store rejects them (see
// client.go).
//
// NOTE: on a FerretDB reached by URI, two Stores or two processes can
// still both pass a guarded update of the same document (UpdateTicket,
// Mark*, AcquireLease, SaveMailboxState) if they race within one round
// trip. MongoDB has no such gap.

// lockKey serialises guarded updates of one document within this Store
// on FerretDB and does nothing on MongoDB. Call the returned func to
// unlock.
func (s *Store) lockKey(coll, id string) func() {
	if !s.ferret {
		return func() {}
	}
	h := fnv.New32a()
	h.Write([]byte(coll))
	h.Write([]byte{0})
	h.Write([]byte(id))
	mu := &s.keyLocks[h.Sum32()%uint32(len(s.keyLocks))]
	mu.Lock()
	return mu.Unlock
}

// guardedWrite applies a write to the document _id == id only when it
// still meets a condition. cond is the condition as a filter for
// MongoDB, where the write is one atomic update with it. check evaluates
// the same condition on the stored document and returns an error
// wrapping ErrConflict when it fails. On FerretDB the write filters on
// _id alone, which FerretDB serves from its primary key, after check
// passed under lockKey. write receives the filter to use.
//
// It returns an error wrapping ErrNotFound when no document has id.
func (s *Store) guardedWrite(ctx context.Context, coll *mongo.Collection, id string, cond bson.D, check func(bson.Raw) error, write func(filter bson.D) (matched int64, err error)) error {
	if !s.ferret {
		return s.writeIfMatch(ctx, coll, id, cond, check, write)
	}

	defer s.lockKey(coll.Name(), id)()

	doc, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("%s %s: %w", coll.Name(), id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read %s %s: %w", coll.Name(), id, err)
	}
	if err := check(doc); err != nil {
		return err
	}

	matched, err := write(bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return err
	}
	if matched == 0 {
		return fmt.Errorf("%s %s: %w", coll.Name(), id, ErrNotFound)
	}
	return nil
}

// writeIfMatch is guardedWrite's MongoDB path: the write carries the
// condition, and only a write that matched nothing reads the document to
// say why.
func (s *Store) writeIfMatch(ctx context.Context, coll *mongo.Collection, id string, cond bson.D, check func(bson.Raw) error, write func(filter bson.D) (int64, error)) error {
	filter := append(bson.D{{Key: "_id", Value: id}}, cond...)
	matched, err := write(filter)
	if err != nil {
		return err
	}
	if matched > 0 {
		return nil
	}

	doc, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("%s %s: %w", coll.Name(), id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read %s %s: %w", coll.Name(), id, err)
	}
	if err := check(doc); err != nil {
		return err
	}
	// The document changed back between the write and the read.
	return fmt.Errorf("%s %s: %w", coll.Name(), id, ErrConflict)
}

// casFilter returns the filter of a write that must apply only while the
// document meets cond: _id and cond on MongoDB, _id alone on FerretDB,
// where the caller checked cond under lockKey.
func (s *Store) casFilter(id string, cond bson.D) bson.D {
	filter := bson.D{{Key: "_id", Value: id}}
	if s.ferret {
		return filter
	}
	return append(filter, cond...)
}
