package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/ingest"
)

// What became of a message is kept in the small outcomes collection
// rather than in the message document. FerretDB 1.24 with the SQLite
// handler scans the whole table, decoding every row, to apply an update
// even by _id. An update among large message documents therefore costs
// time in proportion to all stored mail. On a 2-core machine it took
// about 94 ms per update with 1,200 stored messages of 15 KB. Inserting
// an outcome costs the same at any size, and updating one, which is
// rare, scans only small documents.

// outcomeDoc is the outcome of one message, keyed like the message. A
// document that SetMessageTicket created before processing finished has
// no status, which reads as pending.
type outcomeDoc struct {
	Key        string        `bson:"_id"`
	Status     MessageStatus `bson:"status,omitempty"`
	Ticket     string        `bson:"ticket,omitempty"`
	Reason     string        `bson:"reason,omitempty"`
	FinishedAt time.Time     `bson:"finished_at,omitempty"`
}

func (o *outcomeDoc) applyTo(d *MessageDoc) {
	d.Status = o.Status
	if d.Status == "" {
		d.Status = MessagePending
	}
	d.Ticket, d.Reason, d.FinishedAt = o.Ticket, o.Reason, o.FinishedAt
}

// FinishMessages records the outcome of processing: one insertMany of
// outcome documents, plus one update for each message finished before
// (as when a quarantined message is released). An Outcome's Ticket
// replaces the stored one only when it is not empty. It does not check
// that the messages were saved.
func (s *Store) FinishMessages(ctx context.Context, outcomes []ingest.Outcome) error {
	now := s.now()
	docs := make([]outcomeDoc, len(outcomes))
	for i, o := range outcomes {
		status := MessageStatus(o.Disposition)
		if !status.Final() {
			return fmt.Errorf("finish message %s: invalid disposition %q", o.Key, o.Disposition)
		}
		docs[i] = outcomeDoc{Key: o.Key, Status: status, Ticket: o.Ticket, Reason: o.Reason, FinishedAt: now}
	}

	dups, err := insertNew(ctx, s.outcomes, docs)
	if err != nil {
		return fmt.Errorf("finish messages: %w", err)
	}
	for _, i := range dups {
		if err := s.updateOutcome(ctx, docs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) updateOutcome(ctx context.Context, o outcomeDoc) error {
	set := bson.D{
		{Key: "status", Value: o.Status},
		{Key: "reason", Value: o.Reason},
		{Key: "finished_at", Value: o.FinishedAt},
	}
	if o.Ticket != "" {
		set = append(set, bson.E{Key: "ticket", Value: o.Ticket})
	}
	_, err := s.outcomes.UpdateOne(ctx, bson.D{{Key: "_id", Value: o.Key}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("finish message %s: %w", o.Key, err)
	}
	return nil
}

// SetMessageTicket records that the message with key belongs to ticket,
// or returns an error wrapping ErrNotFound when no message has key.
func (s *Store) SetMessageTicket(ctx context.Context, key, ticket string) error {
	if _, err := s.messageByID(ctx, key, bson.D{{Key: "_id", Value: 1}}); err != nil {
		return err
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "ticket", Value: ticket}}}}
	_, err := s.outcomes.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, update, options.UpdateOne().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("set ticket of message %s: %w", key, err)
	}
	return nil
}

// fillOutcomes sets the outcome fields of docs, pending where none is
// stored.
func (s *Store) fillOutcomes(ctx context.Context, docs []*MessageDoc) error {
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.Key
	}
	found, err := findByIDs[outcomeDoc](ctx, s, s.outcomes, keys, nil)
	if err != nil {
		return fmt.Errorf("read message outcomes: %w", err)
	}
	byKey := make(map[string]*outcomeDoc, len(found))
	for i := range found {
		byKey[found[i].Key] = &found[i]
	}
	for _, d := range docs {
		o, ok := byKey[d.Key]
		if !ok {
			o = &outcomeDoc{}
		}
		o.applyTo(d)
	}
	return nil
}

// outcomeKeys returns the keys of the outcomes matching filter, in the
// order of sort.
func (s *Store) outcomeKeys(ctx context.Context, filter, sort bson.D, limit int) ([]string, error) {
	opts := options.Find().SetSort(sort).SetProjection(bson.D{{Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	found, err := findAll[outcomeDoc](ctx, s.outcomes, filter, opts)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(found))
	for i, o := range found {
		keys[i] = o.Key
	}
	return keys, nil
}

// findByIDs returns the documents of coll whose _id is one of ids, in no
// particular order. MongoDB gets one $in query. FerretDB gets one query
// per id, because it serves only a single _id value from its primary key
// and would otherwise read every document of the collection.
func findByIDs[T any](ctx context.Context, s *Store, coll *mongo.Collection, ids []string, projection bson.D) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if !s.ferret {
		opts := options.Find()
		if projection != nil {
			opts.SetProjection(projection)
		}
		return findAll[T](ctx, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, opts)
	}

	opts := options.FindOne()
	if projection != nil {
		opts.SetProjection(projection)
	}
	var out []T
	for _, id := range ids {
		var v T
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&v)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
