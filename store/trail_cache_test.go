package store

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// loadTrailCache loads the ticket index of s and then its record cache.
func loadTrailCache(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}
	if err := s.await(ctx, &s.trails.load, s.trails.loaded, s.loadTrails); err != nil {
		t.Fatalf("load record cache: %v", err)
	}
}

// note builds a staff note on ticket at, with a time that BSON stores
// only to the millisecond.
func note(key, ticket string, at time.Time) workflow.Record {
	return workflow.Record{
		Key: key, Ticket: ticket, Type: workflow.RecordNote, At: at.Add(123456 * time.Nanosecond),
		Actor: "petugas@layanan.example.go.id", ActorRole: workflow.RoleServiceDesk, Text: "catatan " + key,
		Verified: true, Detail: map[string]string{"key": key},
	}
}

func appendRecords(t *testing.T, s *Store, records ...workflow.Record) {
	t.Helper()
	if err := s.AppendRecords(context.Background(), records); err != nil {
		t.Fatalf("AppendRecords() error: %v", err)
	}
}

// recordKeys returns the keys of the trail of ticket that s returns.
func recordKeys(t *testing.T, s *Store, ticket string) []string {
	t.Helper()
	got, err := s.Records(context.Background(), ticket)
	if err != nil {
		t.Fatalf("Records(%s) error: %v", ticket, err)
	}
	keys := []string{}
	for _, r := range got {
		keys = append(keys, r.Key)
	}
	return keys
}

// isCached reports whether the record cache of s holds the trail of
// ticket.
func isCached(s *Store, ticket string) bool {
	_, ok := s.trails.get(ticket)
	return ok
}

// setOpen stores the next version of tk, open when open is set and
// closed otherwise, and returns it.
func setOpen(t *testing.T, s *Store, tk *workflow.Ticket, open bool) *workflow.Ticket {
	t.Helper()
	next := *tk
	next.Version++
	next.State, next.ClosedAt = workflow.StateClosed, t0.Add(time.Hour)
	if open {
		next.State, next.ClosedAt = workflow.StateNew, time.Time{}
	}
	if err := s.UpdateTicket(context.Background(), &next, tk.Version); err != nil {
		t.Fatalf("UpdateTicket(%s to %s) error: %v", next.Number, next.State, err)
	}
	return &next
}

// The cached trail must equal what the database returns, to the
// millisecond of each time.
func TestRecordsFromCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	open := ticket("KLH-2026-000001", "mid:a@x", t0)
	empty := ticket("KLH-2026-000002", "mid:b@x", t0)
	closed := ticket("KLH-2026-000003", "mid:c@x", t0)
	closed.State = workflow.StateClosed
	insertTickets(t, owner, open, empty, closed)
	appendRecords(t, owner, note("before-load", open.Number, t0))
	loadTrailCache(t, owner)

	appendRecords(t, owner, note("r3", open.Number, t0.Add(3*time.Minute)), note("r2", open.Number, t0.Add(2*time.Minute)),
		note("c1", closed.Number, t0))
	appendRecords(t, owner, note("r2", open.Number, t0.Add(time.Hour)))

	tests := []struct {
		ticket     string
		wantKeys   []string
		wantCached bool
	}{
		{open.Number, []string{"before-load", "r2", "r3"}, true},
		{empty.Number, []string{}, true},
		{closed.Number, []string{"c1"}, false},
	}
	for _, tt := range tests {
		if got := recordKeys(t, owner, tt.ticket); !slices.Equal(got, tt.wantKeys) {
			t.Errorf("owner Records(%s) = %v, want %v", tt.ticket, got, tt.wantKeys)
		}
		if got := isCached(owner, tt.ticket); got != tt.wantCached {
			t.Errorf("record cache holds %s = %v, want %v", tt.ticket, got, tt.wantCached)
		}
		fromCache, err := owner.Records(ctx, tt.ticket)
		if err != nil {
			t.Fatalf("owner Records(%s) error: %v", tt.ticket, err)
		}
		fromDB, err := client.Records(ctx, tt.ticket)
		if err != nil {
			t.Fatalf("client Records(%s) error: %v", tt.ticket, err)
		}
		if !reflect.DeepEqual(fromCache, fromDB) {
			t.Errorf("owner Records(%s) = %+v, want the database's %+v", tt.ticket, fromCache, fromDB)
		}
	}
}

