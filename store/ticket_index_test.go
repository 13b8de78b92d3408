package store

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// Every backend must return the same results after tickets change: the
// embedded one from its index, the others from queries.
func TestTicketQueriesAfterUpdates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := ticket("KLH-2026-000001", "mid:a@x", t0)
		a.Terms = []string{"login"}
		a.NextTimer = t0.Add(time.Hour)
		b := ticket("KLH-2026-000002", "mid:b@x", t0.Add(time.Hour))
		b.Terms = []string{"login", "sandi"}
		b.NextTimer = t0.Add(2 * time.Hour)
		insertTickets(t, s, a, b)
		// Load the index, where there is one, before the updates.
		if _, err := s.CountTickets(ctx); err != nil {
			t.Fatalf("CountTickets() error: %v", err)
		}

		closed := *a
		closed.Version, closed.State, closed.NextTimer, closed.ClosedAt = 2, workflow.StateClosed, time.Time{}, t0.Add(3*time.Hour)
		if err := s.UpdateTicket(ctx, &closed, 1); err != nil {
			t.Fatalf("UpdateTicket(close a) error: %v", err)
		}
		moved := *b
		moved.Version, moved.State, moved.NextTimer = 2, workflow.StateEscalated, t0.Add(30*time.Minute)
		moved.Requester.Email = "siti@example.com"
		if err := s.UpdateTicket(ctx, &moved, 1); err != nil {
			t.Fatalf("UpdateTicket(escalate b) error: %v", err)
		}

		due, err := s.TicketsDue(ctx, t0.Add(3*time.Hour), 0)
		if err != nil {
			t.Fatalf("TicketsDue() error: %v", err)
		}
		if got := ticketNumbers(due); !slices.Equal(got, []string{"KLH-2026-000002"}) {
			t.Errorf("TicketsDue() after closing a = %v, want [KLH-2026-000002]", got)
		}
		if len(due) == 1 && (due[0].Version != 2 || due[0].State != workflow.StateEscalated) {
			t.Errorf("TicketsDue()[0] = version %d state %s, want 2 escalated", due[0].Version, due[0].State)
		}

		counts, err := s.CountTickets(ctx)
		if err != nil {
			t.Fatalf("CountTickets() error: %v", err)
		}
		if want := map[workflow.State]int{workflow.StateClosed: 1, workflow.StateEscalated: 1}; !maps.Equal(counts, want) {
			t.Errorf("CountTickets() = %v, want %v", counts, want)
		}

		perEmail, err := s.CountNewTickets(ctx, []string{"budi@example.com", "siti@example.com"}, t0)
		if err != nil {
			t.Fatalf("CountNewTickets() error: %v", err)
		}
		if want := map[string]int{"budi@example.com": 1, "siti@example.com": 1}; !maps.Equal(perEmail, want) {
			t.Errorf("CountNewTickets() = %v, want %v", perEmail, want)
		}

		similar, err := s.SimilarCandidates(ctx, t0, []string{"login"}, 0)
		if err != nil {
			t.Fatalf("SimilarCandidates() error: %v", err)
		}
		if got := ticketNumbers(similar); !slices.Equal(got, []string{"KLH-2026-000002", "KLH-2026-000001"}) {
			t.Errorf("SimilarCandidates(login) = %v, want [KLH-2026-000002 KLH-2026-000001]", got)
		}
		if len(similar) == 2 && similar[1].State != workflow.StateClosed {
			t.Errorf("SimilarCandidates(login)[1].State = %s, want closed", similar[1].State)
		}

		got, err := s.Ticket(ctx, "KLH-2026-000002")
		if err != nil || got.Version != 2 || got.Requester.Email != "siti@example.com" {
			t.Errorf("Ticket(KLH-2026-000002) = %+v, %v, want version 2 from siti", got, err)
		}
	})
}

func TestTicketIndexWindow(t *testing.T) {
	ctx := context.Background()
	s := openDataDir(t, t.TempDir())
	old := ticket("KLH-2026-000001", "mid:old@x", t0.Add(-200*24*time.Hour))
	old.Terms = []string{"login"}
	recent := ticket("KLH-2026-000002", "mid:new@x", t0)
	recent.Terms = []string{"login"}
	insertTickets(t, s, old, recent)

	tests := []struct {
		name      string
		since     time.Time
		wantIndex bool
		want      []string
	}{
		{"inside the window", t0.Add(-24 * time.Hour), true, []string{"KLH-2026-000002"}},
		{"before the window", t0.Add(-365 * 24 * time.Hour), false, []string{"KLH-2026-000002", "KLH-2026-000001"}},
	}
	for _, tt := range tests {
		got, err := s.SimilarCandidates(ctx, tt.since, []string{"login"}, 0)
		if err != nil {
			t.Fatalf("SimilarCandidates(%s) error: %v", tt.name, err)
		}
		if !slices.Equal(ticketNumbers(got), tt.want) {
			t.Errorf("SimilarCandidates(%s) = %v, want %v", tt.name, ticketNumbers(got), tt.want)
		}
		if covered := s.index.covers(tt.since); covered != tt.wantIndex {
			t.Errorf("index covers(%s) = %v, want %v", tt.name, covered, tt.wantIndex)
		}
	}

	// A year later the recent ticket leaves the window too.
	s.now = func() time.Time { return testNow.Add(365 * 24 * time.Hour) }
	got, err := s.SimilarCandidates(ctx, t0.Add(-24*time.Hour), []string{"login"}, 0)
	if err != nil {
		t.Fatalf("SimilarCandidates(after a year) error: %v", err)
	}
	if !slices.Equal(ticketNumbers(got), []string{"KLH-2026-000002"}) {
		t.Errorf("SimilarCandidates(after a year) = %v, want [KLH-2026-000002] from the database", ticketNumbers(got))
	}
	if e := s.index.tickets["KLH-2026-000002"]; e == nil || e.recent || len(s.index.byTerm) != 0 {
		t.Errorf("index after a year: entry %+v, %d terms, want the details dropped", e, len(s.index.byTerm))
	}
}

