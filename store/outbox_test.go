package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

func enqueue(t *testing.T, s *Store, mails ...workflow.Outgoing) {
	t.Helper()
	if err := s.Enqueue(context.Background(), mails); err != nil {
		t.Fatalf("Enqueue() error: %v", err)
	}
}

func claim(t *testing.T, s *Store, owner string, now time.Time) *workflow.Outgoing {
	t.Helper()
	o, err := s.ClaimOutgoing(context.Background(), owner, now, time.Minute)
	if err != nil {
		t.Fatalf("ClaimOutgoing(%s, %v) error: %v", owner, now, err)
	}
	return o
}

func TestEnqueueDefaultsAndDuplicates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		s.now = func() time.Time { return t0 }
		bare := workflow.Outgoing{Key: "bare", Kind: workflow.MailAck, To: workflow.Party{Email: "budi@example.com"}}
		enqueue(t, s, bare, outgoing("o1", t0))
		enqueue(t, s, outgoing("o1", t0.Add(time.Hour)))

		rows, err := s.ListOutgoing(ctx, OutboxFilter{})
		if err != nil {
			t.Fatalf("ListOutgoing() error: %v", err)
		}
		if len(rows) != 2 {
			t.Fatalf("ListOutgoing() after enqueueing o1 twice = %d rows, want 2", len(rows))
		}
		for _, r := range rows {
			if r.Status != workflow.OutboxPending || !r.NextAttempt.Equal(t0) || !r.CreatedAt.Equal(t0) {
				t.Errorf("ListOutgoing() row %s = status %s next %v created %v, want pending at %v", r.Key, r.Status, r.NextAttempt, r.CreatedAt, t0)
			}
		}
		if err := s.Enqueue(ctx, []workflow.Outgoing{{Kind: workflow.MailAck}}); err == nil {
			t.Error("Enqueue(no key) error = nil, want an error")
		}
	})
}

func TestClaimOutgoingLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		enqueue(t, s, outgoing("late", t0.Add(time.Hour)), outgoing("early", t0), outgoing("middle", t0.Add(time.Minute)))

		if _, err := s.ClaimOutgoing(ctx, "w1", t0.Add(-time.Second), time.Minute); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ClaimOutgoing(before any is due) error = %v, want ErrNotFound", err)
		}

		o := claim(t, s, "w1", t0.Add(2*time.Minute))
		if o.Key != "early" || o.Status != workflow.OutboxSending || o.LeaseOwner != "w1" || o.Attempts != 1 ||
			!o.LeaseUntil.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("ClaimOutgoing() = %s status %s owner %s attempts %d lease %v, want early sending w1 1 %v",
				o.Key, o.Status, o.LeaseOwner, o.Attempts, o.LeaseUntil, t0.Add(3*time.Minute))
		}
		if o2 := claim(t, s, "w2", t0.Add(2*time.Minute)); o2.Key != "middle" {
			t.Errorf("ClaimOutgoing() second = %s, want middle", o2.Key)
		}

		markTests := []struct {
			name    string
			mark    func() error
			wantErr error
		}{
			{"sent by other owner", func() error { return s.MarkSent(ctx, "early", "w2", t0) }, ErrConflict},
			{"sent by owner", func() error { return s.MarkSent(ctx, "early", "w1", t0.Add(2*time.Minute)) }, nil},
			{"sent twice", func() error { return s.MarkSent(ctx, "early", "w1", t0) }, ErrConflict},
			{"unknown row", func() error { return s.MarkFailed(ctx, "nope", "w1", "x") }, ErrNotFound},
			{"retry by owner", func() error { return s.MarkRetry(ctx, "middle", "w2", t0.Add(10*time.Minute), "421 busy") }, nil},
			{"pending row not leased", func() error { return s.MarkSuppressed(ctx, "middle", "w2", "cap") }, ErrConflict},
		}
		for _, tt := range markTests {
			if err := tt.mark(); !errors.Is(err, tt.wantErr) {
				t.Errorf("Mark(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
		}

		rows, err := s.ListOutgoing(ctx, OutboxFilter{Status: workflow.OutboxPending})
		if err != nil {
			t.Fatalf("ListOutgoing(pending) error: %v", err)
		}
		var middle *workflow.Outgoing
		for _, r := range rows {
			if r.Key == "middle" {
				middle = r
			}
		}
		if middle == nil || !middle.NextAttempt.Equal(t0.Add(10*time.Minute)) || middle.LastError != "421 busy" || middle.Attempts != 1 {
			t.Fatalf("ListOutgoing(pending) middle = %+v, want next attempt at +10m, last error 421 busy, 1 attempt", middle)
		}

		o = claim(t, s, "w3", t0.Add(time.Hour))
		if o.Key != "middle" || o.Attempts != 2 {
			t.Errorf("ClaimOutgoing() after retry = %s with %d attempts, want middle with 2", o.Key, o.Attempts)
		}
		if err := s.MarkFailed(ctx, "middle", "w3", "550 no such user"); err != nil {
			t.Fatalf("MarkFailed() error: %v", err)
		}
		o = claim(t, s, "w3", t0.Add(time.Hour))
		if err := s.MarkSuppressed(ctx, o.Key, "w3", "cap reached"); err != nil {
			t.Fatalf("MarkSuppressed(%s) error: %v", o.Key, err)
		}

		counts, err := s.OutboxCounts(ctx)
		if err != nil {
			t.Fatalf("OutboxCounts() error: %v", err)
		}
		want := map[workflow.OutboxStatus]int{workflow.OutboxSent: 1, workflow.OutboxFailed: 1, workflow.OutboxSuppressed: 1}
		if !maps.Equal(counts, want) {
			t.Errorf("OutboxCounts() = %v, want %v", counts, want)
		}
	})
}