// A ticket leaves the cache when it closes. When it reopens, its next
// Records call reads the whole trail, records appended while it was
// closed included, and caches it again.
func TestRecordsCacheCloseAndReopen(t *testing.T) {
	owner := openDataDir(t, t.TempDir())
	tk := ticket("KLH-2026-000001", "mid:a@x", t0)
	insertTickets(t, owner, tk)
	loadTrailCache(t, owner)
	appendRecords(t, owner, note("r1", tk.Number, t0))

	tk = setOpen(t, owner, tk, false)
	if isCached(owner, tk.Number) {
		t.Errorf("record cache holds %s after it closed, want it dropped", tk.Number)
	}
	appendRecords(t, owner, note("r2", tk.Number, t0.Add(time.Minute)))
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("Records(closed) = %v, want [r1 r2]", got)
	}

	setOpen(t, owner, tk, true)
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("Records(reopened) = %v, want [r1 r2]", got)
	}
	if !isCached(owner, tk.Number) {
		t.Errorf("record cache holds %s after Records on the reopened ticket = false, want true", tk.Number)
	}
	appendRecords(t, owner, note("r3", tk.Number, t0.Add(2*time.Minute)))
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("Records(reopened, after an append) = %v, want [r1 r2 r3]", got)
	}
}

// A client's records reach the owner's Records at once. The owner keeps
// the ticket out of its cache until the client's note expires.
func TestRecordsCacheClientAppend(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	tk := ticket("KLH-2026-000001", "mid:a@x", t0)
	insertTickets(t, owner, tk)
	loadTrailCache(t, owner)
	appendRecords(t, owner, note("r1", tk.Number, t0))
	appendRecords(t, client, note("r2", tk.Number, t0.Add(time.Minute)))

	steps := []struct {
		name       string
		now        time.Time
		wantCached bool
		wantNotes  int64
	}{
		{"note fresh", testNow, false, 1},
		{"note expired", testNow.Add(2 * noteExpiry), true, 0},
	}
	for _, st := range steps {
		owner.now = func() time.Time { return st.now }
		if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r1", "r2"}) {
			t.Errorf("owner Records(%s) = %v, want [r1 r2]", st.name, got)
		}
		if got := isCached(owner, tk.Number); got != st.wantCached {
			t.Errorf("record cache holds %s (%s) = %v, want %v", tk.Number, st.name, got, st.wantCached)
		}
		if n, err := owner.recordNotes.CountDocuments(ctx, bson.D{}); err != nil || n != st.wantNotes {
			t.Errorf("record notes (%s) = %d, %v, want %d", st.name, n, err, st.wantNotes)
		}
	}

	appendRecords(t, owner, note("r3", tk.Number, t0.Add(2*time.Minute)))
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("owner Records(after an owner append) = %v, want [r1 r2 r3]", got)
	}
}

// An import of records bypasses the cache, so the cache loads again.
func TestRecordsCacheAfterImport(t *testing.T) {
	ctx := context.Background()
	owner := openDataDir(t, t.TempDir())
	tk := ticket("KLH-2026-000001", "mid:a@x", t0)
	insertTickets(t, owner, tk)
	loadTrailCache(t, owner)
	appendRecords(t, owner, note("r1", tk.Number, t0))

	imported := note("r0", tk.Number, t0.Add(-time.Minute))
	if _, err := owner.ImportRecords(ctx, []*workflow.Record{&imported}); err != nil {
		t.Fatalf("ImportRecords() error: %v", err)
	}
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r0", "r1"}) {
		t.Errorf("Records(after import) = %v, want [r0 r1]", got)
	}
	loadTrailCache(t, owner)
	if got := recordKeys(t, owner, tk.Number); !slices.Equal(got, []string{"r0", "r1"}) || !isCached(owner, tk.Number) {
		t.Errorf("Records(after the reload) = %v, cached %v, want [r0 r1] from the cache", got, isCached(owner, tk.Number))
	}
}

