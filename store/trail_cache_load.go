package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// recordNote names a ticket whose records a client Store appends, for
// the owner's record cache. Each append writes its own note, so that no
// note outlives the records it announces.
type recordNote struct {
	ID     bson.ObjectID `bson:"_id"`
	Ticket string        `bson:"ticket"`
	At     time.Time     `bson:"at"`
}

// startTrailLoad starts loading the record cache in the background,
// unless this Store keeps none, it is loaded or loading, or a load failed
// within trailRetry.
func (s *Store) startTrailLoad() {
	c := s.trails
	if c == nil || !c.needsLoad(time.Now()) {
		return
	}
	s.startLoad(&c.load, s.loadTrails)
}

// loadTrails builds the record cache from one read of every record,
// keeping those of the tickets open when the read starts.
func (s *Store) loadTrails(ctx context.Context) error {
	c := s.trails
	start := time.Now()
	open, ok := s.index.openNumbers()
	if !ok {
		return nil
	}
	c.beginLoad()

	read := map[string]trail{}
	err := s.eachTrailRecord(ctx, bson.D{}, nil, func(r trailRecord) {
		if open[r.ticket] {
			r.raw = slices.Clone(r.raw)
			read[r.ticket] = append(read[r.ticket], r)
		}
	})
	if err != nil {
		c.abortLoad(time.Now())
		if ctx.Err() == nil {
			s.log.Warn("loading the record cache failed; records are read from the database", "error", err)
		}
		return err
	}
	if !c.install(read, open, s.index) {
		return nil
	}
	tickets, records, bytes := c.size()
	s.log.Info("record cache loaded", "tickets", tickets, "records", records, "bytes", bytes, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// beginLoad marks the cache as loading, so that appends wait in early.
func (c *trailCache) beginLoad() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state, c.stale = indexLoading, false
	c.early, c.fresh, c.excluded = nil, map[string]bool{}, map[string]bool{}
}

// abortLoad leaves the cache empty after a failed read at now.
func (c *trailCache) abortLoad(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state, c.failedAt = indexEmpty, now
	c.early, c.fresh, c.excluded = nil, nil, nil
}

// install makes the cache hold the trails read, of the tickets open when
// the read started, and those of the tickets inserted meanwhile, with
// the records appended meanwhile on top. It leaves out the tickets not
// open in ix any more, those dropped meanwhile and those a client noted.
// It returns false, leaving the cache empty, when an import made the
// read stale.
func (c *trailCache) install(read map[string]trail, open map[string]bool, ix *ticketIndex) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stale {
		c.state, c.stale = indexEmpty, false
		c.early, c.fresh, c.excluded = nil, nil, nil
		return false
	}
	openNow, _ := ix.openNumbers()
	c.trails, c.fills, c.bytes = map[string]trail{}, map[string]*trailFill{}, 0
	for n := range openNow {
		if (open[n] || c.fresh[n]) && !c.excluded[n] && !c.noted[n] {
			c.trails[n] = trail{}
		}
	}
	for _, t := range read {
		for _, r := range t {
			c.insert(r)
		}
	}
	for _, r := range c.early {
		c.insert(r)
	}
	c.state = indexLoaded
	c.early, c.fresh, c.excluded = nil, nil, nil
	return true
}

// cachedRecords returns the trail of ticket from the record cache, and
// false when the Store keeps no cache, it is not loaded or it does not
// hold the ticket. It reads the record notes of client Stores first.
func (s *Store) cachedRecords(ctx context.Context, ticket string) ([]trailRecord, bool, error) {
	c := s.trails
	if c == nil || !c.loaded() {
		return nil, false, nil
	}
	if err := s.readRecordNotes(ctx, c); err != nil {
		return nil, false, err
	}
	recs, ok := c.get(ticket)
	return recs, ok, nil
}

