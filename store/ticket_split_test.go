package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// placement returns the versions of ticket number stored in tickets and
// in tickets_closed, 0 where there is no copy.
func placement(t *testing.T, s *Store, number string) (open, closed int64) {
	t.Helper()
	ctx := context.Background()
	versions := make([]int64, 2)
	for i, coll := range s.ticketColls() {
		doc, err := coll.FindOne(ctx, byID(number)).Raw()
		if err == nil {
			_, versions[i] = rawVersion(doc)
		}
	}
	return versions[0], versions[1]
}

// waitSettled waits until s settled the tickets its index load found
// misplaced.
func waitSettled(t *testing.T, s *Store) {
	t.Helper()
	<-s.startLoad(&s.settling, func(context.Context) error { return nil })
	s.settling.mu.Lock()
	defer s.settling.mu.Unlock()
	if s.settling.err != nil {
		t.Fatalf("settle tickets: %v", s.settling.err)
	}
}

// versionOf returns a copy of tk at version v in state.
func versionOf(tk *workflow.Ticket, v int64, state workflow.State) *workflow.Ticket {
	out := *tk
	out.Version, out.State = v, state
	if state == workflow.StateClosed {
		out.ClosedAt = t0.Add(time.Duration(v) * time.Hour)
	}
	return &out
}

// A ticket moves to tickets_closed when it closes and back when it
// reopens, and every reader of the owner and of a client finds it once.
func TestTicketMovesBetweenCollections(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	tk := ticket("KLH-2026-000001", "mid:a@x", t0)
	other := ticket("KLH-2026-000002", "mid:b@x", t0.Add(time.Minute))
	insertTickets(t, owner, tk, other)
	if _, err := owner.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}

	steps := []struct {
		name                 string
		open                 bool
		wantOpen, wantClosed int64
	}{
		{"close", false, 0, 2},
		{"reopen", true, 3, 0},
		{"close again", false, 0, 4},
	}
	for _, st := range steps {
		tk = setOpen(t, owner, tk, st.open)
		if open, closed := placement(t, owner, tk.Number); open != st.wantOpen || closed != st.wantClosed {
			t.Errorf("after %s: versions in tickets %d, in tickets_closed %d, want %d and %d", st.name, open, closed, st.wantOpen, st.wantClosed)
		}
		for _, s := range []*Store{owner, client} {
			checkReaders(t, s, st.name, tk, 2)
		}
	}

	counts, err := owner.CountTickets(ctx)
	if err != nil || counts[workflow.StateClosed] != 1 || counts[workflow.StateNew] != 1 {
		t.Errorf("owner CountTickets() = %v, %v, want 1 closed and 1 new", counts, err)
	}
	counts, err = client.CountTickets(ctx)
	if err != nil || counts[workflow.StateClosed] != 1 || counts[workflow.StateNew] != 1 {
		t.Errorf("client CountTickets() = %v, %v, want 1 closed and 1 new", counts, err)
	}
	closed, err := client.ClosedTicketsBefore(ctx, t0.Add(24*time.Hour))
	if err != nil || len(closed) != 1 || closed[0].Number != tk.Number {
		t.Errorf("ClosedTicketsBefore() = %v, %v, want [%s]", ticketNumbers(closed), err, tk.Number)
	}
}

