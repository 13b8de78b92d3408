package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// The outbox holds only rows that still need work: pending, sending,
// failed and suppressed. On FerretDB every claim reads the whole outbox,
// so sent rows move to the sent collection, the archive, which only
// inserts and reads by export touch.
//
// On a Store connected to a URI, MarkSent first sets the row's status to
// sent in the outbox: from that moment the row counts as sent. Then it
// archives the row. It inserts the row into sent, records a capped send
// and deletes the row from the outbox by _id. A crash between those
// steps leaves a sent row in the outbox, maybe also in the archive;
// ClaimOutgoing and OutboxCounts archive such rows again, every step
// skipping what exists, and the readers of both collections count a row
// found in both once. No reader needs to look a key up in the archive to
// know whether it was sent. The embedded store archives in batches
// instead, as outbox_compact.go describes.
//
// Enqueue must still skip a row that was sent and archived. It first
// registers the keys in outbox_keys, whose unique _id makes the insert
// the check; only keys registered before, as in a replay, cost a look
// into the outbox and the archive.

// outboxKeyDoc registers one outbox key.
type outboxKeyDoc struct {
	Key string    `bson:"_id"`
	At  time.Time `bson:"at"`
}

// registerKeys registers the keys of rows and returns the positions of
// those registered before.
func (s *Store) registerKeys(ctx context.Context, rows []*workflow.Outgoing, now time.Time) ([]int, error) {
	docs := make([]outboxKeyDoc, len(rows))
	for i, r := range rows {
		docs[i] = outboxKeyDoc{Key: r.Key, At: now}
	}
	dups, err := insertNew(ctx, s.outboxKeys, docs)
	if err != nil {
		return nil, fmt.Errorf("register outbox keys: %w", err)
	}
	return dups, nil
}

// lostRows returns those of rows, whose keys were registered before,
// that are stored nowhere: rows of an Enqueue that stopped between
// registering the keys and inserting the rows. A row is stored when the
// owner's queue holds it, or the outbox, or the archive. They are read
// in that order, and a row leaves one of them only after it is in the
// next, so a row moving meanwhile is found.
func (s *Store) lostRows(ctx context.Context, rows []*workflow.Outgoing) ([]*workflow.Outgoing, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	var keys []string
	for _, r := range rows {
		if s.queue != nil && s.queue.holds(r.Key) {
			known[r.Key] = true
		} else {
			keys = append(keys, r.Key)
		}
	}
	if err := s.findStored(ctx, keys, known); err != nil {
		return nil, err
	}

	var lost []*workflow.Outgoing
	for _, r := range rows {
		if !known[r.Key] {
			lost = append(lost, r)
		}
	}
	return lost, nil
}

// findStored sets known for those of keys that the outbox or the archive
// holds.
func (s *Store) findStored(ctx context.Context, keys []string, known map[string]bool) error {
	if len(keys) == 0 {
		return nil
	}
	idOnly := options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}})
	live, err := findAll[outboxKeyDoc](ctx, s.outbox, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}}, idOnly)
	if err != nil {
		return fmt.Errorf("read queued rows: %w", err)
	}
	for _, d := range live {
		known[d.Key] = true
	}

	archived, err := findByIDs[outboxKeyDoc](ctx, s, s.sent, unknown(keys, known), bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return fmt.Errorf("read archived rows: %w", err)
	}
	for _, d := range archived {
		known[d.Key] = true
	}
	return nil
}

// unknown returns those of keys that known does not hold.
func unknown(keys []string, known map[string]bool) []string {
	var out []string
	for _, k := range keys {
		if !known[k] {
			out = append(out, k)
		}
	}
	return out
}

// archiveRow moves a sent row from the outbox to the archive. Each step
// skips what a crashed earlier run did.
func (s *Store) archiveRow(ctx context.Context, row *workflow.Outgoing) error {
	if err := s.insertArchived(ctx, []*workflow.Outgoing{row}, nil); err != nil {
		return err
	}
	if row.Capped {
		if err := s.recordCapped(ctx, []*workflow.Outgoing{row}); err != nil {
			return err
		}
	}
	if _, err := s.outbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: row.Key}}); err != nil {
		return fmt.Errorf("archive outbox row %s: delete from outbox: %w", row.Key, err)
	}
	return nil
}