// trailRec builds the cache's form of a record of ticket.
func trailRec(t *testing.T, key, ticket string, at time.Time) trailRecord {
	t.Helper()
	raw, err := bson.Marshal(note(key, ticket, at))
	if err != nil {
		t.Fatal(err)
	}
	r, err := newTrailRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// loadedIndexOf returns a loaded ticket index of tickets.
func loadedIndexOf(tickets ...*workflow.Ticket) *ticketIndex {
	ix := newTicketIndex(DefaultRecentWindow)
	ix.state = indexLoaded
	for _, tk := range tickets {
		ix.put(newEntry(tk, nil, t0))
	}
	return ix
}

func trailKeys(c *trailCache, ticket string) ([]string, bool) {
	recs, ok := c.get(ticket)
	keys := []string{}
	for _, r := range recs {
		keys = append(keys, r.key)
	}
	return keys, ok
}

// Records appended and tickets inserted while the cache loads are added
// to what the load read; tickets dropped meanwhile are left out.
func TestTrailCacheInstallKeepsEarlyWrites(t *testing.T) {
	a := ticket("KLH-2026-000001", "mid:a@x", t0)
	b := ticket("KLH-2026-000002", "mid:b@x", t0)
	fresh := ticket("KLH-2026-000003", "mid:c@x", t0)
	ix := loadedIndexOf(a, b)
	open, _ := ix.openNumbers()

	c := newTrailCache()
	c.beginLoad()
	c.add([]trailRecord{trailRec(t, "a2", a.Number, t0.Add(time.Minute))})
	ix.put(newEntry(fresh, nil, t0))
	c.addFresh([]*workflow.Ticket{fresh}, nil)
	c.add([]trailRecord{trailRec(t, "c1", fresh.Number, t0)})
	c.drop(b.Number)

	read := map[string]trail{
		a.Number: {trailRec(t, "a1", a.Number, t0), trailRec(t, "a2", a.Number, t0.Add(time.Minute))},
		b.Number: {trailRec(t, "b1", b.Number, t0)},
	}
	if !c.install(read, open, ix) {
		t.Fatal("install() = false, want true")
	}
	tests := []struct {
		ticket   string
		wantKeys []string
		wantOK   bool
	}{
		{a.Number, []string{"a1", "a2"}, true},
		{b.Number, []string{}, false},
		{fresh.Number, []string{"c1"}, true},
	}
	for _, tt := range tests {
		keys, ok := trailKeys(c, tt.ticket)
		if ok != tt.wantOK || !slices.Equal(keys, tt.wantKeys) {
			t.Errorf("get(%s) = %v, %v, want %v, %v", tt.ticket, keys, ok, tt.wantKeys, tt.wantOK)
		}
	}
}

// A record appended while a fill reads the database ends up in the
// trail whether or not the read saw it, and a drop during the read
// keeps its result out of the cache.
func TestTrailFill(t *testing.T) {
	a := ticket("KLH-2026-000001", "mid:a@x", t0)
	closed := ticket("KLH-2026-000002", "mid:b@x", t0)
	closed.State = workflow.StateClosed
	ix := loadedIndexOf(a, closed)

	c := newTrailCache()
	c.state = indexLoaded
	if f := c.beginFill(closed.Number, ix); f != nil {
		t.Errorf("beginFill(closed ticket) = %v, want nil", f)
	}

	f := c.beginFill(a.Number, ix)
	if f == nil {
		t.Fatal("beginFill(open ticket) = nil, want a fill")
	}
	if again := c.beginFill(a.Number, ix); again != nil {
		t.Errorf("beginFill(a second time) = %v, want nil", again)
	}
	c.add([]trailRecord{trailRec(t, "a2", a.Number, t0.Add(time.Minute))})
	c.endFill(a.Number, f, []trailRecord{trailRec(t, "a1", a.Number, t0)}, true)
	if keys, ok := trailKeys(c, a.Number); !ok || !slices.Equal(keys, []string{"a1", "a2"}) {
		t.Errorf("get(after a fill with an append) = %v, %v, want [a1 a2], true", keys, ok)
	}

	c.drop(a.Number)
	f = c.beginFill(a.Number, ix)
	c.drop(a.Number)
	c.endFill(a.Number, f, []trailRecord{trailRec(t, "a1", a.Number, t0)}, true)
	if keys, ok := trailKeys(c, a.Number); ok {
		t.Errorf("get(after a fill dropped midway) = %v, true, want nothing cached", keys)
	}
}
