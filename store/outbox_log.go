package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/keluhan/keluhan/workflow"
)

// collOutboxLog records the changes of outbox rows on the embedded store
// that compaction has not folded into the outbox yet. Only the Store
// that runs the embedded FerretDB writes it.
const collOutboxLog = "outbox_log"

// logDoc is one entry of outbox_log: a change of the row Key, with the
// whole changing part of the row after it, or, with Archived set, a
// marker that compaction stored the sent row Key in the archive. Its _id
// orders the changes of one row: the highest one is the row's state.
type logDoc struct {
	Seq         int64                 `bson:"_id"`
	Key         string                `bson:"key"`
	Status      workflow.OutboxStatus `bson:"status,omitempty"`
	Attempts    int                   `bson:"attempts,omitempty"`
	NextAttempt time.Time             `bson:"next_attempt,omitempty"`
	LeaseOwner  string                `bson:"lease_owner,omitempty"`
	LeaseUntil  time.Time             `bson:"lease_until,omitempty"`
	LastError   string                `bson:"last_error,omitempty"`
	SentAt      time.Time             `bson:"sent_at,omitempty"`
	Archived    bool                  `bson:"archived,omitempty"`
	At          time.Time             `bson:"at"`
}

func (d *logDoc) state() rowState {
	return rowState{
		Status: d.Status, Attempts: d.Attempts, NextAttempt: d.NextAttempt,
		LeaseOwner: d.LeaseOwner, LeaseUntil: d.LeaseUntil, LastError: d.LastError, SentAt: d.SentAt,
	}
}

// changeDoc returns the log entry seq that records st as the state of
// the row key.
func changeDoc(seq int64, key string, st rowState, at time.Time) logDoc {
	return logDoc{
		Seq: seq, Key: key, Status: st.Status, Attempts: st.Attempts, NextAttempt: st.NextAttempt,
		LeaseOwner: st.LeaseOwner, LeaseUntil: st.LeaseUntil, LastError: st.LastError, SentAt: st.SentAt, At: at,
	}
}

func (s *Store) outboxLog() *mongo.Collection { return s.db.Collection(collOutboxLog) }

// writeLog stores log entries in one insertMany. An entry stored before,
// as by a retried compaction, is left as it is.
func (s *Store) writeLog(ctx context.Context, docs []logDoc) error {
	if _, err := insertNew(ctx, s.outboxLog(), docs); err != nil {
		return fmt.Errorf("write outbox log: %w", err)
	}
	return nil
}

// readLog returns every log entry in _id order.
func (s *Store) readLog(ctx context.Context) ([]logDoc, error) {
	docs, err := findAll[logDoc](ctx, s.outboxLog(), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read outbox log: %w", err)
	}
	slices.SortFunc(docs, func(a, b logDoc) int { return cmp.Compare(a.Seq, b.Seq) })
	return docs, nil
}

// foldLog applies docs, in _id order, to rows, the entries of the stored
// outbox rows by key: a change sets the state, a marker sets archived.
// It records the ids in the entries, for compaction to delete, and
// returns the ids of the entries about rows the outbox does not hold,
// because compaction archived them or a purge deleted them, and the
// highest id.
func foldLog(rows map[string]*queueEntry, docs []logDoc) (dead []int64, last int64) {
	for _, d := range docs {
		last = max(last, d.Seq)
		e := rows[d.Key]
		switch {
		case e == nil:
			dead = append(dead, d.Seq)
		case d.Archived:
			e.archived, e.marker = true, d.Seq
		default:
			e.state, e.lastSeq, e.durable = d.state(), d.Seq, d.Seq
			e.logged = append(e.logged, d.Seq)
		}
	}
	return dead, last
}