func TestRetryOutgoing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		enqueue(t, s, outgoing("f1", t0), outgoing("f2", t0), outgoing("sup", t0), outgoing("pending", t0.Add(time.Hour)))
		for _, key := range []string{"f1", "f2"} {
			o := claim(t, s, "w", t0)
			if err := s.MarkFailed(ctx, o.Key, "w", "550"); err != nil {
				t.Fatalf("MarkFailed(%s) error: %v", key, err)
			}
		}
		o := claim(t, s, "w", t0)
		if err := s.MarkSuppressed(ctx, o.Key, "w", "cap"); err != nil {
			t.Fatalf("MarkSuppressed() error: %v", err)
		}

		tests := []struct {
			name    string
			key     string
			want    int
			wantErr error
		}{
			{"suppressed by key", "sup", 1, nil},
			{"pending by key", "pending", 0, ErrConflict},
			{"unknown key", "nope", 0, ErrNotFound},
			{"every failed", "", 2, nil},
			{"none failed left", "", 0, nil},
		}
		now := t0.Add(2 * time.Hour)
		for _, tt := range tests {
			got, err := s.RetryOutgoing(ctx, tt.key, now)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("RetryOutgoing(%s) = %d, %v, want %d, %v", tt.name, got, err, tt.want, tt.wantErr)
			}
		}

		rows, err := s.ListOutgoing(ctx, OutboxFilter{Status: workflow.OutboxPending})
		if err != nil {
			t.Fatalf("ListOutgoing() error: %v", err)
		}
		if len(rows) != 4 {
			t.Errorf("ListOutgoing(pending) after retries = %d rows, want 4", len(rows))
		}
		for _, r := range rows {
			if r.Key != "pending" && (r.Attempts != 0 || !r.NextAttempt.Equal(now)) {
				t.Errorf("row %s after retry = %d attempts, next %v, want 0 and %v", r.Key, r.Attempts, r.NextAttempt, now)
			}
		}
		// A retried row can be claimed again.
		if o := claim(t, s, "w", now); o.Attempts != 1 {
			t.Errorf("ClaimOutgoing() after retry = %d attempts, want 1", o.Attempts)
		}
	})
}

func TestClaimOutgoingExpiredLease(t *testing.T) {
	eachBackendPair(t, func(t *testing.T, a, b *Store) {
		ctx := context.Background()
		enqueue(t, a, outgoing("o1", t0))

		claim(t, a, "dead", t0)
		if _, err := b.ClaimOutgoing(ctx, "alive", t0.Add(30*time.Second), time.Minute); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ClaimOutgoing(lease still valid) error = %v, want ErrNotFound", err)
		}

		o := claim(t, b, "alive", t0.Add(2*time.Minute))
		if o.Key != "o1" || o.LeaseOwner != "alive" || o.Attempts != 2 {
			t.Errorf("ClaimOutgoing(lease expired) = %s owner %s attempts %d, want o1 alive 2", o.Key, o.LeaseOwner, o.Attempts)
		}
		if err := a.MarkSent(ctx, "o1", "dead", t0.Add(3*time.Minute)); !errors.Is(err, ErrConflict) {
			t.Errorf("MarkSent(by the expired owner) error = %v, want ErrConflict", err)
		}
		if err := b.MarkSent(ctx, "o1", "alive", t0.Add(3*time.Minute)); err != nil {
			t.Errorf("MarkSent(by the new owner) error: %v", err)
		}
	})
}

// A claimer that inserted its claim and died before marking the row
// leaves the row pending; it is claimable again once that claim expires.
func TestClaimOutgoingAbandonedClaim(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		if s.queue != nil {
			// The Store that runs the embedded FerretDB claims in memory,
			// without claim documents.
			return
		}
		ctx := context.Background()
		enqueue(t, s, outgoing("o1", t0))
		gen, err := s.takeClaim(ctx, claimSubject("o1"), 1, "crashed", t0, t0.Add(time.Minute))
		if err != nil || gen != 1 {
			t.Fatalf("takeClaim() = %d, %v, want 1", gen, err)
		}

		if _, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Second), time.Minute); !errors.Is(err, ErrNotFound) {
			t.Errorf("ClaimOutgoing(claim held) error = %v, want ErrNotFound", err)
		}
		if o := claim(t, s, "w", t0.Add(2*time.Minute)); o.Key != "o1" {
			t.Errorf("ClaimOutgoing(claim expired) = %s, want o1", o.Key)
		}
	})
}

