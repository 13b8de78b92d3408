package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

func insertTickets(t *testing.T, s *Store, tickets ...*workflow.Ticket) {
	t.Helper()
	dup, err := s.InsertTickets(context.Background(), tickets)
	if err != nil || len(dup) > 0 {
		t.Fatalf("InsertTickets() = %v, %v, want no duplicates and no error", dup, err)
	}
}

func TestInsertTicketsDuplicates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		insertTickets(t, s, ticket("KLH-2026-000001", "mid:a@x", t0), ticket("KLH-2026-000002", "mid:b@x", t0))

		tests := []struct {
			name    string
			tickets []*workflow.Ticket
			wantDup []string
			wantErr error
		}{
			{"same source new number", []*workflow.Ticket{ticket("KLH-2026-000003", "mid:a@x", t0)}, []string{"mid:a@x"}, nil},
			{"same ticket again", []*workflow.Ticket{ticket("KLH-2026-000002", "mid:b@x", t0)}, []string{"mid:b@x"}, nil},
			{"new and duplicate", []*workflow.Ticket{ticket("KLH-2026-000004", "mid:c@x", t0), ticket("KLH-2026-000005", "mid:a@x", t0)}, []string{"mid:a@x"}, nil},
			{"number taken", []*workflow.Ticket{ticket("KLH-2026-000001", "mid:z@x", t0)}, nil, ErrDuplicate},
			{"none", nil, nil, nil},
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

		if _, err := s.Ticket(ctx, "KLH-2026-000004"); err != nil {
			t.Errorf("Ticket(KLH-2026-000004) error: %v; the new ticket of a batch with a duplicate was not stored", err)
		}
	})
}

func TestTicketLookups(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		want := ticket("KLH-2026-000001", "mid:a@x", t0)
		want.Clocks = []workflow.Clock{{Step: workflow.StepVerify, Role: workflow.RoleServiceDesk, Started: t0, Due: t0.Add(8 * time.Hour), Standard: 8 * time.Hour}}
		want.Terms = []string{"login", "aplikasi"}
		insertTickets(t, s, want, ticket("KLH-2026-000002", "mid:b@x", t0))

		got, err := s.Ticket(ctx, want.Number)
		if err != nil {
			t.Fatalf("Ticket(%s) error: %v", want.Number, err)
		}
		if got.SourceKey != want.SourceKey || got.Subject != want.Subject || !got.ReceivedAt.Equal(t0) ||
			len(got.Clocks) != 1 || got.Clocks[0].Standard != 8*time.Hour || !slices.Equal(got.Terms, want.Terms) {
			t.Errorf("Ticket(%s) = %+v, want %+v", want.Number, got, want)
		}
		if _, err := s.Ticket(ctx, "KLH-2026-999999"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Ticket(missing) error = %v, want ErrNotFound", err)
		}

		bySource, err := s.TicketsBySource(ctx, []string{"mid:a@x", "mid:nope@x"})
		if err != nil {
			t.Fatalf("TicketsBySource() error: %v", err)
		}
		if got := slices.Sorted(maps.Keys(bySource)); !slices.Equal(got, []string{"mid:a@x"}) {
			t.Errorf("TicketsBySource(a, nope) keys = %v, want [mid:a@x]", got)
		}

		byNumber, err := s.TicketsByNumber(ctx, []string{"KLH-2026-000002", "KLH-2026-000009"})
		if err != nil {
			t.Fatalf("TicketsByNumber() error: %v", err)
		}
		if got := slices.Sorted(maps.Keys(byNumber)); !slices.Equal(got, []string{"KLH-2026-000002"}) {
			t.Errorf("TicketsByNumber(2, 9) keys = %v, want [KLH-2026-000002]", got)
		}

		empty, err := s.TicketsBySource(ctx, nil)
		if err != nil || len(empty) != 0 {
			t.Errorf("TicketsBySource(nil) = %v, %v, want empty and no error", empty, err)
		}
	})
}

func TestUpdateTicket(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		insertTickets(t, s, ticket("KLH-2026-000001", "mid:a@x", t0))

		next := ticket("KLH-2026-000001", "mid:a@x", t0)
		next.Version = 2
		next.State = workflow.StateEscalated
		if err := s.UpdateTicket(ctx, next, 1); err != nil {
			t.Fatalf("UpdateTicket(v1 to v2) error: %v", err)
		}

		stale := ticket("KLH-2026-000001", "mid:a@x", t0)
		stale.Version = 2
		stale.State = workflow.StateIncident
		missing := ticket("KLH-2026-000404", "mid:m@x", t0)
		missing.Version = 2
		tests := []struct {
			name    string
			ticket  *workflow.Ticket
			prev    int64
			wantErr error
		}{
			{"stale version", stale, 1, ErrConflict},
			{"missing ticket", missing, 1, ErrNotFound},
		}
		for _, tt := range tests {
			if err := s.UpdateTicket(ctx, tt.ticket, tt.prev); !errors.Is(err, tt.wantErr) {
				t.Errorf("UpdateTicket(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
		}
		if err := s.UpdateTicket(ctx, next, 2); err == nil {
			t.Error("UpdateTicket(version not after prev) error = nil, want an error")
		}

		got, err := s.Ticket(ctx, "KLH-2026-000001")
		if err != nil {
			t.Fatalf("Ticket() error: %v", err)
		}
		if got.Version != 2 || got.State != workflow.StateEscalated {
			t.Errorf("Ticket() after updates = version %d state %s, want 2 escalated", got.Version, got.State)
		}
	})
}

