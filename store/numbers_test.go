package store

import (
	"context"
	"slices"
	"sync"
	"testing"
)

func TestAllocateNumbersSequence(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tests := []struct {
			counter string
			n       int
			want    int64
		}{
			{"ticket-2026", 1, 1},
			{"ticket-2026", 5, 2},
			{"ticket-2026", 1, 7},
			{"ticket-2027", 2, 1},
			{"ticket-2026", 3, 8},
		}
		for _, tt := range tests {
			got, err := s.AllocateNumbers(ctx, tt.counter, tt.n)
			if err != nil {
				t.Fatalf("AllocateNumbers(%s, %d) error: %v", tt.counter, tt.n, err)
			}
			if got != tt.want {
				t.Errorf("AllocateNumbers(%s, %d) = %d, want %d", tt.counter, tt.n, got, tt.want)
			}
		}
	})
}

func TestAllocateNumbersInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tests := []struct {
			name    string
			counter string
			n       int
		}{
			{"zero count", "ticket-2026", 0},
			{"negative count", "ticket-2026", -1},
			{"empty counter", "", 1},
			{"slash in counter", "ticket/2026", 1},
		}
		for _, tt := range tests {
			if _, err := s.AllocateNumbers(context.Background(), tt.counter, tt.n); err == nil {
				t.Errorf("AllocateNumbers(%s) error = nil, want an error", tt.name)
			}
		}
	})
}

// A Store opened later, as after a restart, continues after the numbers
// given out before.
func TestAllocateNumbersAfterReopen(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			db := testDatabase(t)
			first := openTestStore(t, be, db)
			if _, err := first.AllocateNumbers(ctx, "ticket-2026", 10); err != nil {
				t.Fatalf("AllocateNumbers() error: %v", err)
			}

			second := openTestStore(t, be, db)
			got, err := second.AllocateNumbers(ctx, "ticket-2026", 1)
			if err != nil || got != 11 {
				t.Errorf("AllocateNumbers() on a new Store = %d, %v, want 11", got, err)
			}
		})
	}
}

func TestAllocateNumbersConcurrent(t *testing.T) {
	eachBackendPair(t, func(t *testing.T, a, b *Store) {
		ctx := context.Background()
		const goroutines, rounds = 8, 50

		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		for g := range goroutines {
			s := a
			if g%2 == 1 {
				s = b
			}
			n := 1 + g%3
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					first, err := s.AllocateNumbers(ctx, "ticket-2026", n)
					if err != nil {
						t.Errorf("AllocateNumbers() error: %v", err)
						return
					}
					mu.Lock()
					for i := range int64(n) {
						got = append(got, first+i)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()

		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("AllocateNumbers() from %d goroutines: number %d at position %d, want %d (duplicate or gap)", goroutines, v, i, i+1)
			}
		}
		want := 0
		for g := range goroutines {
			want += rounds * (1 + g%3)
		}
		if len(got) != want {
			t.Errorf("AllocateNumbers() from %d goroutines gave %d numbers, want %d", goroutines, len(got), want)
		}
	})
}
