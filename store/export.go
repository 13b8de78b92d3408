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

// ExportCollections lists the collections a full export must copy, in an
// order that import can follow. Blobs are not among them: copy those with
// EachBlob, OpenBlob and PutBlob. Leases and outbox claims are left out
// because they only matter while an instance runs.
var ExportCollections = []string{
	collCounters, collTickets, collRecords, collThreads, collMessages, collOutcomes, collOutbox, collMailboxes,
}

// Empty reports whether the database holds no tickets, messages, records
// or outbox rows, as before a first start or a restore.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, coll := range []*mongo.Collection{s.tickets, s.messages, s.records, s.outbox} {
		opts := options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})
		err := coll.FindOne(ctx, bson.D{}, opts).Err()
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("check %s is empty: %w", coll.Name(), err)
		}
		return false, nil
	}
	return true, nil
}

// EachTicket calls fn for every ticket in number order, reading them
// through a cursor, and stops at the first error fn returns.
func (s *Store) EachTicket(ctx context.Context, fn func(*workflow.Ticket) error) error {
	return each(ctx, s.tickets, fn)
}

// EachRecord calls fn for every audit record in key order, reading them
// through a cursor, and stops at the first error fn returns.
func (s *Store) EachRecord(ctx context.Context, fn func(*workflow.Record) error) error {
	return each(ctx, s.records, fn)
}

// EachOutgoing calls fn for every outbox row in key order, reading them
// through a cursor, and stops at the first error fn returns.
func (s *Store) EachOutgoing(ctx context.Context, fn func(*workflow.Outgoing) error) error {
	return each(ctx, s.outbox, fn)
}

// EachMessage calls fn for every archived message in key order, with its
// inline raw bytes and its outcome, reading them through a cursor, and
// stops at the first error fn returns. A message with RawBlob set has its
// bytes in the blob store instead. Each message costs a second query for
// its outcome.
func (s *Store) EachMessage(ctx context.Context, fn func(*MessageDoc) error) error {
	return each(ctx, s.messages, func(d *MessageDoc) error {
		if err := s.fillOutcomes(ctx, []*MessageDoc{d}); err != nil {
			return err
		}
		return fn(d)
	})
}

// EachRaw calls fn for every document of the named collection, one of
// ExportCollections, as stored, in _id order. fn must not keep the
// document after it returns: the cursor reuses its memory.
func (s *Store) EachRaw(ctx context.Context, collection string, fn func(bson.Raw) error) error {
	if !slices.Contains(ExportCollections, collection) {
		return fmt.Errorf("export %s: not an exported collection", collection)
	}
	coll := s.db.Collection(collection)
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("export %s: %w", collection, err)
	}
	defer closeCursor(ctx, cur)

	for cur.Next(ctx) {
		if err := fn(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("export %s: %w", collection, err)
	}
	return nil
}

// each decodes every document of coll into a new T, in _id order.
func each[T any](ctx context.Context, coll *mongo.Collection, fn func(*T) error) error {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	defer closeCursor(ctx, cur)

	for cur.Next(ctx) {
		v := new(T)
		if err := cur.Decode(v); err != nil {
			return fmt.Errorf("read %s: %w", coll.Name(), err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	return nil
}

// InsertRaw inserts a batch of documents into the named collection, one
// of ExportCollections, as EachRaw returned them, in one unordered
// insertMany. Documents whose _id exists are skipped, so an interrupted
// import can run again. It returns how many were inserted.
func (s *Store) InsertRaw(ctx context.Context, collection string, docs []bson.Raw) (int, error) {
	if !slices.Contains(ExportCollections, collection) {
		return 0, fmt.Errorf("import %s: not an exported collection", collection)
	}
	return importDocs(ctx, s.db.Collection(collection), docs)
}

// ImportTickets inserts tickets as exported, skipping numbers that exist,
// and returns how many it inserted.
func (s *Store) ImportTickets(ctx context.Context, tickets []*workflow.Ticket) (int, error) {
	return importDocs(ctx, s.tickets, tickets)
}

// ImportRecords inserts audit records as exported, skipping keys that
// exist, and returns how many it inserted.
func (s *Store) ImportRecords(ctx context.Context, records []*workflow.Record) (int, error) {
	return importDocs(ctx, s.records, records)
}

// ImportOutgoing inserts outbox rows as exported, skipping keys that
// exist, and returns how many it inserted. Rows keep their status; a row
// exported while sending is reclaimed once its lease expires.
func (s *Store) ImportOutgoing(ctx context.Context, rows []*workflow.Outgoing) (int, error) {
	return importDocs(ctx, s.outbox, rows)
}

// ImportMessages inserts archived messages as exported, with their
// outcomes, skipping keys that exist, and returns how many messages it
// inserted.
func (s *Store) ImportMessages(ctx context.Context, docs []*MessageDoc) (int, error) {
	var outcomes []outcomeDoc
	for _, d := range docs {
		if d.Status.Final() || d.Ticket != "" {
			o := outcomeDoc{Key: d.Key, Ticket: d.Ticket, Reason: d.Reason, FinishedAt: d.FinishedAt}
			if d.Status.Final() {
				o.Status = d.Status
			}
			outcomes = append(outcomes, o)
		}
	}
	if _, err := importDocs(ctx, s.outcomes, outcomes); err != nil {
		return 0, err
	}
	return importDocs(ctx, s.messages, docs)
}

func importDocs[T any](ctx context.Context, coll *mongo.Collection, docs []T) (int, error) {
	dups, err := insertNew(ctx, coll, docs)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	return len(docs) - len(dups), nil
}
