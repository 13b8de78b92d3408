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
// EachBlob, OpenBlob and PutBlob. Leases, outbox claims and ticket notes
// are left out because they only matter while an instance runs, and the
// register of outbox keys because InsertRaw rebuilds it from the outbox
// and sent collections.
var ExportCollections = []string{
	collCounters, collTickets, collRecords, collThreads, collMessages, collOutcomes, collOutbox, collSent,
	collCappedSends, collMailboxes,
}

// Empty reports whether the database holds no tickets, messages, records
// or outbox rows, sent ones included, as before a first start or a
// restore.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, coll := range []*mongo.Collection{s.tickets, s.messages, s.records, s.outbox, s.sent} {
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

// EachOutgoing calls fn for every outbox row in key order, the archived
// sent rows included, reading them through two cursors, and stops at the
// first error fn returns. A row found both in the outbox and in the
// archive, as after an interrupted MarkSent, is passed once, as the
// outbox holds it.
func (s *Store) EachOutgoing(ctx context.Context, fn func(*workflow.Outgoing) error) error {
	live, err := newRowCursor(ctx, s.outbox)
	if err != nil {
		return err
	}
	defer live.close(ctx)
	archived, err := newRowCursor(ctx, s.sent)
	if err != nil {
		return err
	}
	defer archived.close(ctx)

	for live.row != nil || archived.row != nil {
		var next *workflow.Outgoing
		switch {
		case archived.row == nil || (live.row != nil && live.row.Key <= archived.row.Key):
			next = live.row
			if archived.row != nil && archived.row.Key == live.row.Key {
				err = archived.advance(ctx)
			}
			if err == nil {
				err = live.advance(ctx)
			}
		default:
			next = archived.row
			err = archived.advance(ctx)
		}
		if err != nil {
			return err
		}
		if err := fn(next); err != nil {
			return err
		}
	}
	return nil
}

// rowCursor reads outbox rows in key order, one ahead.
type rowCursor struct {
	cur  *mongo.Cursor
	name string
	row  *workflow.Outgoing
}

func newRowCursor(ctx context.Context, coll *mongo.Collection) (*rowCursor, error) {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	c := &rowCursor{cur: cur, name: coll.Name()}
	if err := c.advance(ctx); err != nil {
		closeCursor(ctx, cur)
		return nil, err
	}
	return c, nil
}

// advance reads the next row, leaving row nil at the end.
func (c *rowCursor) advance(ctx context.Context) error {
	c.row = nil
	if !c.cur.Next(ctx) {
		if err := c.cur.Err(); err != nil {
			return fmt.Errorf("read %s: %w", c.name, err)
		}
		return nil
	}
	var o workflow.Outgoing
	if err := c.cur.Decode(&o); err != nil {
		return fmt.Errorf("read %s: %w", c.name, err)
	}
	c.row = &o
	return nil
}

