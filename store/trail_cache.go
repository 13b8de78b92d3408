package store

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// The Store that runs the embedded FerretDB keeps the audit trails of
// the open tickets in memory, so that Records, which the procedure calls
// for every escalation email, reads nothing from the records
// collection: FerretDB would read all of it, 6 to 10 records per ticket
// ever received, for each call.
//
// The cache is loaded in the background after the ticket index, by one
// read of the records collection that keeps the records of the tickets
// open at that moment. AppendRecords then adds what it stores to the
// trails held, and a ticket that this Store inserts starts with an
// empty trail. A ticket leaves the cache when it closes. If it reopens,
// its next Records call reads its trail from the database, and the cache
// keeps the result. Until the cache is loaded, and for closed tickets,
// Records queries the database.
//
// A trail is complete because every record of its ticket is either read
// by the load or the fill that built it, or appended by this Store
// afterwards. A client Store appends records too, so it first notes
// their tickets in record_notes. Records on the owner reads the notes
// first, one query on a collection that is usually empty, and drops the
// trails they name. It caches such a ticket again
// only after the note expires, noteExpiry after the client wrote it,
// because the client inserts its records after the note.
//
// The records are kept as stored BSON. The 6 records of an open ticket
// in BenchmarkRecordsOpenTicket (the subject, a staff note, a reply, the
// requester's reply and two short entries) take 2.3 KB as BSON and
// about 3.6 KB of heap with the cache's bookkeeping, measured with
// runtime.MemStats on linux/amd64. So an estimate for 10,000 open tickets with such
// trails is 36 MB; longer notes and replies take more.
//
// NOTE: there is no limit in bytes. A ticket that stays open keeps every
// record appended to it in memory until it closes.

// trailRetry is how long the cache waits after a failed load before it
// loads again.
const trailRetry = time.Minute

// trailRecord is one stored audit record.
type trailRecord struct {
	ticket, key string
	// at is the record's time as stored, in milliseconds.
	at  time.Time
	raw bson.Raw
}

// compareRecords orders records as Records returns them: by time, then
// by key.
func compareRecords(a, b trailRecord) int {
	return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key, b.key))
}

// trail is the complete audit trail of one ticket, in Records order.
type trail []trailRecord

// insert adds r in order unless a record with its key is held.
func (t *trail) insert(r trailRecord) (added bool) {
	if slices.ContainsFunc(*t, func(have trailRecord) bool { return have.key == r.key }) {
		return false
	}
	i, _ := slices.BinarySearchFunc(*t, r, compareRecords)
	*t = slices.Insert(*t, i, r)
	return true
}

// trailFill is a read of one ticket's trail from the database, and the
// records this Store appended to the ticket while it ran.
type trailFill struct {
	pending []trailRecord
}

// trailCache holds the audit trails of the open tickets. Its methods are
// safe for concurrent use. It takes the ticket index's lock while it
// holds its own, never the other way round.
type trailCache struct {
	load backgroundLoad

	mu       sync.Mutex
	state    indexState
	failedAt time.Time
	// stale is set when an import wrote records while the cache loaded.
	stale bool
	// early, fresh and excluded are kept while the cache loads: the
	// records appended, the tickets inserted and the tickets dropped
	// meanwhile.
	early    []trailRecord
	fresh    map[string]bool
	excluded map[string]bool

	trails map[string]trail
	bytes  int
	fills  map[string]*trailFill
	// noted lists the tickets with a record note younger than
	// noteExpiry, which are never cached.
	noted map[string]bool
}

func newTrailCache() *trailCache {
	return &trailCache{trails: map[string]trail{}, fills: map[string]*trailFill{}, noted: map[string]bool{}}
}

// loaded reports whether the cache is loaded.
func (c *trailCache) loaded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == indexLoaded
}

// needsLoad reports whether the cache is neither loaded nor loading and
// no load failed within trailRetry before now.
func (c *trailCache) needsLoad(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == indexEmpty && now.Sub(c.failedAt) >= trailRetry
}

