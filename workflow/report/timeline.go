package report

import (
	"slices"
	"time"
)

// Timeline units.
const (
	UnitWeek  = "week"
	UnitMonth = "month"
)

// maxWeeks is the maximum number of week buckets. A longer period is
// counted by month, so that the chart's bars stay readable.
const maxWeeks = 26

// Timeline counts the period's tickets per week (weeks start on Monday)
// or per month, by category.
type Timeline struct {
	// Unit is UnitWeek or UnitMonth.
	Unit string
	// Series are the category keys, in the order the bars stack them
	// from the bottom.
	Series  []string
	Buckets []Bucket
}

// Bucket is one week or month, cut to the period: the first starts at
// From and the last ends at To.
type Bucket struct {
	Start, End time.Time
	// Counts has one number per Timeline.Series.
	Counts []int
}

// Total returns the number of tickets in the bucket.
func (b Bucket) Total() int {
	n := 0
	for _, c := range b.Counts {
		n += c
	}
	return n
}

// timeline counts the sorted register per bucket.
func timeline(opts *Options, rows []Row) Timeline {
	unit, starts := UnitWeek, bucketStarts(opts, 0, 7)
	if len(starts) > maxWeeks {
		unit, starts = UnitMonth, bucketStarts(opts, 1, 0)
	}

	tl := Timeline{Unit: unit, Series: slices.Clone(categoryKeys)}
	for i, start := range starts {
		end := opts.To
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		tl.Buckets = append(tl.Buckets, Bucket{Start: start, End: end, Counts: make([]int, len(categoryKeys))})
	}

	at := 0
	for i := range rows {
		for at+1 < len(tl.Buckets) && !rows[i].ReceivedAt.Before(tl.Buckets[at+1].Start) {
			at++
		}
		series := slices.Index(categoryKeys, categoryKey(&rows[i]))
		tl.Buckets[at].Counts[series]++
	}
	return tl
}

// bucketStarts returns From followed by every later start of a week
// (days = 7, on Monday) or month (months = 1, on the first) before To,
// at midnight in the report's time zone.
func bucketStarts(opts *Options, months, days int) []time.Time {
	from := opts.From.In(opts.Location)
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, opts.Location)
	if days > 0 {
		start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	} else {
		start = start.AddDate(0, 0, 1-start.Day())
	}

	starts := []time.Time{opts.From}
	for next := start.AddDate(0, months, days); next.Before(opts.To); next = next.AddDate(0, months, days) {
		starts = append(starts, next)
	}
	return starts
}
