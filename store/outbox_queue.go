package store

import (
	"container/heap"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// On the embedded store FerretDB reads the whole outbox for every query,
// update and delete (see ticket_index.go), so an outbox worker that
// claimed and marked rows there paid for every pending row on every
// email. The Store that runs the embedded FerretDB therefore serves the
// outbox from memory and stores each step of the worker with one insert:
//
//   - The queue holds every row that still needs work, ordered by when it
//     falls due. It is loaded on first use by one read of the outbox and
//     of outbox_log.
//   - ClaimOutgoing, the Mark methods and RetryOutgoing change the row in
//     memory and insert its new state into outbox_log. The log entry is
//     the durable fact: a row counts as sent once its sent entry is
//     stored, and a load applies the log on top of the rows.
//   - Compaction folds the log into the outbox and the archive in the
//     background (see outbox_compact.go). Sent rows move to the archive
//     in batches, each costing one delete from the outbox however many
//     rows it holds. Failed, suppressed and retried rows are updated a
//     few per round.
//   - A client Store does not change rows. It notes the rows it queues
//     and the retries it requests in outbox_notes, which the owner reads
//     every second, and applies the log to what it reads; see
//     outbox_notes.go and outbox_view.go.
//
// The queue keeps every row as its BSON document. A row of 8.6 KB, an
// acknowledgment with 4 KB each of text and HTML, takes about 10 KB of
// heap with its entry, so 16,000 such rows take about 160 MB, and their
// load about 3 s (measured on 2 vCPUs of an AMD EPYC).
//
// A Store connected to a URI keeps the outbox in the database alone, as
// outbox.go describes.

// queueState is how far the queue is loaded.
type queueState int

const (
	queueEmpty queueState = iota
	queueLoading
	queueLoaded
)

// rowState is the part of an outbox row that changes after it is queued.
type rowState struct {
	Status      workflow.OutboxStatus
	Attempts    int
	NextAttempt time.Time
	LeaseOwner  string
	LeaseUntil  time.Time
	LastError   string
	SentAt      time.Time
}

// stateOf returns the changing part of o.
func stateOf(o *workflow.Outgoing) rowState {
	return rowState{
		Status: o.Status, Attempts: o.Attempts, NextAttempt: o.NextAttempt,
		LeaseOwner: o.LeaseOwner, LeaseUntil: o.LeaseUntil, LastError: o.LastError, SentAt: o.SentAt,
	}
}

// applyTo sets the changing part of o to st.
func (st rowState) applyTo(o *workflow.Outgoing) {
	o.Status, o.Attempts, o.NextAttempt = st.Status, st.Attempts, st.NextAttempt
	o.LeaseOwner, o.LeaseUntil, o.LastError, o.SentAt = st.LeaseOwner, st.LeaseUntil, st.LastError, st.SentAt
}

// stored returns st with its times as BSON stores them: to the
// millisecond, in UTC, so that memory and a later load agree.
func (st rowState) stored() rowState {
	st.NextAttempt, st.LeaseUntil, st.SentAt = bsonTime(st.NextAttempt), bsonTime(st.LeaseUntil), bsonTime(st.SentAt)
	return st
}

func bsonTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// rowHead is what the queue decodes of a stored row.
type rowHead struct {
	Key       string                `bson:"_id"`
	Ticket    string                `bson:"ticket"`
	To        workflow.Party        `bson:"to"`
	Capped    bool                  `bson:"capped"`
	CreatedAt time.Time             `bson:"created_at"`
	Status    workflow.OutboxStatus `bson:"status"`
	Attempts  int                   `bson:"attempts"`
	Next      time.Time             `bson:"next_attempt"`
	Owner     string                `bson:"lease_owner"`
	Until     time.Time             `bson:"lease_until"`
	LastError string                `bson:"last_error"`
	SentAt    time.Time             `bson:"sent_at"`
}

// queueEntry is one outbox row in memory.
type queueEntry struct {
	key string
	// doc is the row as queued or stored, for the fields that never
	// change; state overrides the others.
	doc     bson.Raw
	state   rowState
	ticket  string
	to      string
	capped  bool
	created time.Time

	// heap is the heap that holds the entry, and at its position there.
	heap *entryHeap
	at   int
	// logged lists the ids of the changes of the row that compaction has
	// not folded into the outbox yet, lastSeq the id of the latest change
	// and durable the id of the latest change stored in the log.
	logged           []int64
	lastSeq, durable int64
	// archived is set once a sent row is in the archive, and marker is
	// the id of the log entry that records it, or 0.
	archived bool
	marker   int64
}

// newQueueEntry decodes the entry of the stored row doc, which it keeps.
func newQueueEntry(doc bson.Raw) (*queueEntry, error) {
	var h rowHead
	if err := bson.Unmarshal(doc, &h); err != nil {
		return nil, fmt.Errorf("decode outbox row: %w", err)
	}
	e := &queueEntry{
		key: h.Key, doc: doc, ticket: h.Ticket, to: h.To.Email, capped: h.Capped, created: h.CreatedAt, at: -1,
		state: rowState{
			Status: h.Status, Attempts: h.Attempts, NextAttempt: h.Next,
			LeaseOwner: h.Owner, LeaseUntil: h.Until, LastError: h.LastError, SentAt: h.SentAt,
		},
	}
	return e, nil
}

// entryOf returns the entry of the row o as Enqueue stores it.
func entryOf(o *workflow.Outgoing) (*queueEntry, error) {
	doc, err := bson.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode outbox row %s: %w", o.Key, err)
	}
	return newQueueEntry(doc)
}