// get returns the trail of ticket, and false when the cache does not
// hold it.
func (c *trailCache) get(ticket string) ([]trailRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.trails[ticket]
	if c.state != indexLoaded || !ok {
		return nil, false
	}
	return slices.Clone(t), true
}

// add records that recs were stored.
func (c *trailCache) add(recs []trailRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		switch {
		case c.state == indexLoading:
			c.early = append(c.early, r)
		case c.fills[r.ticket] != nil:
			f := c.fills[r.ticket]
			f.pending = append(f.pending, r)
		default:
			c.insert(r)
		}
	}
}

// insert adds r to the trail of its ticket, if the cache holds it. The
// caller holds mu.
func (c *trailCache) insert(r trailRecord) {
	t, ok := c.trails[r.ticket]
	if !ok {
		return
	}
	if t.insert(r) {
		c.bytes += len(r.raw)
	}
	c.trails[r.ticket] = t
}

// addFresh gives the tickets this Store inserted, all but those at the
// positions skip, an empty trail: no record names a ticket before it is
// inserted.
func (c *trailCache) addFresh(tickets []*workflow.Ticket, skip []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, t := range tickets {
		if slices.Contains(skip, i) || !t.State.Open() || c.noted[t.Number] {
			continue
		}
		switch c.state {
		case indexLoading:
			c.fresh[t.Number] = true
		case indexLoaded:
			if _, ok := c.trails[t.Number]; !ok {
				c.trails[t.Number] = trail{}
			}
		}
	}
}

// drop removes the trails of tickets, which closed, were purged or may
// miss records, and cancels reads of them.
func (c *trailCache) drop(tickets ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range tickets {
		c.dropLocked(n)
	}
}

// dropLocked is drop for one ticket. The caller holds mu.
func (c *trailCache) dropLocked(ticket string) {
	for _, r := range c.trails[ticket] {
		c.bytes -= len(r.raw)
	}
	delete(c.trails, ticket)
	delete(c.fills, ticket)
	if c.state == indexLoading {
		c.excluded[ticket] = true
	}
}

// setNoted drops the trails of every ticket named by a record note, and
// keeps those with a note younger than noteExpiry, live, from the cache.
func (c *trailCache) setNoted(all, live map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := range all {
		c.dropLocked(n)
	}
	c.noted = live
}

// beginFill starts a read of the trail of ticket from the database. It
// returns nil when the result must not be cached, because the cache is
// not loaded, the ticket is not open in the index or a client noted it,
// or when the cache holds the trail or another read of it runs.
func (c *trailCache) beginFill(ticket string, ix *ticketIndex) *trailFill {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != indexLoaded || c.noted[ticket] || c.fills[ticket] != nil || !ix.isOpen(ticket) {
		return nil
	}
	if _, held := c.trails[ticket]; held {
		return nil
	}
	f := &trailFill{}
	c.fills[ticket] = f
	return f
}

// endFill caches recs, the trail read by f, with the records appended
// meanwhile, unless the read failed or the ticket was dropped since.
func (c *trailCache) endFill(ticket string, f *trailFill, recs []trailRecord, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fills[ticket] != f {
		return
	}
	delete(c.fills, ticket)
	if !ok {
		return
	}
	c.trails[ticket] = trail{}
	for _, r := range recs {
		c.insert(r)
	}
	for _, r := range f.pending {
		c.insert(r)
	}
}

// invalidate empties the cache, so that it loads again, as after an
// import that bypassed it.
func (c *trailCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case indexLoaded:
		c.state = indexEmpty
		c.trails, c.fills, c.bytes = map[string]trail{}, map[string]*trailFill{}, 0
	case indexLoading:
		c.stale = true
	}
}

// size returns how many trails, records and bytes the cache holds.
func (c *trailCache) size() (tickets, records, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.trails {
		records += len(t)
	}
	return len(c.trails), records, c.bytes
}