// insertArchived inserts rows into the archive, skipping those there,
// and counts them in memory. Then, still holding the lock that readers
// of the count take, it calls then, if set.
func (s *Store) insertArchived(ctx context.Context, rows []*workflow.Outgoing, then func()) error {
	m := s.sends
	if m != nil {
		m.archiveMu.Lock()
		defer m.archiveMu.Unlock()
		if m.counting {
			for _, r := range rows {
				m.pending[r.Key] = true
			}
		}
	}
	dups, err := insertNew(ctx, s.sent, rows)
	if err != nil {
		if m != nil && m.counting {
			for _, r := range rows {
				delete(m.pending, r.Key)
			}
		}
		return fmt.Errorf("archive %d outbox rows from %s on: %w", len(rows), rows[0].Key, err)
	}
	if m != nil && m.archivedKnown {
		m.archived += len(rows) - len(dups)
	}
	if then != nil {
		then()
	}
	return nil
}

// sweepSent archives the sent rows left in the outbox by a MarkSent that
// stopped halfway.
func (s *Store) sweepSent(ctx context.Context) error {
	rows, err := findAll[*workflow.Outgoing](ctx, s.outbox, bson.D{{Key: "status", Value: workflow.OutboxSent}})
	if err != nil {
		return fmt.Errorf("read sent rows left in the outbox: %w", err)
	}
	for _, r := range rows {
		if err := s.archiveRow(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// archivedCount returns the number of archived rows: from memory on the
// Store that runs the embedded FerretDB, after counting them once in the
// background.
func (s *Store) archivedCount(ctx context.Context) (int, error) {
	n := 0
	err := s.withArchivedCount(ctx, func(archived int) { n = archived })
	return n, err
}

// withArchivedCount calls fn with the number of archived rows. On the
// Store that runs the embedded FerretDB fn runs under the lock that
// insertArchived holds, so that fn sees the count and the rows being
// archived consistently.
func (s *Store) withArchivedCount(ctx context.Context, fn func(int)) error {
	m := s.sends
	if m == nil {
		n, err := s.sent.CountDocuments(ctx, bson.D{})
		if err != nil {
			return err
		}
		fn(int(n))
		return nil
	}
	if err := s.await(ctx, &m.counter, m.knowsArchived, s.countArchive); err != nil {
		return err
	}
	m.archiveMu.Lock()
	defer m.archiveMu.Unlock()
	fn(m.archived)
	return nil
}

// countArchive reads every archived key without holding up MarkSent.
// Rows archived meanwhile are counted once, whether the read includes
// them or not.
func (s *Store) countArchive(ctx context.Context) error {
	m := s.sends
	m.beginCount()
	n, err := s.eachArchivedKey(ctx, m.markSeen)
	if err := m.finishCount(n, err); err != nil {
		return fmt.Errorf("count archived outbox rows: %w", err)
	}
	return nil
}

// beginCount makes insertArchived note the keys it archives.
func (m *sendMemory) beginCount() {
	m.archiveMu.Lock()
	defer m.archiveMu.Unlock()
	m.counting, m.pending, m.seen = true, map[string]bool{}, map[string]bool{}
}

// markSeen records that the count read key.
func (m *sendMemory) markSeen(key string) {
	m.archiveMu.Lock()
	defer m.archiveMu.Unlock()
	if m.pending[key] {
		m.seen[key] = true
	}
}

// finishCount sets the archive size from the n keys the count read and
// the keys archived meanwhile that it did not read, unless err is set.
func (m *sendMemory) finishCount(n int, err error) error {
	m.archiveMu.Lock()
	defer m.archiveMu.Unlock()
	if err == nil {
		for key := range m.pending {
			if !m.seen[key] {
				n++
			}
		}
		m.archived, m.archivedKnown = n, true
	}
	m.counting, m.pending, m.seen = false, nil, nil
	return err
}

// eachArchivedKey calls fn with the key of every archived row and
// returns how many there are.
func (s *Store) eachArchivedKey(ctx context.Context, fn func(string)) (int, error) {
	cur, err := s.sent.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, err
	}
	defer closeCursor(ctx, cur)

	n := 0
	for cur.Next(ctx) {
		key, ok := cur.Current.Lookup("_id").StringValueOK()
		if !ok {
			return 0, fmt.Errorf("archived row without a string _id")
		}
		fn(key)
		n++
	}
	return n, cur.Err()
}