// checkReaders checks that the lookups and listings of s return want,
// at its version, once, among total tickets.
func checkReaders(t *testing.T, s *Store, step string, want *workflow.Ticket, total int) {
	t.Helper()
	ctx := context.Background()
	got, err := s.Ticket(ctx, want.Number)
	if err != nil || got.Version != want.Version || got.State != want.State {
		t.Errorf("%s: Ticket(%s) = %+v, %v, want version %d %s", step, want.Number, got, err, want.Version, want.State)
	}
	byNumber, err := s.TicketsByNumber(ctx, []string{want.Number})
	if err != nil || byNumber[want.Number] == nil || byNumber[want.Number].Version != want.Version {
		t.Errorf("%s: TicketsByNumber(%s) = %v, %v, want version %d", step, want.Number, byNumber, err, want.Version)
	}
	bySource, err := s.TicketsBySource(ctx, []string{want.SourceKey})
	if err != nil || bySource[want.SourceKey] == nil || bySource[want.SourceKey].Version != want.Version {
		t.Errorf("%s: TicketsBySource(%s) = %v, %v, want version %d", step, want.SourceKey, bySource, err, want.Version)
	}

	listed, err := s.ListTickets(ctx, TicketFilter{})
	if err != nil || len(listed) != total {
		t.Errorf("%s: ListTickets() = %v, %v, want %d tickets", step, ticketNumbers(listed), err, total)
	}
	for _, l := range listed {
		if l.Number == want.Number && l.Version != want.Version {
			t.Errorf("%s: ListTickets() lists %s at version %d, want %d", step, l.Number, l.Version, want.Version)
		}
	}

	var each []string
	err = s.EachTicket(ctx, func(tk *workflow.Ticket) error {
		each = append(each, tk.Number)
		if tk.Number == want.Number && tk.Version != want.Version {
			t.Errorf("%s: EachTicket() passes %s at version %d, want %d", step, tk.Number, tk.Version, want.Version)
		}
		return nil
	})
	if err != nil || len(each) != total || !slices.IsSorted(each) {
		t.Errorf("%s: EachTicket() = %v, %v, want %d tickets in number order", step, each, err, total)
	}

	raw := 0
	err = s.EachRaw(ctx, collTickets, func(doc bson.Raw) error {
		raw++
		if number, v := rawVersion(doc); number == want.Number && v != want.Version {
			t.Errorf("%s: EachRaw(tickets) passes %s at version %d, want %d", step, number, v, want.Version)
		}
		return nil
	})
	if err != nil || raw != total {
		t.Errorf("%s: EachRaw(tickets) = %d documents, %v, want %d", step, raw, err, total)
	}
}

// A crash at any step of a move, or of settling, leaves copies from
// which every reader takes the newest, and the next load of the ticket
// index settles them: one copy, in the collection of its state.
func TestTicketMoveCrash(t *testing.T) {
	base := ticket("KLH-2026-000001", "mid:a@x", t0)
	tests := []struct {
		name string
		// open and closed are the copies in tickets and tickets_closed.
		open, closed *workflow.Ticket
		want         *workflow.Ticket
	}{
		{"close, before the insert", versionOf(base, 1, workflow.StateNew), nil, versionOf(base, 1, workflow.StateNew)},
		{"close, after the insert", versionOf(base, 1, workflow.StateNew), versionOf(base, 2, workflow.StateClosed), versionOf(base, 2, workflow.StateClosed)},
		{"close, after the delete", nil, versionOf(base, 2, workflow.StateClosed), versionOf(base, 2, workflow.StateClosed)},
		{"reopen, after the insert", versionOf(base, 3, workflow.StateNew), versionOf(base, 2, workflow.StateClosed), versionOf(base, 3, workflow.StateNew)},
		{"written before the split", versionOf(base, 2, workflow.StateClosed), nil, versionOf(base, 2, workflow.StateClosed)},
		{"settle, after the insert", versionOf(base, 2, workflow.StateClosed), versionOf(base, 2, workflow.StateClosed), versionOf(base, 2, workflow.StateClosed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			crashed, stop := openRestartable(t, dir)
			other := ticket("KLH-2026-000002", "mid:b@x", t0)
			insertTickets(t, crashed, other)
			writeCopies(t, crashed, tt.open, tt.closed)
			checkReaders(t, crashed, "before the restart", tt.want, 2)
			stale := tt.want.Version - 1
			next := versionOf(tt.want, tt.want.Version+1, tt.want.State)
			if err := crashed.UpdateTicket(ctx, next, stale); !errors.Is(err, ErrConflict) {
				t.Errorf("UpdateTicket(from version %d) error = %v, want ErrConflict", stale, err)
			}
			stop()

			restarted := openDataDir(t, dir)
			if _, err := restarted.CountTickets(ctx); err != nil {
				t.Fatalf("CountTickets() error: %v", err)
			}
			waitSettled(t, restarted)
			wantOpen, wantClosed := tt.want.Version, int64(0)
			if tt.want.State == workflow.StateClosed {
				wantOpen, wantClosed = 0, tt.want.Version
			}
			if open, closed := placement(t, restarted, base.Number); open != wantOpen || closed != wantClosed {
				t.Errorf("after settling: versions in tickets %d, in tickets_closed %d, want %d and %d", open, closed, wantOpen, wantClosed)
			}
			checkReaders(t, restarted, "after settling", tt.want, 2)
			if err := restarted.UpdateTicket(ctx, next, tt.want.Version); err != nil {
				t.Errorf("UpdateTicket(from version %d) error: %v", tt.want.Version, err)
			}
		})
	}
}

