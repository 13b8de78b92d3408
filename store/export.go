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
// EachBlob, OpenBlob and PutBlob. Leases, outbox claims, ticket notes and
// record notes are left out because they only matter while an instance
// runs, and the register of outbox keys because InsertRaw rebuilds it
// from the outbox and sent collections. The closed tickets that the
// embedded store keeps in tickets_closed are exported and imported as
// part of tickets, so an archive reads the same from either store.
var ExportCollections = []string{
	collCounters, collTickets, collRecords, collThreads, collMessages, collOutcomes, collOutbox, collSent,
	collCappedSends, collMailboxes,
}

// Empty reports whether the database holds no tickets, messages, records
// or outbox rows, sent ones included, as before a first start or a
// restore.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, coll := range append(s.ticketColls(), s.messages, s.records, s.outbox, s.sent) {
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
// through a cursor, two on the embedded store, and stops at the first
// error fn returns. Of two copies of a ticket, which a crash while
// moving it between tickets and tickets_closed leaves, it passes the
// one with the higher version.
func (s *Store) EachTicket(ctx context.Context, fn func(*workflow.Ticket) error) error {
	if !s.split() {
		return each(ctx, s.tickets, fn)
	}
	return s.eachTicketMerged(ctx, fn)
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
	live, err := s.liveCursor(ctx)
	if err != nil {
		return err
	}
	defer live.close(ctx)
	archived, err := newSortedCursor[workflow.Outgoing](ctx, s.sent)
	if err != nil {
		return err
	}
	defer archived.close(ctx)

	for live.item != nil || archived.item != nil {
		var next *workflow.Outgoing
		switch {
		case archived.item == nil || (live.item != nil && live.item.Key <= archived.item.Key):
			next = live.item
			if archived.item != nil && archived.item.Key == live.item.Key {
				err = archived.advance(ctx)
			}
			if err == nil {
				err = live.advance(ctx)
			}
		default:
			next = archived.item
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
// On the embedded store the tickets collection also lists the closed
// tickets, which it keeps in tickets_closed: those come first, then the
// open ones, and of two copies of a ticket only the newer one. Its
// outbox rows come in key order with the log of changes applied.
func (s *Store) EachRaw(ctx context.Context, collection string, fn func(bson.Raw) error) error {
	if !slices.Contains(ExportCollections, collection) {
		return fmt.Errorf("export %s: not an exported collection", collection)
	}
	if collection == collTickets && s.split() {
		if err := s.eachRawTicket(ctx, fn); err != nil {
			return fmt.Errorf("export %s: %w", collection, err)
		}
		return nil
	}
	if collection == collOutbox && s.ferret {
		if err := s.eachRawOutbox(ctx, fn); err != nil {
			return fmt.Errorf("export %s: %w", collection, err)
		}
		return nil
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

// eachRawOutbox passes the outbox rows of the embedded store as
// eachLiveRow reads them.
func (s *Store) eachRawOutbox(ctx context.Context, fn func(bson.Raw) error) error {
	return s.eachLiveRow(ctx, func(key string, e *queueEntry) error {
		doc := e.doc
		if len(e.logged) > 0 {
			o, err := e.outgoing(e.state)
			if err != nil {
				return err
			}
			if doc, err = bson.Marshal(o); err != nil {
				return fmt.Errorf("encode outbox row %s: %w", key, err)
			}
		}
		return fn(doc)
	})
}

// liveCursor returns a cursor over the outbox rows in key order. On the
// embedded store it passes the rows as the owner's memory has them, with
// the log of changes applied, and leaves out the sent rows that are in
// the archive already.
func (s *Store) liveCursor(ctx context.Context) (*sortedCursor[workflow.Outgoing], error) {
	if !s.ferret {
		return newSortedCursor[workflow.Outgoing](ctx, s.outbox)
	}
	var rows []*workflow.Outgoing
	err := s.eachLiveRow(ctx, func(key string, e *queueEntry) error {
		o, err := e.outgoing(e.state)
		if err != nil {
			return err
		}
		rows = append(rows, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sliceCursor(rows), nil
}

// eachLiveRow calls fn for the outbox rows of the embedded store in key
// order, as foldedRows reads them, leaving out the sent rows that are in
// the archive already.
func (s *Store) eachLiveRow(ctx context.Context, fn func(key string, e *queueEntry) error) error {
	rows, err := s.foldedRows(ctx, bson.D{}, nil)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(rows))
	for key, e := range rows {
		if !e.archived {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		if err := fn(key, rows[key]); err != nil {
			return err
		}
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
// sent rows also register their keys, so that Enqueue skips them. On the
// embedded store closed tickets go to tickets_closed, and the first
// batch of tickets loads the ticket index, which the import then keeps
// up to date. A client Store rejects it with ErrNotOwner.
func (s *Store) InsertRaw(ctx context.Context, collection string, docs []bson.Raw) (int, error) {
	if !slices.Contains(ExportCollections, collection) {
		return 0, fmt.Errorf("import %s: not an exported collection", collection)
	}
	if err := s.refuseClient("import " + collection); err != nil {
		return 0, err
	}
	if collection == collTickets && s.split() {
		return importSplitTickets(ctx, s, docs, decodeRawTicket)
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
	case s.trails != nil && collection == collRecords:
		s.trails.invalidate()
	case s.sends != nil && (collection == collSent || collection == collCappedSends):
		s.sends.invalidate()
	}
}

// ImportTickets inserts tickets as exported, skipping numbers that exist,
// and returns how many it inserted. On the embedded store closed tickets
// go to tickets_closed, and the first call loads the ticket index, which
// the import then keeps up to date. A client Store rejects it with
// ErrNotOwner.
func (s *Store) ImportTickets(ctx context.Context, tickets []*workflow.Ticket) (int, error) {
	if err := s.refuseClient("import tickets"); err != nil {
		return 0, err
	}
	if s.split() {
		return importSplitTickets(ctx, s, tickets, encodeTicket)
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
	defer s.forgetMemory(collRecords)
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