func TestClaimOutgoingRace(t *testing.T) {
	eachBackendPair(t, func(t *testing.T, a, b *Store) {
		ctx := context.Background()
		const rows, claimers = 24, 6
		var mails []workflow.Outgoing
		for i := range rows {
			mails = append(mails, outgoing(fmt.Sprintf("row-%02d", i), t0))
		}
		enqueue(t, a, mails...)

		var mu sync.Mutex
		claimed := map[string][]string{}
		var wg sync.WaitGroup
		for c := range claimers {
			s := a
			if c%2 == 1 {
				s = b
			}
			owner := fmt.Sprintf("w%d", c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					o, err := s.ClaimOutgoing(ctx, owner, t0.Add(time.Second), time.Hour)
					if errors.Is(err, ErrNotFound) {
						return
					}
					if err != nil {
						t.Errorf("ClaimOutgoing(%s) error: %v", owner, err)
						return
					}
					mu.Lock()
					claimed[o.Key] = append(claimed[o.Key], owner)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()

		if len(claimed) != rows {
			t.Errorf("ClaimOutgoing() by %d claimers took %d distinct rows, want %d", claimers, len(claimed), rows)
		}
		for key, owners := range claimed {
			if len(owners) != 1 {
				t.Errorf("ClaimOutgoing() gave row %s to %v, want one owner", key, owners)
			}
		}
	})
}

func TestOutboxQueries(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if at, err := s.NextOutgoingAt(ctx); err != nil || !at.IsZero() {
			t.Fatalf("NextOutgoingAt(empty) = %v, %v, want zero", at, err)
		}

		human := outgoing("human", t0)
		human.Capped = false
		other := outgoing("other-ticket", t0.Add(time.Minute))
		other.Ticket = "KLH-2026-000002"
		enqueue(t, s, outgoing("auto1", t0), outgoing("auto2", t0), human, other, outgoing("later", t0.Add(time.Hour)))
		for range 3 {
			o := claim(t, s, "w", t0.Add(time.Second))
			if err := s.MarkSent(ctx, o.Key, "w", t0.Add(2*time.Second)); err != nil {
				t.Fatalf("MarkSent(%s) error: %v", o.Key, err)
			}
		}

		countTests := []struct {
			name  string
			email string
			since time.Time
			want  int
		}{
			{"capped sent only", "budi@example.com", t0, 2},
			{"since after", "budi@example.com", t0.Add(time.Minute), 0},
			{"other address", "siti@example.com", t0, 0},
		}
		for _, tt := range countTests {
			got, err := s.CountAutomaticSent(ctx, tt.email, tt.since)
			if err != nil || got != tt.want {
				t.Errorf("CountAutomaticSent(%s) = %d, %v, want %d", tt.name, got, err, tt.want)
			}
		}

		listTests := []struct {
			name string
			f    OutboxFilter
			want []string
		}{
			{"pending newest first", OutboxFilter{Status: workflow.OutboxPending}, []string{"later", "other-ticket"}},
			{"by ticket", OutboxFilter{Ticket: "KLH-2026-000002"}, []string{"other-ticket"}},
			{"limit", OutboxFilter{Limit: 1}, []string{"later"}},
		}
		for _, tt := range listTests {
			got, err := s.ListOutgoing(ctx, tt.f)
			if err != nil {
				t.Fatalf("ListOutgoing(%s) error: %v", tt.name, err)
			}
			var keys []string
			for _, o := range got {
				keys = append(keys, o.Key)
			}
			if !slices.Equal(keys, tt.want) {
				t.Errorf("ListOutgoing(%s) = %v, want %v", tt.name, keys, tt.want)
			}
		}

		if at, err := s.NextOutgoingAt(ctx); err != nil || !at.Equal(t0.Add(time.Minute)) {
			t.Errorf("NextOutgoingAt() = %v, %v, want %v", at, err, t0.Add(time.Minute))
		}
		// A sending row whose lease ends first sets the time.
		if _, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Minute), 10*time.Second); err != nil {
			t.Fatalf("ClaimOutgoing() error: %v", err)
		}
		if at, err := s.NextOutgoingAt(ctx); err != nil || !at.Equal(t0.Add(time.Minute+10*time.Second)) {
			t.Errorf("NextOutgoingAt(with a lease ending first) = %v, %v, want %v", at, err, t0.Add(time.Minute+10*time.Second))
		}
	})
}