// openRestartable opens a Store on the embedded FerretDB of dir, with
// the test clock, and returns it with a func that closes it, as a crash
// or a stop would, before the test ends.
func openRestartable(t *testing.T, dir string) (*Store, func()) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(%s) error: %v", dir, err)
	}
	s.now = func() time.Time { return testNow }
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := s.Close(ctx); err != nil {
				t.Errorf("Close() error: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// writeCopies stores the copies of a ticket that a crash left, straight
// into tickets and tickets_closed.
func writeCopies(t *testing.T, s *Store, open, closed *workflow.Ticket) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		tk   *workflow.Ticket
		name string
	}{{open, collTickets}, {closed, collTicketsClosed}} {
		if c.tk == nil {
			continue
		}
		if _, err := s.db.Collection(c.name).InsertOne(ctx, c.tk); err != nil {
			t.Fatalf("insert %s version %d into %s: %v", c.tk.Number, c.tk.Version, c.name, err)
		}
	}
}

// An update from the newest copy succeeds while an older copy is left,
// and leaves the ticket where its new state belongs.
func TestUpdateTicketWithLeftoverCopy(t *testing.T) {
	base := ticket("KLH-2026-000001", "mid:a@x", t0)
	tests := []struct {
		name                 string
		open, closed         *workflow.Ticket
		next                 *workflow.Ticket
		wantOpen, wantClosed int64
	}{
		{"closed stays closed", versionOf(base, 1, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 3, workflow.StateClosed), 1, 3},
		{"closed reopens", versionOf(base, 1, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 3, workflow.StateNew), 3, 0},
		{"open closes", versionOf(base, 3, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 4, workflow.StateClosed), 0, 4},
		{"closed before the split reopens", versionOf(base, 2, workflow.StateClosed), nil,
			versionOf(base, 3, workflow.StateNew), 3, 0},
		{"closed before the split stays closed", versionOf(base, 2, workflow.StateClosed), nil,
			versionOf(base, 3, workflow.StateClosed), 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openDataDir(t, t.TempDir())
			writeCopies(t, s, tt.open, tt.closed)
			if err := s.UpdateTicket(context.Background(), tt.next, tt.next.Version-1); err != nil {
				t.Fatalf("UpdateTicket(version %d) error: %v", tt.next.Version, err)
			}
			if open, closed := placement(t, s, base.Number); open != tt.wantOpen || closed != tt.wantClosed {
				t.Errorf("versions in tickets %d, in tickets_closed %d, want %d and %d", open, closed, tt.wantOpen, tt.wantClosed)
			}
			got, err := s.Ticket(context.Background(), base.Number)
			if err != nil || got.Version != tt.next.Version || got.State != tt.next.State {
				t.Errorf("Ticket() = %+v, %v, want version %d %s", got, err, tt.next.Version, tt.next.State)
			}
		})
	}
}

// The unique indexes of tickets do not see tickets_closed, so
// InsertTickets looks the new tickets up there, from the ticket index of
// a loaded owner or with a query on any other Store.
func TestInsertTicketsSeesClosedTickets(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T, dir string) *Store
	}{
		{"owner with the index", func(t *testing.T, dir string) *Store {
			s := openDataDir(t, dir)
			if _, err := s.CountTickets(context.Background()); err != nil {
				t.Fatalf("CountTickets() error: %v", err)
			}
			return s
		}},
		{"owner without the index", openDataDir},
		{"client", func(t *testing.T, dir string) *Store {
			openDataDir(t, dir)
			return openDataDir(t, dir)
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s := st.open(t, dir)
			closed := ticket("KLH-2026-000001", "mid:a@x", t0)
			closed.State = workflow.StateClosed
			if s.OwnsServer() {
				insertTickets(t, s, closed)
			} else {
				writeCopies(t, s, nil, closed)
			}

			tests := []struct {
				name    string
				tickets []*workflow.Ticket
				wantDup []string
				wantErr error
			}{
				{"same source new number", []*workflow.Ticket{ticket("KLH-2026-000002", "mid:a@x", t0)}, []string{"mid:a@x"}, nil},
				{"number taken", []*workflow.Ticket{ticket("KLH-2026-000001", "mid:z@x", t0)}, nil, ErrDuplicate},
				{"new", []*workflow.Ticket{ticket("KLH-2026-000003", "mid:c@x", t0)}, nil, nil},
			}
			for _, tt := range tests {
				dup, err := s.InsertTickets(ctx, tt.tickets)
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("InsertTickets(%s) error = %v, want %v", tt.name, err, tt.wantErr)
				}
				if !slices.Equal(dup, tt.wantDup) {
					t.Errorf("InsertTickets(%s) dup = %v, want %v", tt.name, dup, tt.wantDup)
				}
			}
			if n := countIn(t, s, collTickets, bson.D{}); n != 1 {
				t.Errorf("tickets holds %d tickets, want only the new one", n)
			}
		})
	}
}