// outgoing decodes the row with the state st.
func (e *queueEntry) outgoing(st rowState) (*workflow.Outgoing, error) {
	var o workflow.Outgoing
	if err := bson.Unmarshal(e.doc, &o); err != nil {
		return nil, fmt.Errorf("decode outbox row %s: %w", e.key, err)
	}
	st.applyTo(&o)
	return &o, nil
}

// countedStatus returns the status the entry counts in, or false while
// it is a sent row in the archive already, which counts it.
func (e *queueEntry) countedStatus() (workflow.OutboxStatus, bool) {
	if e.state.Status == workflow.OutboxSent && e.archived {
		return "", false
	}
	return e.state.Status, true
}

// settled reports whether the state of the entry is stored in the log
// or the outbox, so that compaction may store it elsewhere.
func (e *queueEntry) settled() bool { return e.lastSeq == e.durable }

// foldable reports whether compaction has changes to fold into the
// stored row. A sending row waits for the outcome of its claim.
func (e *queueEntry) foldable() bool {
	st := e.state.Status
	return len(e.logged) > 0 && e.settled() && st != workflow.OutboxSending && st != workflow.OutboxSent
}

// superseded returns the ids of the changes of e that a later change
// stored in the log replaces.
func (e *queueEntry) superseded() []int64 {
	var out []int64
	for _, id := range e.logged {
		if id < e.durable {
			out = append(out, id)
		}
	}
	return out
}

// outboxQueue is the outbox in memory. Its methods are safe for
// concurrent use. The lock order is compacting, changes, mu.
type outboxQueue struct {
	load backgroundLoad
	// changes is held for reading by every change of a row's state,
	// from the change in memory until its log entry is stored, and for
	// writing by a load, which must read every entry of the changes
	// that it replaces.
	changes sync.RWMutex
	// compacting is held by compaction, by a load and by the reading of
	// notes, so that no row leaves the outbox while they read it.
	compacting sync.Mutex

	mu      sync.Mutex
	state   queueState
	entries map[string]*queueEntry
	// pending orders the pending rows by next attempt, and sending the
	// sending rows by the end of their lease.
	pending, sending entryHeap
	// early holds the rows queued while the queue was loading.
	early []*queueEntry
	// dead lists the ids of log entries that name no row.
	dead []int64
	// seq is the id of the last log entry written or read.
	seq int64
	// stale is set when the data changed under a running load.
	stale bool

	notesAt    time.Time
	noteChecks map[string]time.Time

	// kick wakes the compactor; started is set once it runs. manual is
	// set by tests that run the rounds of compaction themselves.
	kick    chan struct{}
	started bool
	manual  bool
	// lastEnd and lastTook describe the last round of compaction, and
	// compactTime sums the time of all rounds.
	lastEnd     time.Time
	lastTook    time.Duration
	compactTime time.Duration
	// failures counts the rounds that failed in a row.
	failures int
}