// readTrail reads the trail of ticket from the database. On the Store
// that keeps the record cache, it caches the trail of an open ticket.
func (s *Store) readTrail(ctx context.Context, ticket string) ([]trailRecord, error) {
	var fill *trailFill
	if s.trails != nil {
		fill = s.trails.beginFill(ticket, s.index)
	}
	var recs []trailRecord
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	err := s.eachTrailRecord(ctx, bson.D{{Key: "ticket", Value: ticket}}, opts, func(r trailRecord) {
		r.raw = slices.Clone(r.raw)
		recs = append(recs, r)
	})
	if fill != nil {
		s.trails.endFill(ticket, fill, recs, err == nil)
	}
	return recs, err
}

// eachTrailRecord calls fn for every record filter selects. The record's
// raw is the cursor's memory, which fn must copy to keep.
func (s *Store) eachTrailRecord(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder, fn func(trailRecord)) error {
	if opts == nil {
		opts = options.Find()
	}
	cur, err := s.records.Find(ctx, filter, opts)
	if err != nil {
		return err
	}
	defer closeCursor(ctx, cur)

	for cur.Next(ctx) {
		r, err := newTrailRecord(cur.Current)
		if err != nil {
			return err
		}
		fn(r)
	}
	return cur.Err()
}

// newTrailRecord reads the fields the cache needs from a stored record.
func newTrailRecord(raw bson.Raw) (trailRecord, error) {
	key, okKey := raw.Lookup("_id").StringValueOK()
	ticket, okTicket := raw.Lookup("ticket").StringValueOK()
	at, okAt := raw.Lookup("at").TimeOK()
	if !okKey || !okTicket || !okAt {
		return trailRecord{}, errors.New("record without a string _id, ticket or time")
	}
	return trailRecord{ticket: ticket, key: key, at: at, raw: raw}, nil
}

// decodeTrail decodes recs into records; no recs returns an empty slice.
func decodeTrail(recs []trailRecord) ([]workflow.Record, error) {
	out := make([]workflow.Record, len(recs))
	for i, r := range recs {
		if err := bson.Unmarshal(r.raw, &out[i]); err != nil {
			return nil, fmt.Errorf("decode record %s: %w", r.key, err)
		}
	}
	return out, nil
}

// noteRecords notes the tickets of records, which a client Store is
// about to append, for the owner's record cache.
func (s *Store) noteRecords(ctx context.Context, records []workflow.Record) error {
	now := s.now()
	var notes []recordNote
	seen := map[string]bool{}
	for _, r := range records {
		if !seen[r.Ticket] {
			seen[r.Ticket] = true
			notes = append(notes, recordNote{ID: bson.NewObjectID(), Ticket: r.Ticket, At: now})
		}
	}
	if _, err := insertNew(ctx, s.recordNotes, notes); err != nil {
		return fmt.Errorf("note records for the cache: %w", err)
	}
	return nil
}

// readRecordNotes drops from c the trails of the tickets that record
// notes name, keeps those with a note younger than noteExpiry out of
// c, and deletes the older notes.
func (s *Store) readRecordNotes(ctx context.Context, c *trailCache) error {
	notes, err := findAll[recordNote](ctx, s.recordNotes, bson.D{})
	if err != nil {
		return fmt.Errorf("read record notes: %w", err)
	}
	if len(notes) == 0 {
		c.setNoted(nil, map[string]bool{})
		return nil
	}

	now := s.now()
	all, live := map[string]bool{}, map[string]bool{}
	var expired bson.A
	for _, n := range notes {
		all[n.Ticket] = true
		if now.Sub(n.At) > noteExpiry {
			expired = append(expired, n.ID)
		} else {
			live[n.Ticket] = true
		}
	}
	c.setNoted(all, live)
	if len(expired) == 0 {
		return nil
	}
	if _, err := s.recordNotes.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: expired}}}}); err != nil {
		return fmt.Errorf("delete record notes: %w", err)
	}
	return nil
}
