package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// KeyUnconfirmed is the category key of tickets whose category the
// service desk has not confirmed yet.
const KeyUnconfirmed = "unconfirmed"

// oldestOpen is how many of the oldest open tickets a summary lists.
const oldestOpen = 10

// categoryKeys are the category keys in the order tables and charts
// show them.
var categoryKeys = []string{string(workflow.CategoryTechnical), string(workflow.CategoryNonTechnical), KeyUnconfirmed}

// Summary holds the figures of a period.
type Summary struct {
	// Received counts the tickets of the period. Open and Closed split
	// them by their state at Options.Now.
	Received, Open, Closed int
	// ByCategory has the keys "teknis", "nonteknis" and KeyUnconfirmed.
	ByCategory []Count
	// ByApplication has the application names, "" for tickets without
	// one, most frequent first.
	ByApplication []Count
	ByChannel     []Count
	ByState       []Count
	// Steps has one entry per workflow.Steps.
	Steps []StepSummary
	// Recurring lists the recurring complaints among the period's
	// tickets, at DefaultMinSimilarity.
	Recurring []Group
	// Oldest lists the oldest tickets of the period still open, oldest
	// first, at most ten.
	Oldest   []Member
	Timeline Timeline
}

// Count is the number of tickets with one value. Counts of zero are
// left out, except in ByCategory.
type Count struct {
	Key string
	N   int
}

// StepSummary is the outcome of one step against its standard, over the
// period's tickets.
type StepSummary struct {
	Step workflow.Step
	// Standard is Options.Standards for the step.
	Standard time.Duration
	// Met and Late count the steps done on time and after their due
	// time. Overdue counts those not done and past due, and Running
	// those not done and not yet due.
	Met, Late, Overdue, Running int
	// Breaches counts the step's sla_breach records.
	Breaches int
	// Median is the median working time of the steps done, zero when
	// none is.
	Median time.Duration
}

// Decided returns the number of steps whose outcome is known: met, late
// or overdue. A running step within its standard is not decided yet.
func (s StepSummary) Decided() int { return s.Met + s.Late + s.Overdue }

// summarize computes everything but the recurring groups from the
// sorted register.
func summarize(opts *Options, rows []Row) Summary {
	s := Summary{Received: len(rows)}
	categories := map[string]int{}
	applications := map[string]int{}
	channels := map[string]int{}
	states := map[string]int{}
	for i := range rows {
		row := &rows[i]
		if row.State.Open() {
			s.Open++
		} else {
			s.Closed++
		}
		categories[categoryKey(row)]++
		applications[row.Application]++
		channels[string(row.Channel)]++
		states[string(row.State)]++
	}

	s.ByCategory = fixedCounts(categories, categoryKeys, true)
	s.ByApplication = rankedCounts(applications)
	s.ByChannel = fixedCounts(channels, channelKeys(), false)
	s.ByState = fixedCounts(states, stateKeys(), false)
	s.Steps = stepSummaries(opts, rows)
	s.Oldest = oldest(rows)
	s.Timeline = timeline(opts, rows)
	return s
}

// categoryKey returns the row's category key: the confirmed category, or
// KeyUnconfirmed for a suggestion and for a value that is no category.
func categoryKey(row *Row) string {
	switch {
	case row.Suggested:
		return KeyUnconfirmed
	case row.Category == workflow.CategoryTechnical, row.Category == workflow.CategoryNonTechnical:
		return string(row.Category)
	}
	return KeyUnconfirmed
}

func channelKeys() []string {
	return []string{string(workflow.ChannelEmail), string(workflow.ChannelPhone), string(workflow.ChannelWhatsApp), string(workflow.ChannelCounter)}
}

func stateKeys() []string {
	keys := make([]string, len(workflow.States))
	for i, s := range workflow.States {
		keys[i] = string(s)
	}
	return keys
}

// fixedCounts returns the counts in the order of keys, then any other
// key alphabetically. Zero counts of keys are kept when keepZero is set.
func fixedCounts(counts map[string]int, keys []string, keepZero bool) []Count {
	var out []Count
	for _, k := range keys {
		if counts[k] > 0 || keepZero {
			out = append(out, Count{Key: k, N: counts[k]})
		}
	}
	var rest []string
	for k, n := range counts {
		if n > 0 && !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, Count{Key: k, N: counts[k]})
	}
	return out
}

// rankedCounts returns the counts most frequent first, ties
// alphabetically.
func rankedCounts(counts map[string]int) []Count {
	out := make([]Count, 0, len(counts))
	for k, n := range counts {
		out = append(out, Count{Key: k, N: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if n := cmp.Compare(b.N, a.N); n != 0 {
			return n
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func stepSummaries(opts *Options, rows []Row) []StepSummary {
	out := make([]StepSummary, len(workflow.Steps))
	for i, step := range workflow.Steps {
		sum := StepSummary{Step: step, Standard: opts.Standards[step]}
		var done []time.Duration
		for r := range rows {
			st := &rows[r].Steps[i]
			sum.Breaches += st.Breaches
			switch st.Status {
			case StepMet:
				sum.Met++
			case StepLate:
				sum.Late++
			case StepOverdue:
				sum.Overdue++
			case StepRunning:
				sum.Running++
			}
			if st.Status.Done() {
				done = append(done, st.Working)
			}
		}
		sum.Median = median(done)
		out[i] = sum
	}
	return out
}

// median returns the median of durations, the mean of the two middle
// values for an even count, and zero for none. It sorts its argument.
func median(durations []time.Duration) time.Duration {
	if len(durations) == 0 {
		return 0
	}
	slices.Sort(durations)
	mid := len(durations) / 2
	if len(durations)%2 == 1 {
		return durations[mid]
	}
	return (durations[mid-1] + durations[mid]) / 2
}

// oldest returns the first open rows of the sorted register.
func oldest(rows []Row) []Member {
	var out []Member
	for i := range rows {
		if len(out) == oldestOpen {
			break
		}
		if rows[i].State.Open() {
			out = append(out, memberOf(&rows[i]))
		}
	}
	return out
}