func newOutboxQueue() *outboxQueue {
	q := &outboxQueue{kick: make(chan struct{}, 1), noteChecks: map[string]time.Time{}}
	q.reset()
	return q
}

// reset empties the maps and heaps. The caller holds mu or owns q alone.
func (q *outboxQueue) reset() {
	q.entries = map[string]*queueEntry{}
	q.pending = entryHeap{less: func(a, b *queueEntry) bool {
		return lessAt(a.state.NextAttempt, b.state.NextAttempt, a.key, b.key)
	}}
	q.sending = entryHeap{less: func(a, b *queueEntry) bool {
		return lessAt(a.state.LeaseUntil, b.state.LeaseUntil, a.key, b.key)
	}}
}

func lessAt(a, b time.Time, ka, kb string) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return ka < kb
}

// loaded reports whether the queue is loaded.
func (q *outboxQueue) loaded() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state == queueLoaded
}

// place puts e into the heap of its status, out of any other. The
// caller holds mu.
func (q *outboxQueue) place(e *queueEntry) {
	unlink(e)
	switch e.state.Status {
	case workflow.OutboxPending:
		heap.Push(&q.pending, e)
	case workflow.OutboxSending:
		heap.Push(&q.sending, e)
	}
}

// insert adds e unless the queue holds its key. The caller holds mu.
func (q *outboxQueue) insert(e *queueEntry) {
	if _, ok := q.entries[e.key]; ok {
		return
	}
	q.entries[e.key] = e
	q.place(e)
}

// drop removes e. The caller holds mu.
func (q *outboxQueue) drop(e *queueEntry) {
	unlink(e)
	if q.entries[e.key] == e {
		delete(q.entries, e.key)
	}
}

// add records rows that were just stored in the outbox. While the queue
// loads they wait in early; before it loads, the load reads them.
func (q *outboxQueue) add(entries []*queueEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch q.state {
	case queueLoading:
		q.early = append(q.early, entries...)
	case queueLoaded:
		for _, e := range entries {
			q.insert(e)
		}
	}
}

// holds reports whether the loaded queue has a row with key.
func (q *outboxQueue) holds(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.entries[key]
	return q.state == queueLoaded && ok
}

// change sets the state of e to st, records the id of its log entry and
// returns that id. The caller holds mu.
func (q *outboxQueue) change(e *queueEntry, st rowState) int64 {
	q.seq++
	e.state, e.lastSeq = st.stored(), q.seq
	e.logged = append(e.logged, q.seq)
	q.place(e)
	return q.seq
}

// stored records that the log entry seq about e is stored.
func (q *outboxQueue) stored(e *queueEntry, seq int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e.durable = max(e.durable, seq)
}

// undo puts e back to prev after the log entry seq could not be stored,
// unless a later change replaced it.
func (q *outboxQueue) undo(e *queueEntry, seq int64, prev rowState) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e.logged = slices.DeleteFunc(e.logged, func(id int64) bool { return id == seq })
	if e.lastSeq != seq {
		return
	}
	e.state, e.lastSeq = prev, e.durable
	if q.entries[e.key] == e {
		q.place(e)
	}
}

// due returns the row to claim at now, or nil: of the first pending row,
// if its next attempt has come, and the first sending row, if its lease
// ended before now, the one with the earlier next attempt. The caller
// holds mu.
func (q *outboxQueue) due(now time.Time) *queueEntry {
	var best *queueEntry
	if p := q.pending.peek(); p != nil && !p.state.NextAttempt.After(now) {
		best = p
	}
	s := q.sending.peek()
	if s == nil || !s.state.LeaseUntil.Before(now) {
		return best
	}
	if best == nil || lessAt(s.state.NextAttempt, best.state.NextAttempt, s.key, best.key) {
		return s
	}
	return best
}

// nextDue returns when the next row falls due: the earliest next attempt
// of a pending row or lease end of a sending row, or the zero time.
func (q *outboxQueue) nextDue() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	if p := q.pending.peek(); p != nil {
		next = p.state.NextAttempt
	}
	if s := q.sending.peek(); s != nil && (next.IsZero() || s.state.LeaseUntil.Before(next)) {
		next = s.state.LeaseUntil
	}
	return next
}

// wake makes the compactor look for work. It does not block.
func (q *outboxQueue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}
