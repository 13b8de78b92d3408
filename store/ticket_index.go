package store

import (
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// FerretDB 1.24.2 with the SQLite handler reads the rows of a table for
// every query, a lookup by _id included: its SQL filters on the
// expression _ferretdb_sjson->'$._id', which the _id index, built on
// _ferretdb_sjson->"_id", does not cover (EXPLAIN QUERY PLAN shows a
// SCAN). A lookup stops at the first match, but an update or delete by
// _id reads the whole table, and any other filter also decodes every
// document in Go. Only an insert costs about the same at any size. So on
// the embedded store the Store that runs FerretDB keeps in memory what
// its hot paths would otherwise read from the tickets collection, which
// grows with every complaint.
//
// That Store is the only writer of tickets: its InsertTickets and
// UpdateTicket update the index after the database, and a client Store
// (see OwnsServer) may only insert tickets, which it lists in
// ticket_notes for the owner to read. The index is built by one read of
// every ticket, in tickets and tickets_closed, on first use.

// notePoll is how often the index reads ticket_notes at most, and
// noteExpiry how long a note may name a ticket that is not stored yet,
// because the client writes the note before the ticket.
const (
	notePoll   = time.Second
	noteExpiry = time.Minute
)

// trimEvery is how far the recent window must have moved before the
// index drops the details of tickets that left it.
const trimEvery = 24 * time.Hour

// indexEntry is the index's record of one ticket.
type indexEntry struct {
	number, source string
	version        int64
	state          workflow.State
	received       time.Time
	// recent is true when the details below are kept: the ticket was
	// received within the recent window.
	recent   bool
	subject  string
	email    string
	terms    []string
	category workflow.Category
	// nextTimer and doc are set for open tickets only; doc is the
	// ticket as stored.
	nextTimer time.Time
	doc       bson.Raw
}

// earlyWrite is a ticket written while the index was loading.
type earlyWrite struct {
	ticket *workflow.Ticket
	raw    bson.Raw
}

// indexState is how far the index is built.
type indexState int

const (
	indexEmpty indexState = iota
	indexLoading
	indexLoaded
)

// ticketIndex is the in-memory index of every ticket. Its methods are
// safe for concurrent use.
type ticketIndex struct {
	window time.Duration

	// load builds the index in the background; refreshMu is held while
	// a caller refreshes it from the database.
	load      backgroundLoad
	refreshMu sync.Mutex

	mu    sync.Mutex
	state indexState
	// stale is set when an import wrote tickets while the index loaded,
	// so that the load reads again.
	stale bool
	// early holds the tickets written while the index was loading.
	early    []earlyWrite
	tickets  map[string]*indexEntry
	bySource map[string]*indexEntry
	byTerm   map[string]map[*indexEntry]struct{}
	byEmail  map[string]map[*indexEntry]struct{}
	counts   map[workflow.State]int
	// floor is the start of the recent window: tickets received before it
	// have no details.
	floor time.Time
	// dirty lists tickets whose stored version is unknown, because a
	// write to them failed without saying whether it was applied.
	dirty   map[string]bool
	notesAt time.Time
}

func newTicketIndex(window time.Duration) *ticketIndex {
	ix := &ticketIndex{window: window, dirty: map[string]bool{}}
	ix.reset()
	return ix
}

// reset empties the maps. The caller holds mu or owns ix alone.
func (ix *ticketIndex) reset() {
	ix.tickets = map[string]*indexEntry{}
	ix.bySource = map[string]*indexEntry{}
	ix.byTerm = map[string]map[*indexEntry]struct{}{}
	ix.byEmail = map[string]map[*indexEntry]struct{}{}
	ix.counts = map[workflow.State]int{}
}

// newEntry builds the entry of t, which is stored as raw. Details are
// kept when t was received at or after floor.
func newEntry(t *workflow.Ticket, raw bson.Raw, floor time.Time) *indexEntry {
	e := &indexEntry{
		number: t.Number, source: t.SourceKey, version: t.Version,
		state: t.State, received: t.ReceivedAt,
	}
	if !t.ReceivedAt.Before(floor) {
		e.recent = true
		e.subject, e.email, e.category = t.Subject, t.Requester.Email, t.Category
		e.terms = slices.Clone(t.Terms)
	}
	if t.State.Open() {
		e.nextTimer = t.NextTimer
		e.doc = raw
	}
	return e
}

// apply records that t is stored as raw. While the index loads, the
// ticket waits in early; before it loads, the load will read it.
func (ix *ticketIndex) apply(t *workflow.Ticket, raw bson.Raw) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	switch ix.state {
	case indexLoading:
		ix.early = append(ix.early, earlyWrite{t, raw})
	case indexLoaded:
		ix.put(newEntry(t, raw, ix.floor))
	}
	delete(ix.dirty, t.Number)
}

