package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// Every send of capped mail adds {_id: outbox key, to, at} to
// capped_sends, and CountAutomaticSent counts there rather than in the
// archive of sent mail, which grows with every email. Sends older than
// the longest window CountAutomaticSent was asked for are deleted, at
// most once per pruneEvery.
//
// NOTE: the retention follows the longest window this Store was asked
// for since it opened, so a caller that later asks for a longer window
// counts only the sends kept until then.

// pruneEvery is how often CountAutomaticSent deletes old sends at most,
// and pruneMargin how much older than the window a send must be.
const (
	pruneEvery  = time.Hour
	pruneMargin = time.Hour
)

// cappedDoc is one send of capped mail.
type cappedDoc struct {
	Key string    `bson:"_id"`
	To  string    `bson:"to"`
	At  time.Time `bson:"at"`
}

// cappedPrune throttles the deletion of old capped sends.
type cappedPrune struct {
	mu        sync.Mutex
	maxWindow time.Duration
	at        time.Time
}

// sendMemory is the record of sent mail that the Store that runs the
// embedded FerretDB keeps in memory: the capped sends, so that
// CountAutomaticSent reads nothing, and the size of the archive, for
// OutboxCounts.
type sendMemory struct {
	mu sync.Mutex
	// capped lists the capped sends per recipient; nil until loaded.
	capped map[string][]cappedDoc

	// counter counts the archive in the background. While it runs,
	// counting is set and every key about to be archived goes into
	// pending first. A key the count then reads is marked seen, so that
	// archived counts each row once.
	counter       backgroundLoad
	archiveMu     sync.Mutex
	archived      int
	archivedKnown bool
	counting      bool
	pending, seen map[string]bool

	// queue holds the sent rows that compaction has not archived yet,
	// whose capped sends capped_sends may lack.
	queue *outboxQueue
}

func newSendMemory(q *outboxQueue) *sendMemory { return &sendMemory{queue: q} }

// CountAutomaticSent returns how many capped rows were sent to email at
// or after since, for the per-recipient cap on automatic email. The
// Store that runs the embedded FerretDB counts in memory.
func (s *Store) CountAutomaticSent(ctx context.Context, email string, since time.Time) (int, error) {
	if err := s.pruneCapped(ctx, since); err != nil {
		return 0, err
	}
	if s.sends != nil {
		return s.sends.count(ctx, s, email, since)
	}
	filter := bson.D{{Key: "to", Value: email}, {Key: "at", Value: bson.D{{Key: "$gte", Value: since}}}}
	n, err := s.cappedSends.CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("count automatic mail to %s: %w", email, err)
	}
	return int(n), nil
}

// count returns the capped sends to email at or after since, loading
// them on first use.
func (m *sendMemory) count(ctx context.Context, s *Store, email string, since time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.capped == nil {
		docs, err := findAll[cappedDoc](ctx, s.cappedSends, bson.D{})
		if err != nil {
			return 0, fmt.Errorf("count automatic mail to %s: load capped sends: %w", email, err)
		}
		m.capped = map[string][]cappedDoc{}
		for _, d := range docs {
			m.capped[d.To] = append(m.capped[d.To], d)
		}
		if m.queue != nil {
			for _, d := range m.queue.sentCapped() {
				m.addLocked(d)
			}
		}
	}
	n := 0
	for _, d := range m.capped[email] {
		if !d.At.Before(since) {
			n++
		}
	}
	return n, nil
}

// add records a capped send once, if the sends are loaded.
func (m *sendMemory) add(d cappedDoc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.capped != nil {
		m.addLocked(d)
	}
}

// addLocked records a capped send once. The caller holds mu.
func (m *sendMemory) addLocked(d cappedDoc) {
	list := m.capped[d.To]
	if slices.ContainsFunc(list, func(c cappedDoc) bool { return c.Key == d.Key }) {
		return
	}
	m.capped[d.To] = append(list, d)
}

// dropBefore drops the capped sends before cutoff from memory.
func (m *sendMemory) dropBefore(cutoff time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for to, list := range m.capped {
		list = slices.DeleteFunc(list, func(d cappedDoc) bool { return d.At.Before(cutoff) })
		if len(list) == 0 {
			delete(m.capped, to)
		} else {
			m.capped[to] = list
		}
	}
}

// invalidate makes the next use read the capped sends, the archive size
// and the outbox queue again, as after an import or a purge that
// bypassed memory.
func (m *sendMemory) invalidate() {
	m.mu.Lock()
	m.capped = nil
	m.mu.Unlock()
	m.archiveMu.Lock()
	m.archivedKnown = false
	m.archiveMu.Unlock()
	if m.queue != nil {
		m.queue.invalidate()
	}
}

// knowsArchived reports whether archived holds the size of the archive.
func (m *sendMemory) knowsArchived() bool {
	m.archiveMu.Lock()
	defer m.archiveMu.Unlock()
	return m.archivedKnown
}

// recordCapped adds the sends of capped rows to capped_sends, in one
// insertMany. A send recorded before is left as it is.
func (s *Store) recordCapped(ctx context.Context, rows []*workflow.Outgoing) error {
	if len(rows) == 0 {
		return nil
	}
	docs := make([]cappedDoc, len(rows))
	for i, r := range rows {
		docs[i] = cappedDoc{Key: r.Key, To: r.To.Email, At: r.SentAt}
	}
	if _, err := insertNew(ctx, s.cappedSends, docs); err != nil {
		return fmt.Errorf("record %d capped sends from %s on: %w", len(docs), docs[0].Key, err)
	}
	if s.sends != nil {
		for _, d := range docs {
			s.sends.add(d)
		}
	}
	return nil
}

// sentCapped returns the capped sends of the sent rows the queue holds.
func (q *outboxQueue) sentCapped() []cappedDoc {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []cappedDoc
	for _, e := range q.entries {
		if e.capped && e.state.Status == workflow.OutboxSent {
			out = append(out, cappedDoc{Key: e.key, To: e.to, At: e.state.SentAt})
		}
	}
	return out
}

// pruneCapped deletes the capped sends older than since, less
// pruneMargin, when since opens the longest window asked for so far and
// the last deletion is pruneEvery ago.
func (s *Store) pruneCapped(ctx context.Context, since time.Time) error {
	now := s.now()
	window := now.Sub(since)
	s.prune.mu.Lock()
	if window < s.prune.maxWindow || now.Sub(s.prune.at) < pruneEvery {
		s.prune.maxWindow = max(s.prune.maxWindow, window)
		s.prune.mu.Unlock()
		return nil
	}
	s.prune.maxWindow, s.prune.at = window, now
	s.prune.mu.Unlock()

	cutoff := since.Add(-pruneMargin)
	if _, err := s.cappedSends.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}); err != nil {
		return fmt.Errorf("delete capped sends before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	if s.sends != nil {
		s.sends.dropBefore(cutoff)
	}
	return nil
}
