package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// index is one secondary index. Every lookup the Store makes by a field
// other than _id has one here.
//
// NOTE: FerretDB 1.24 with the SQLite handler uses indexes only to
// enforce uniqueness. It pushes down to SQLite nothing but a filter on a
// single _id value, and even that filter reads every row, because its
// expression differs from the one the _id index covers. Any other query
// also decodes every document in Go. These indexes therefore serve
// MongoDB. ticket_index.go, ticket_split.go, trail_cache.go and
// outbox_archive.go describe how the embedded store keeps its hot paths
// off large collections.
type index struct {
	coll   string
	keys   bson.D
	unique bool
}

var indexes = []index{
	{collOutcomes, bson.D{{Key: "ticket", Value: 1}}, false},
	{collOutcomes, bson.D{{Key: "status", Value: 1}, {Key: "finished_at", Value: -1}}, false},

	// InsertTickets relies on this index to report a ticket opened twice
	// from the same source. source_key is always written, because
	// FerretDB's unique indexes do not treat a missing field as a value.
	{collTickets, bson.D{{Key: "source_key", Value: 1}}, true},
	{collTickets, bson.D{{Key: "state", Value: 1}, {Key: "received_at", Value: -1}}, false},
	{collTickets, bson.D{{Key: "received_at", Value: -1}}, false},
	{collTickets, bson.D{{Key: "next_timer", Value: 1}}, false},
	{collTickets, bson.D{{Key: "requester.email", Value: 1}, {Key: "received_at", Value: -1}}, false},
	{collTickets, bson.D{{Key: "terms", Value: 1}, {Key: "received_at", Value: -1}}, false},

	{collCounters, bson.D{{Key: "counter", Value: 1}, {Key: "first", Value: -1}}, false},

	{collRecords, bson.D{{Key: "ticket", Value: 1}, {Key: "at", Value: 1}}, false},

	{collOutbox, bson.D{{Key: "status", Value: 1}, {Key: "next_attempt", Value: 1}}, false},
	{collOutbox, bson.D{{Key: "status", Value: 1}, {Key: "lease_until", Value: 1}}, false},
	{collOutbox, bson.D{{Key: "ticket", Value: 1}, {Key: "created_at", Value: -1}}, false},
	{collOutbox, bson.D{{Key: "created_at", Value: -1}}, false},

	{collSent, bson.D{{Key: "ticket", Value: 1}, {Key: "created_at", Value: -1}}, false},
	{collSent, bson.D{{Key: "created_at", Value: -1}}, false},

	{collCappedSends, bson.D{{Key: "to", Value: 1}, {Key: "at", Value: -1}}, false},
	{collCappedSends, bson.D{{Key: "at", Value: 1}}, false},

	// The GridFS indexes the driver would otherwise create on the first
	// upload.
	{bucketBlobs + ".files", bson.D{{Key: "filename", Value: 1}, {Key: "uploadDate", Value: 1}}, false},
	{bucketBlobs + ".chunks", bson.D{{Key: "files_id", Value: 1}, {Key: "n", Value: 1}}, true},
}

// ensureIndexes creates every index, one createIndexes command each.
// Creating an index that exists with the same specification does nothing
// on MongoDB and on FerretDB, so concurrent Opens are safe. Collections
// come into being with their first index.
//
// FerretDB 1.24 panics, and drops the connection, when one createIndexes
// command names two or more indexes that already exist: it deletes from
// its list of indexes to create by positions in the original list. One
// index per command avoids that.
func (s *Store) ensureIndexes(ctx context.Context) error {
	for _, ix := range indexes {
		model := mongo.IndexModel{Keys: ix.keys}
		if ix.unique {
			model.Options = options.Index().SetUnique(true)
		}
		if _, err := s.db.Collection(ix.coll).Indexes().CreateOne(ctx, model); err != nil {
			return fmt.Errorf("create index on %s: %w", ix.coll, err)
		}
	}
	return s.ensureCollections(ctx)
}

// ensureCollections creates the collections that have no secondary
// index, so that listing the database shows every collection.
func (s *Store) ensureCollections(ctx context.Context) error {
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	have := map[string]bool{}
	for _, name := range existing {
		have[name] = true
	}

	names := []string{collMessages, collThreads, collLeases, collMailboxes, collClaims, collOutboxKeys, collTicketNotes}
	if s.split() {
		names = append(names, collTicketsClosed, collRecordNotes)
	}
	for _, name := range names {
		if have[name] {
			continue
		}
		err := s.db.CreateCollection(ctx, name)
		if err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("create collection %s: %w", name, err)
		}
	}
	return nil
}

// isNamespaceExists reports whether err reports that the collection exists,
// which happens when another instance created it first.
func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == codeNamespaceExists
}