// put adds e in place of an older version of its ticket. The caller
// holds mu.
func (ix *ticketIndex) put(e *indexEntry) {
	if old, ok := ix.tickets[e.number]; ok {
		if old.version > e.version {
			return
		}
		ix.remove(old)
	}
	ix.tickets[e.number] = e
	ix.bySource[e.source] = e
	ix.counts[e.state]++
	if !e.recent {
		return
	}
	for _, term := range e.terms {
		addPosting(ix.byTerm, term, e)
	}
	addPosting(ix.byEmail, e.email, e)
}

// remove drops e from every map. The caller holds mu.
func (ix *ticketIndex) remove(e *indexEntry) {
	delete(ix.tickets, e.number)
	if ix.bySource[e.source] == e {
		delete(ix.bySource, e.source)
	}
	ix.counts[e.state]--
	if ix.counts[e.state] <= 0 {
		delete(ix.counts, e.state)
	}
	if !e.recent {
		return
	}
	for _, term := range e.terms {
		dropPosting(ix.byTerm, term, e)
	}
	dropPosting(ix.byEmail, e.email, e)
}

func addPosting(m map[string]map[*indexEntry]struct{}, key string, e *indexEntry) {
	set, ok := m[key]
	if !ok {
		set = map[*indexEntry]struct{}{}
		m[key] = set
	}
	set[e] = struct{}{}
}

func dropPosting(m map[string]map[*indexEntry]struct{}, key string, e *indexEntry) {
	delete(m[key], e)
	if len(m[key]) == 0 {
		delete(m, key)
	}
}

// markDirty records that the stored versions of numbers are unknown.
func (ix *ticketIndex) markDirty(numbers ...string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, n := range numbers {
		ix.dirty[n] = true
	}
}

// forget drops tickets that were deleted from the database.
func (ix *ticketIndex) forget(numbers ...string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, n := range numbers {
		if e, ok := ix.tickets[n]; ok {
			ix.remove(e)
		}
		delete(ix.dirty, n)
	}
}

// invalidate empties the index, so that the next use loads it again, as
// after an import that bypassed it.
func (ix *ticketIndex) invalidate() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	switch ix.state {
	case indexLoaded:
		ix.state = indexEmpty
		ix.reset()
	case indexLoading:
		ix.stale = true
	}
}

// loaded reports whether the index is built.
func (ix *ticketIndex) loaded() bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.state == indexLoaded
}

// version returns the stored version of the ticket number, or false when
// the index does not know it for sure.
func (ix *ticketIndex) version(number string) (int64, bool) {
	v, _, ok := ix.stored(number)
	return v, ok
}

// stored returns the stored version and state of the ticket number, or
// false when the index does not know them for sure.
func (ix *ticketIndex) stored(number string) (int64, workflow.State, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.tickets[number]
	if ix.state != indexLoaded || !ok || ix.dirty[number] {
		return 0, "", false
	}
	return e.version, e.state, true
}

// isOpen reports whether the index is loaded and holds the ticket
// number as open.
func (ix *ticketIndex) isOpen(number string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.tickets[number]
	return ix.state == indexLoaded && ok && e.state.Open()
}

// openNumbers returns the numbers of the open tickets, or false when the
// index is not loaded.
func (ix *ticketIndex) openNumbers() (map[string]bool, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.state != indexLoaded {
		return nil, false
	}
	out := map[string]bool{}
	for n, e := range ix.tickets {
		if e.state.Open() {
			out[n] = true
		}
	}
	return out, true
}

// holdsSource reports whether the index is loaded and holds a ticket
// with the source key that is not dirty.
func (ix *ticketIndex) holdsSource(key string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.bySource[key]
	return ix.state == indexLoaded && ok && !ix.dirty[e.number]
}

// holdsNumber reports whether the index is loaded and holds the ticket
// number, not dirty.
func (ix *ticketIndex) holdsNumber(number string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	_, ok := ix.tickets[number]
	return ix.state == indexLoaded && ok && !ix.dirty[number]
}

// openDoc returns the stored document of an open ticket whose stored
// version the index holds for sure, or nil.
func (ix *ticketIndex) openDoc(number string) bson.Raw {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.tickets[number]
	if ix.state != indexLoaded || !ok || ix.dirty[number] {
		return nil
	}
	return e.doc
}

// numbersBySource returns the ticket number of each of keys that has a
// ticket, keyed by source key.
func (ix *ticketIndex) numbersBySource(keys []string) map[string]string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := map[string]string{}
	for _, k := range keys {
		if e, ok := ix.bySource[k]; ok {
			out[k] = e.number
		}
	}
	return out
}

// countStates returns the number of tickets in each state.
func (ix *ticketIndex) countStates() map[workflow.State]int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := make(map[workflow.State]int, len(ix.counts))
	for s, n := range ix.counts {
		out[s] = n
	}
	return out
}

// covers reports whether the recent window reaches back to since.
func (ix *ticketIndex) covers(since time.Time) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.state == indexLoaded && !since.Before(ix.floor)
}