// Imports put closed tickets into tickets_closed and skip tickets stored
// in either collection, and an export lists each ticket once.
func TestImportTicketsSplits(t *testing.T) {
	ctx := context.Background()
	src := openDataDir(t, t.TempDir())
	open := ticket("KLH-2026-000001", "mid:a@x", t0)
	closed := versionOf(ticket("KLH-2026-000002", "mid:b@x", t0), 3, workflow.StateClosed)
	if n, err := src.ImportTickets(ctx, []*workflow.Ticket{open, closed}); err != nil || n != 2 {
		t.Fatalf("ImportTickets() = %d, %v, want 2", n, err)
	}
	if o, c := placement(t, src, closed.Number); o != 0 || c != 3 {
		t.Errorf("imported closed ticket: versions in tickets %d, in tickets_closed %d, want 0 and 3", o, c)
	}
	reopened := versionOf(closed, 3, workflow.StateNew)
	if n, err := src.ImportTickets(ctx, []*workflow.Ticket{reopened}); err != nil || n != 0 {
		t.Errorf("ImportTickets(number stored in tickets_closed) = %d, %v, want 0", n, err)
	}

	var docs []bson.Raw
	err := src.EachRaw(ctx, collTickets, func(doc bson.Raw) error {
		docs = append(docs, slices.Clone(doc))
		return nil
	})
	if err != nil || len(docs) != 2 {
		t.Fatalf("EachRaw(tickets) = %d documents, %v, want 2", len(docs), err)
	}
	dst := openDataDir(t, t.TempDir())
	if n, err := dst.InsertRaw(ctx, collTickets, docs); err != nil || n != 2 {
		t.Fatalf("InsertRaw(tickets) = %d, %v, want 2", n, err)
	}
	if n, err := dst.InsertRaw(ctx, collTickets, docs); err != nil || n != 0 {
		t.Errorf("InsertRaw(tickets, again) = %d, %v, want 0", n, err)
	}
	for _, want := range []struct {
		number     string
		open, shut int64
	}{{open.Number, 1, 0}, {closed.Number, 0, 3}} {
		if o, c := placement(t, dst, want.number); o != want.open || c != want.shut {
			t.Errorf("InsertRaw(%s): versions in tickets %d, in tickets_closed %d, want %d and %d", want.number, o, c, want.open, want.shut)
		}
	}
}

// Settling writes the newest copy where its state belongs and deletes
// the other copy, but leaves a ticket alone when the index holds another
// version, because an update changed it after the copies were read.
func TestPlanSettle(t *testing.T) {
	base := ticket("KLH-2026-000001", "mid:a@x", t0)
	raw := func(tk *workflow.Ticket) []bson.Raw {
		if tk == nil {
			return nil
		}
		doc, err := bson.Marshal(tk)
		if err != nil {
			t.Fatal(err)
		}
		return []bson.Raw{doc}
	}
	tests := []struct {
		name                 string
		open, closed         *workflow.Ticket
		indexed              *workflow.Ticket
		toOpen, toClosed     int
		dropOpen, dropClosed int
	}{
		{"crash while closing", versionOf(base, 1, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 2, workflow.StateClosed), 0, 0, 1, 0},
		{"crash while reopening", versionOf(base, 3, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 3, workflow.StateNew), 0, 0, 0, 1},
		{"closed before the split", versionOf(base, 2, workflow.StateClosed), nil,
			versionOf(base, 2, workflow.StateClosed), 0, 1, 1, 0},
		{"open in tickets_closed", nil, versionOf(base, 2, workflow.StateNew),
			versionOf(base, 2, workflow.StateNew), 1, 0, 0, 1},
		{"updated after the read", versionOf(base, 1, workflow.StateNew), versionOf(base, 2, workflow.StateClosed),
			versionOf(base, 3, workflow.StateNew), 0, 0, 0, 0},
	}
	for _, tt := range tests {
		plan := planSettle(raw(tt.open), raw(tt.closed), loadedIndexOf(tt.indexed))
		got := []int{len(plan.toOpen), len(plan.toClosed), len(plan.dropOpen), len(plan.dropClosed)}
		want := []int{tt.toOpen, tt.toClosed, tt.dropOpen, tt.dropClosed}
		if !slices.Equal(got, want) {
			t.Errorf("planSettle(%s) writes to tickets, to tickets_closed, deletes from tickets, from tickets_closed = %v, want %v", tt.name, got, want)
		}
	}
}