// On FerretDB the guard holds within one Store, so the writers share one.
func TestUpdateTicketConcurrentWriters(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		insertTickets(t, s, ticket("KLH-2026-000001", "mid:a@x", t0))

		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := ticket("KLH-2026-000001", "mid:a@x", t0)
				next.Version = 2
				next.Holder = string(rune('a' + i))
				errs[i] = s.UpdateTicket(ctx, next, 1)
			}()
		}
		wg.Wait()

		var won, conflicts int
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrConflict):
				conflicts++
			default:
				t.Errorf("UpdateTicket() error: %v", err)
			}
		}
		if won != 1 || conflicts != writers-1 {
			t.Errorf("UpdateTicket() by %d writers: %d won, %d conflicts, want 1 and %d", writers, won, conflicts, writers-1)
		}
	})
}

func TestTicketQueries(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t1 := ticket("KLH-2026-000001", "s1", t0)
		t1.Terms = []string{"login", "sandi"}
		t1.NextTimer = t0.Add(time.Hour)
		t2 := ticket("KLH-2026-000002", "s2", t0.Add(24*time.Hour))
		t2.Terms = []string{"pembayaran"}
		t2.State = workflow.StateEscalated
		t2.NextTimer = t0.Add(2 * time.Hour)
		t3 := ticket("KLH-2026-000003", "s3", t0.Add(48*time.Hour))
		t3.Terms = []string{"login"}
		t3.State = workflow.StateClosed
		t3.NextTimer = t0.Add(30 * time.Minute)
		t3.Requester.Email = "siti@example.com"
		insertTickets(t, s, t1, t2, t3)

		listTests := []struct {
			name string
			f    TicketFilter
			want []string
		}{
			{"all newest first", TicketFilter{}, []string{"KLH-2026-000003", "KLH-2026-000002", "KLH-2026-000001"}},
			{"by state", TicketFilter{State: workflow.StateEscalated}, []string{"KLH-2026-000002"}},
			{"since", TicketFilter{Since: t0.Add(time.Hour)}, []string{"KLH-2026-000003", "KLH-2026-000002"}},
			{"until exclusive", TicketFilter{Until: t0.Add(24 * time.Hour)}, []string{"KLH-2026-000001"}},
			{"limit", TicketFilter{Limit: 1}, []string{"KLH-2026-000003"}},
		}
		for _, tt := range listTests {
			got, err := s.ListTickets(ctx, tt.f)
			if err != nil {
				t.Fatalf("ListTickets(%s) error: %v", tt.name, err)
			}
			if !slices.Equal(ticketNumbers(got), tt.want) {
				t.Errorf("ListTickets(%s) = %v, want %v", tt.name, ticketNumbers(got), tt.want)
			}
		}

		dueTests := []struct {
			name  string
			now   time.Time
			limit int
			want  []string
		}{
			{"none yet", t0, 0, nil},
			{"closed left out", t0.Add(time.Hour), 0, []string{"KLH-2026-000001"}},
			{"earliest first", t0.Add(3 * time.Hour), 0, []string{"KLH-2026-000001", "KLH-2026-000002"}},
			{"limit", t0.Add(3 * time.Hour), 1, []string{"KLH-2026-000001"}},
		}
		for _, tt := range dueTests {
			got, err := s.TicketsDue(ctx, tt.now, tt.limit)
			if err != nil {
				t.Fatalf("TicketsDue(%s) error: %v", tt.name, err)
			}
			if !slices.Equal(ticketNumbers(got), tt.want) {
				t.Errorf("TicketsDue(%s) = %v, want %v", tt.name, ticketNumbers(got), tt.want)
			}
		}

		counts, err := s.CountTickets(ctx)
		if err != nil {
			t.Fatalf("CountTickets() error: %v", err)
		}
		wantCounts := map[workflow.State]int{workflow.StateNew: 1, workflow.StateEscalated: 1, workflow.StateClosed: 1}
		if !maps.Equal(counts, wantCounts) {
			t.Errorf("CountTickets() = %v, want %v", counts, wantCounts)
		}

		n, err := s.CountNewTicketsFrom(ctx, "budi@example.com", t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("CountNewTicketsFrom(budi, t0+1h) = %d, %v, want 1", n, err)
		}
		perEmail, err := s.CountNewTickets(ctx, []string{"budi@example.com", "siti@example.com", "nobody@example.com"}, t0)
		if err != nil {
			t.Fatalf("CountNewTickets() error: %v", err)
		}
		if want := map[string]int{"budi@example.com": 2, "siti@example.com": 1}; !maps.Equal(perEmail, want) {
			t.Errorf("CountNewTickets() = %v, want %v", perEmail, want)
		}

		similar, err := s.SimilarCandidates(ctx, t0, []string{"login", "akun"}, 10)
		if err != nil {
			t.Fatalf("SimilarCandidates() error: %v", err)
		}
		if got, want := ticketNumbers(similar), []string{"KLH-2026-000003", "KLH-2026-000001"}; !slices.Equal(got, want) {
			t.Errorf("SimilarCandidates(login, akun) = %v, want %v", got, want)
		}
		if len(similar) > 0 && (similar[0].Subject == "" || similar[0].State != workflow.StateClosed || len(similar[0].Terms) == 0 || similar[0].ReceivedAt.IsZero()) {
			t.Errorf("SimilarCandidates()[0] = %+v, want number, subject, state, received_at and terms filled", similar[0])
		}
		if got, err := s.SimilarCandidates(ctx, t0, nil, 10); err != nil || got != nil {
			t.Errorf("SimilarCandidates(no terms) = %v, %v, want nil", got, err)
		}
	})
}

func ticketNumbers(tickets []*workflow.Ticket) []string {
	var out []string
	for _, t := range tickets {
		out = append(out, t.Number)
	}
	return out
}
