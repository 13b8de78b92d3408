package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/triage"
)

func TestRecurrence(t *testing.T) {
	base := jkt(t, "2026-12-01 09:00")
	tk := func(n int, terms ...string) *workflow.Ticket {
		return &workflow.Ticket{
			Number: fmt.Sprintf("KLH-2026-%06d", n), ReceivedAt: base.Add(time.Duration(n) * time.Hour),
			Subject: fmt.Sprintf("keluhan %d", n), State: workflow.StateNew, Terms: terms,
		}
	}
	similar := func(t *workflow.Ticket, number string, score float64) *workflow.Ticket {
		t.Similar = append(t.Similar, workflow.SimilarRef{Number: number, Score: score})
		return t
	}

	cases := []struct {
		name    string
		tickets []*workflow.Ticket
		min     float64
		want    [][]int // member numbers of each group, in order
		topics  []string
	}{
		{
			name:    "no tickets",
			tickets: nil,
			want:    nil,
		},
		{
			name: "pair above the threshold",
			// 2 shared of 3 and 3 terms: 0.67.
			tickets: []*workflow.Ticket{tk(1, "login", "simpeg", "gagal"), tk(2, "login", "simpeg", "lupa"), tk(3, "antrean", "loket")},
			want:    [][]int{{1, 2}},
			topics:  []string{"login, simpeg, gagal"},
		},
		{
			name: "chain links tickets that share little",
			// 1-2 and 2-3 share 2 of 3 and 4 terms (0.58), 1-3 nothing.
			tickets: []*workflow.Ticket{tk(1, "a1", "a2", "a3"), tk(2, "a1", "a2", "b1", "b2"), tk(3, "b1", "b2", "c1")},
			want:    [][]int{{1, 2, 3}},
			topics:  []string{"a1, a2, b1"},
		},
		{
			name: "below the threshold",
			// 1 shared of 4 and 4 terms: 0.25.
			tickets: []*workflow.Ticket{tk(1, "a", "b", "c", "d"), tk(2, "a", "x", "y", "z")},
			want:    nil,
		},
		{
			name:    "threshold is inclusive",
			tickets: []*workflow.Ticket{tk(1, "a", "b", "c", "d"), tk(2, "a", "x", "y", "z")},
			min:     0.25,
			want:    [][]int{{1, 2}},
		},
		{
			name: "similar reference links tickets without terms",
			tickets: []*workflow.Ticket{
				similar(tk(2), "KLH-2026-000001", 0.5), tk(1), similar(tk(3), "KLH-2026-000001", 0.2),
				similar(tk(4), "KLH-2026-000099", 0.9),
			},
			want: [][]int{{1, 2}},
		},
		{
			name:    "duplicate number counted once",
			tickets: []*workflow.Ticket{tk(1, "a", "b"), tk(1, "a", "b"), tk(2, "a", "b")},
			want:    [][]int{{1, 2}},
		},
		{
			name: "largest group first",
			tickets: []*workflow.Ticket{
				tk(1, "x", "y"), tk(2, "x", "y"),
				tk(3, "p", "q"), tk(4, "p", "q"), tk(5, "p", "q"),
			},
			want:   [][]int{{3, 4, 5}, {1, 2}},
			topics: []string{"p, q", "x, y"},
		},
		{
			name:    "repeated terms count once",
			tickets: []*workflow.Ticket{tk(1, "a", "a", "a", "b"), tk(2, "a", "c", "d", "e")},
			// {a,b} and {a,c,d,e}: 1/sqrt(8) = 0.354.
			want: [][]int{{1, 2}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			groups := Recurrence(tc.tickets, tc.min)
			var got [][]int
			for _, g := range groups {
				var members []int
				for _, m := range g.Members {
					var n int
					fmt.Sscanf(m.Number, "KLH-2026-%d", &n)
					members = append(members, n)
				}
				got = append(got, members)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Recurrence(%s) groups = %v, want %v", tc.name, got, tc.want)
			}
			for i, topic := range tc.topics {
				if i < len(groups) && groups[i].Topic != topic {
					t.Errorf("Recurrence(%s) group %d topic = %q, want %q", tc.name, i, groups[i].Topic, topic)
				}
			}
		})
	}
}

func TestRecurrenceMember(t *testing.T) {
	tickets := goldenTickets(t)
	groups := Recurrence(tickets, 0)
	if len(groups) != 2 {
		t.Fatalf("Recurrence(golden, 0) = %d groups, want 2", len(groups))
	}
	got := groups[1].Members[1]
	want := Member{Number: "KLH-2026-000104", Subject: "Antrean loket perizinan tidak tertib dan lama", State: workflow.StateWaiting, ReceivedAt: jkt(t, "2026-11-30 08:30")}
	if got.Number != want.Number || got.Subject != want.Subject || got.State != want.State || !got.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("member = %+v, want %+v", got, want)
	}
}