// A write whose outcome is unknown marks its ticket dirty. The next use
// of the index reads it again, or drops it when it is not stored.
func TestTicketIndexDirtyRefresh(t *testing.T) {
	ctx := context.Background()
	s := openDataDir(t, t.TempDir())
	a := ticket("KLH-2026-000001", "mid:a@x", t0)
	a.NextTimer = t0.Add(time.Hour)
	insertTickets(t, s, a)
	if _, err := s.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}

	// The update reached the database but its reply was lost.
	behind := *a
	behind.Version, behind.NextTimer = 2, t0.Add(10*time.Minute)
	if _, err := s.tickets.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.Number}}, &behind); err != nil {
		t.Fatal(err)
	}
	s.index.markDirty(a.Number, "KLH-2026-000404")

	due, err := s.TicketsDue(ctx, t0.Add(15*time.Minute), 0)
	if err != nil {
		t.Fatalf("TicketsDue() error: %v", err)
	}
	if len(due) != 1 || due[0].Version != 2 {
		t.Errorf("TicketsDue() after a dirty write = %v, want version 2 of %s", ticketNumbers(due), a.Number)
	}
	if len(s.index.dirty) != 0 {
		t.Errorf("dirty tickets after the refresh = %v, want none", s.index.dirty)
	}

	next := behind
	next.Version = 3
	if err := s.UpdateTicket(ctx, &next, 2); err != nil {
		t.Errorf("UpdateTicket(from the refreshed version) error: %v", err)
	}
}

// Tickets written while the index loads are applied on top of what the
// load read, and an older version never replaces a newer one.
func TestTicketIndexInstallKeepsEarlyWrites(t *testing.T) {
	ix := newTicketIndex(DefaultRecentWindow)
	ix.state = indexLoading

	v2 := ticket("KLH-2026-000001", "mid:a@x", t0)
	v2.Version, v2.State = 2, workflow.StateEscalated
	raw2, err := bson.Marshal(v2)
	if err != nil {
		t.Fatal(err)
	}
	ix.apply(v2, raw2)
	fresh := ticket("KLH-2026-000002", "mid:b@x", t0)
	rawFresh, err := bson.Marshal(fresh)
	if err != nil {
		t.Fatal(err)
	}
	ix.apply(fresh, rawFresh)

	read := &ticketIndex{}
	read.reset()
	v1 := ticket("KLH-2026-000001", "mid:a@x", t0)
	raw1, err := bson.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	read.put(newEntry(v1, raw1, t0.Add(-time.Hour)))
	if n, ok := ix.install(read, t0.Add(-time.Hour)); !ok || n != 2 {
		t.Errorf("install() = %d tickets, %v, want 2, true", n, ok)
	}

	tests := []struct {
		number  string
		version int64
	}{
		{"KLH-2026-000001", 2},
		{"KLH-2026-000002", 1},
	}
	for _, tt := range tests {
		if v, ok := ix.version(tt.number); !ok || v != tt.version {
			t.Errorf("version(%s) = %d, %v, want %d", tt.number, v, ok, tt.version)
		}
	}
	if want := map[workflow.State]int{workflow.StateEscalated: 1, workflow.StateNew: 1}; !maps.Equal(ix.countStates(), want) {
		t.Errorf("countStates() = %v, want %v", ix.countStates(), want)
	}
}

// An import writes tickets behind the index's back, so it makes the
// index load again.
func TestTicketIndexAfterImport(t *testing.T) {
	ctx := context.Background()
	s := openDataDir(t, t.TempDir())
	if _, err := s.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}
	if _, err := s.ImportTickets(ctx, []*workflow.Ticket{ticket("KLH-2026-000001", "mid:a@x", t0)}); err != nil {
		t.Fatalf("ImportTickets() error: %v", err)
	}
	got, err := s.TicketsBySource(ctx, []string{"mid:a@x"})
	if err != nil || got["mid:a@x"] == nil {
		t.Errorf("TicketsBySource(imported) = %v, %v, want the imported ticket", got, err)
	}

	s.index.forget("KLH-2026-000001")
	counts, err := s.CountTickets(ctx)
	if err != nil || len(counts) != 0 {
		t.Errorf("CountTickets() after forget = %v, %v, want none", counts, err)
	}
}
