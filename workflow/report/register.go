package report

import (
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// Row is one ticket of the register, reduced to what the report shows.
type Row struct {
	Number     string
	ReceivedAt time.Time
	// Requester is masked when Options.MaskRequester is set.
	Requester   workflow.Party
	Channel     workflow.Channel
	Application string
	Subject     string
	// Category is the confirmed category, or the triage suggestion when
	// Suggested is true.
	Category  workflow.Category
	Suggested bool
	State     workflow.State
	ClosedAt  time.Time
	// Steps holds one entry per workflow.Steps, in that order.
	Steps      []StepTime
	Resolution string
	RootCause  string
	Prevention string
}

// StepStatus is the outcome of one step against its time standard.
type StepStatus string

// Step statuses. A paused clock (the ticket waits for the requester)
// counts as running or overdue by the working time it has used.
const (
	// StepNone means the ticket has no clock for the step, such as the
	// hand-off step of a non-technical complaint.
	StepNone StepStatus = "none"
	// StepMet means the step was done by its due time.
	StepMet StepStatus = "met"
	// StepLate means the step was done after its due time.
	StepLate StepStatus = "late"
	// StepRunning means the step is not done and not yet due.
	StepRunning StepStatus = "running"
	// StepOverdue means the step is not done and past its due time.
	StepOverdue StepStatus = "overdue"
)

// Done reports whether the step was finished, on time or late.
func (s StepStatus) Done() bool { return s == StepMet || s == StepLate }

// Decided reports whether the step's outcome against its standard is
// known: done, or already past due.
func (s StepStatus) Decided() bool { return s.Done() || s == StepOverdue }

// StepTime is one step of one ticket.
type StepTime struct {
	Step   workflow.Step
	Status StepStatus
	// Working is the working time the step took, or has taken so far,
	// without the time the ticket waited for the requester.
	Working  time.Duration
	Standard time.Duration
	// Breaches counts the step's sla_breach records: the step ran past
	// its due time at least once, even when a later reopen restarted its
	// clock.
	Breaches int
}

// rowOf reduces a ticket to its register row.
func rowOf(opts *Options, t *workflow.Ticket) Row {
	requester := t.Requester
	if opts.MaskRequester {
		requester = workflow.MaskParty(requester)
	}

	category, suggested := t.Category, false
	if category == "" {
		category, suggested = t.Triage.Category, true
	}

	return Row{
		Number:      t.Number,
		ReceivedAt:  t.ReceivedAt,
		Requester:   requester,
		Channel:     t.Channel,
		Application: t.Application,
		Subject:     t.Subject,
		Category:    category,
		Suggested:   suggested,
		State:       t.State,
		ClosedAt:    t.ClosedAt,
		Steps:       stepTimes(opts, t.Clocks),
		Resolution:  t.Resolution,
		RootCause:   t.RootCause,
		Prevention:  t.Prevention,
	}
}

// stepTimes measures each step of workflow.Steps from the ticket's
// clocks. A step without a clock is StepNone.
func stepTimes(opts *Options, clocks []workflow.Clock) []StepTime {
	steps := make([]StepTime, len(workflow.Steps))
	for i, step := range workflow.Steps {
		steps[i] = StepTime{Step: step, Status: StepNone, Standard: opts.Standards[step]}
	}
	for i := range clocks {
		c := &clocks[i]
		if at := stepIndex(c.Step); at >= 0 {
			steps[at] = measure(opts, c)
		}
	}
	return steps
}

// measure returns the working time a clock has used and its status.
//
// The working time is read off the due time: Standard - (Due - end) or
// Standard + (end - Due), in working time. Resuming a paused clock moves
// Due by the time spent waiting, so counting from Started would include
// that wait. A clock stored without a due time or a standard is counted
// from Started.
//
// NOTE: a clock paused after its due time keeps no record of how late it
// already was (its Remaining is zero and resuming sets Due to the
// resume time), so Working undercounts such a clock by the lateness
// before the pause. Its status is still late or overdue.
func measure(opts *Options, c *workflow.Clock) StepTime {
	st := StepTime{Step: c.Step, Standard: opts.standard(c)}

	end, done := c.Stopped, true
	if end.IsZero() {
		end, done = c.PausedAt, false
	}
	if end.IsZero() {
		end = opts.Now
	}

	st.Working = working(opts.Calendar, c, end)

	past := end.After(c.Due)
	if c.Due.IsZero() {
		past = st.Standard > 0 && st.Working > st.Standard
	}
	switch {
	case done && past:
		st.Status = StepLate
	case done:
		st.Status = StepMet
	case past:
		st.Status = StepOverdue
	default:
		st.Status = StepRunning
	}
	return st
}

func working(cal Calendar, c *workflow.Clock, end time.Time) time.Duration {
	if c.Due.IsZero() || c.Standard <= 0 {
		return cal.WorkingBetween(c.Started, end)
	}
	if end.After(c.Due) {
		return c.Standard + cal.WorkingBetween(c.Due, end)
	}
	return max(c.Standard-cal.WorkingBetween(end, c.Due), 0)
}

// stepIndex returns the position of step in workflow.Steps, or -1.
func stepIndex(step workflow.Step) int {
	for i, s := range workflow.Steps {
		if s == step {
			return i
		}
	}
	return -1
}