// TestRecurrenceMatchesPairwise checks the prefix filter against a
// comparison of every pair with triage.Similarity, on random term sets
// drawn from a skewed vocabulary, at several thresholds.
func TestRecurrenceMatchesPairwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var tickets []*workflow.Ticket
	for i := range 300 {
		var terms []string
		for range 2 + rng.IntN(12) {
			// Squaring favours low word numbers, as real text favours
			// common words.
			x := rng.Float64()
			terms = append(terms, fmt.Sprintf("w%d", int(x*x*600)))
		}
		tickets = append(tickets, &workflow.Ticket{Number: fmt.Sprintf("T%04d", i), ReceivedAt: time.Unix(int64(i), 0), Terms: terms})
	}
	// Copies in another order, so that the highest thresholds find pairs.
	for i := range 10 {
		terms := slices.Clone(tickets[i*7].Terms)
		slices.Reverse(terms)
		tickets = append(tickets, &workflow.Ticket{Number: fmt.Sprintf("C%04d", i), ReceivedAt: time.Unix(int64(1000+i), 0), Terms: terms})
	}

	for _, min := range []float64{0.2, 0.35, 0.5, 0.8, 1} {
		got := groupKeys(Recurrence(tickets, min))
		want := pairwiseGroups(tickets, min)
		if min == 0.35 && len(want) < 5 {
			t.Fatalf("pairwise groups at 0.35 = %d; the random tickets should form several", len(want))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Recurrence(min %v) = %d groups, pairwise %d groups\ngot  %v\nwant %v", min, len(got), len(want), got, want)
		}
		if testing.Verbose() {
			t.Logf("min %v: %d groups", min, len(want))
		}
	}
}

func groupKeys(groups []Group) []string {
	var keys []string
	for _, g := range groups {
		var numbers []string
		for _, m := range g.Members {
			numbers = append(numbers, m.Number)
		}
		keys = append(keys, fmt.Sprint(numbers))
	}
	slices.Sort(keys)
	return keys
}

// pairwiseGroups is the plain quadratic single linkage.
func pairwiseGroups(tickets []*workflow.Ticket, min float64) []string {
	sets := newUnionFind(len(tickets))
	for i := range tickets {
		for j := range i {
			if triage.Similarity(tickets[i].Terms, tickets[j].Terms) >= min {
				sets.union(int32(i), int32(j))
			}
		}
	}
	byRoot := map[int32][]string{}
	for i, tk := range tickets {
		root := sets.find(int32(i))
		byRoot[root] = append(byRoot[root], tk.Number)
	}
	var keys []string
	for _, numbers := range byRoot {
		if len(numbers) > 1 {
			keys = append(keys, fmt.Sprint(numbers))
		}
	}
	slices.Sort(keys)
	return keys
}

func TestPrefixLength(t *testing.T) {
	cases := []struct {
		n     int
		share float64
		want  int
	}{
		{0, 0.1225, 0},
		{1, 0.1225, 1},
		{40, 0.1225, 36},
		{40, 0.35, 27},
		{10, 1, 1},
		{10, 0.5, 6},
		{4, 2, 0},
	}
	for _, tc := range cases {
		if got := prefixLength(tc.n, tc.share); got != tc.want {
			t.Errorf("prefixLength(%d, %v) = %d, want %d", tc.n, tc.share, got, tc.want)
		}
	}
}

// BenchmarkRecurrence groups 20,000 synthetic tickets in twelve topics.
// Each has its topic's terms and 6 to 25 words from a skewed vocabulary
// of 5,000. Most tickets of a topic share several terms but stay below
// the threshold, which is the costly case.
func BenchmarkRecurrence(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	tickets := make([]*workflow.Ticket, 20000)
	for i := range tickets {
		terms := slices.Clone(complaints[i%len(complaints)].terms)
		for range 6 + rng.IntN(20) {
			x := rng.Float64()
			terms = append(terms, fmt.Sprintf("w%d", int(x*x*5000)))
		}
		tickets[i] = &workflow.Ticket{Number: fmt.Sprintf("KLH-2026-%06d", i), ReceivedAt: time.Unix(int64(i), 0), Terms: terms}
	}
	for b.Loop() {
		Recurrence(tickets, DefaultMinSimilarity)
	}
}
