package report

import (
	"slices"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

func TestSummaryCounts(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), goldenRecords(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	s := r.Summary

	if s.Received != 7 || s.Open != 5 || s.Closed != 2 {
		t.Errorf("received, open, closed = %d, %d, %d, want 7, 5, 2", s.Received, s.Open, s.Closed)
	}
	cases := []struct {
		name string
		got  []Count
		want []Count
	}{
		{"ByCategory", s.ByCategory, []Count{{"teknis", 3}, {"nonteknis", 2}, {KeyUnconfirmed, 2}}},
		{"ByState", s.ByState, []Count{{"new", 2}, {"incident", 1}, {"follow_up", 1}, {"waiting", 1}, {"closed", 2}}},
		{"ByChannel", s.ByChannel, []Count{{"email", 4}, {"telepon", 1}, {"whatsapp", 1}, {"loket", 1}}},
		{"ByApplication", s.ByApplication, []Count{{"", 3}, {"SIMPEG", 2}, {"SIPERIZINAN", 1}, {"e-Retribusi", 1}}},
	}
	for _, tc := range cases {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	var oldest []string
	for _, m := range s.Oldest {
		oldest = append(oldest, m.Number)
	}
	wantOldest := []string{"KLH-2026-000102", "KLH-2026-000103", "KLH-2026-000104", "KLH-2026-000105", "KLH-2026-000107"}
	if !slices.Equal(oldest, wantOldest) {
		t.Errorf("Oldest = %v, want %v", oldest, wantOldest)
	}
}

func TestSummarySteps(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), goldenRecords(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := []StepSummary{
		// Done in 1h30, 1h, 9h (late), 2h30 and 1h: the median is 1h30.
		{Step: workflow.StepVerify, Standard: 8 * time.Hour, Met: 4, Late: 1, Overdue: 1, Running: 1, Breaches: 2, Median: 90 * time.Minute},
		// Done in 6h30 and 13h (late): the median is their mean.
		{Step: workflow.StepHandoff, Standard: 8 * time.Hour, Met: 1, Late: 1, Overdue: 1, Breaches: 2, Median: 9*time.Hour + 45*time.Minute},
		{Step: workflow.StepFollowUp, Standard: 40 * time.Hour, Met: 1, Running: 1, Median: 6 * time.Hour},
		{Step: workflow.StepClose, Standard: 112 * time.Hour, Met: 2, Running: 5, Median: 19 * time.Hour},
	}
	if len(r.Summary.Steps) != len(want) {
		t.Fatalf("Steps = %d entries, want %d", len(r.Summary.Steps), len(want))
	}
	for i, got := range r.Summary.Steps {
		if got != want[i] {
			t.Errorf("Steps[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	if got := r.Summary.Steps[0].Decided(); got != 6 {
		t.Errorf("verification Decided() = %d, want 6", got)
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []time.Duration{5}, 5},
		{"odd unsorted", []time.Duration{9, 1, 5}, 5},
		{"even", []time.Duration{4, 1, 10, 2}, 3},
	}
	for _, tc := range cases {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTimelineWeeks(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	tl := r.Summary.Timeline
	if tl.Unit != UnitWeek {
		t.Fatalf("Unit = %s, want week", tl.Unit)
	}
	// The week of 30 November runs into December.
	want := []struct {
		start, end string
		counts     []int
	}{
		{"2026-11-23 00:00", "2026-11-30 00:00", []int{2, 1, 0}},
		{"2026-11-30 00:00", "2026-12-07 00:00", []int{1, 1, 1}},
		{"2026-12-07 00:00", "2026-12-08 00:00", []int{0, 0, 1}},
	}
	if len(tl.Buckets) != len(want) {
		t.Fatalf("Buckets = %d, want %d", len(tl.Buckets), len(want))
	}
	for i, w := range want {
		b := tl.Buckets[i]
		if !b.Start.Equal(jkt(t, w.start)) || !b.End.Equal(jkt(t, w.end)) {
			t.Errorf("bucket %d = %v..%v, want %s..%s", i, b.Start, b.End, w.start, w.end)
		}
		if !slices.Equal(b.Counts, w.counts) {
			t.Errorf("bucket %d counts = %v, want %v", i, b.Counts, w.counts)
		}
	}
}

func TestTimelineBuckets(t *testing.T) {
	cases := []struct {
		name, from, to string
		wantUnit       string
		wantStarts     []string
	}{
		{"mid-week start", "2026-12-02 00:00", "2026-12-15 00:00", UnitWeek,
			[]string{"2026-12-02 00:00", "2026-12-07 00:00", "2026-12-14 00:00"}},
		{"one day", "2026-12-31 00:00", "2027-01-01 00:00", UnitWeek, []string{"2026-12-31 00:00"}},
		{"26 weeks stay weekly", "2026-01-05 00:00", "2026-07-06 00:00", UnitWeek, nil},
		{"a year counts months", "2026-01-15 00:00", "2027-01-01 00:00", UnitMonth,
			[]string{"2026-01-15 00:00", "2026-02-01 00:00", "2026-03-01 00:00", "2026-04-01 00:00", "2026-05-01 00:00",
				"2026-06-01 00:00", "2026-07-01 00:00", "2026-08-01 00:00", "2026-09-01 00:00", "2026-10-01 00:00",
				"2026-11-01 00:00", "2026-12-01 00:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			opts.From, opts.To = jkt(t, tc.from), jkt(t, tc.to)
			tl := timeline(&opts, nil)
			if tl.Unit != tc.wantUnit {
				t.Errorf("Unit = %s, want %s", tl.Unit, tc.wantUnit)
			}
			if tc.wantStarts == nil {
				if len(tl.Buckets) != maxWeeks {
					t.Errorf("Buckets = %d, want %d", len(tl.Buckets), maxWeeks)
				}
				return
			}
			var starts []string
			for _, b := range tl.Buckets {
				starts = append(starts, b.Start.In(jakarta()).Format("2006-01-02 15:04"))
			}
			if !slices.Equal(starts, tc.wantStarts) {
				t.Errorf("starts = %v, want %v", starts, tc.wantStarts)
			}
			if last := tl.Buckets[len(tl.Buckets)-1]; !last.End.Equal(opts.To) {
				t.Errorf("last bucket ends %v, want To %v", last.End, opts.To)
			}
		})
	}
}