func (c *rowCursor) close(ctx context.Context) { closeCursor(ctx, c.cur) }

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
// ExportCollections, as stored: in _id order on MongoDB, in insertion
// order on FerretDB, which cannot sort without reading the whole
// collection into memory. An import inserts in export order, so a second
// export of an imported store lists documents in the same order. fn must
// not keep the document after it returns: the cursor reuses its memory.
func (s *Store) EachRaw(ctx context.Context, collection string, fn func(bson.Raw) error) error {
	if !slices.Contains(ExportCollections, collection) {
		return fmt.Errorf("export %s: not an exported collection", collection)
	}
	coll := s.db.Collection(collection)
	opts := options.Find()
	if !s.ferret {
		opts.SetSort(bson.D{{Key: "_id", Value: 1}})
	}
	cur, err := coll.Find(ctx, bson.D{}, opts)
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
// import can run again. It returns how many were inserted. Outbox and
// sent rows also register their keys, so that Enqueue skips them. A
// client Store rejects it with ErrNotOwner.
func (s *Store) InsertRaw(ctx context.Context, collection string, docs []bson.Raw) (int, error) {
	if !slices.Contains(ExportCollections, collection) {
		return 0, fmt.Errorf("import %s: not an exported collection", collection)
	}
	if err := s.refuseClient("import " + collection); err != nil {
		return 0, err
	}
	defer s.forgetMemory(collection)

	if collection == collOutbox || collection == collSent {
		if err := s.registerRawKeys(ctx, docs); err != nil {
			return 0, fmt.Errorf("import %s: %w", collection, err)
		}
	}
	return importDocs(ctx, s.db.Collection(collection), docs)
}

// registerRawKeys registers the _id of each document as an outbox key.
func (s *Store) registerRawKeys(ctx context.Context, docs []bson.Raw) error {
	rows := make([]*workflow.Outgoing, 0, len(docs))
	for _, d := range docs {
		key, ok := d.Lookup("_id").StringValueOK()
		if !ok {
			return errors.New("document without a string _id")
		}
		rows = append(rows, &workflow.Outgoing{Key: key})
	}
	_, err := s.registerKeys(ctx, rows, s.now())
	return err
}

// forgetMemory makes the Store that runs the embedded FerretDB read what
// it keeps in memory of collection again, after an import wrote to it
// directly.
func (s *Store) forgetMemory(collection string) {
	switch {
	case s.index != nil && collection == collTickets:
		s.index.invalidate()
	case s.sends != nil && (collection == collSent || collection == collCappedSends):
		s.sends.invalidate()
	}
}

// ImportTickets inserts tickets as exported, skipping numbers that exist,
// and returns how many it inserted. A client Store rejects it with
// ErrNotOwner.
func (s *Store) ImportTickets(ctx context.Context, tickets []*workflow.Ticket) (int, error) {
	if err := s.refuseClient("import tickets"); err != nil {
		return 0, err
	}
	defer s.forgetMemory(collTickets)
	return importDocs(ctx, s.tickets, tickets)
}

// ImportRecords inserts audit records as exported, skipping keys that
// exist, and returns how many it inserted. A client Store rejects it
// with ErrNotOwner.
func (s *Store) ImportRecords(ctx context.Context, records []*workflow.Record) (int, error) {
	if err := s.refuseClient("import records"); err != nil {
		return 0, err
	}
	return importDocs(ctx, s.records, records)
}

// ImportOutgoing inserts outbox rows as exported, skipping keys that
// exist, and returns how many it inserted. Rows keep their status; a row
// exported while sending is reclaimed once its lease expires. Sent rows
// go to the archive, and capped ones among them count against the cap
// from their SentAt. A client Store rejects it with ErrNotOwner.
func (s *Store) ImportOutgoing(ctx context.Context, rows []*workflow.Outgoing) (int, error) {
	if err := s.refuseClient("import outgoing"); err != nil {
		return 0, err
	}
	defer s.forgetMemory(collSent)

	if _, err := s.registerKeys(ctx, rows, s.now()); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	var live, sent []*workflow.Outgoing
	var capped []cappedDoc
	for _, r := range rows {
		if r.Status != workflow.OutboxSent {
			live = append(live, r)
			continue
		}
		sent = append(sent, r)
		if r.Capped && !r.SentAt.IsZero() {
			capped = append(capped, cappedDoc{Key: r.Key, To: r.To.Email, At: r.SentAt})
		}
	}
	if _, err := importDocs(ctx, s.cappedSends, capped); err != nil {
		return 0, err
	}
	n, err := importDocs(ctx, s.outbox, live)
	if err != nil {
		return n, err
	}
	m, err := importDocs(ctx, s.sent, sent)
	return n + m, err
}

// ImportMessages inserts archived messages as exported, with their
// outcomes, skipping keys that exist, and returns how many messages it
// inserted. A client Store rejects it with ErrNotOwner.
func (s *Store) ImportMessages(ctx context.Context, docs []*MessageDoc) (int, error) {
	if err := s.refuseClient("import messages"); err != nil {
		return 0, err
	}
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
