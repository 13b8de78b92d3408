package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keluhan/keluhan/workflow"
)

// Report is the register of one period and its summary.
type Report struct {
	opts Options
	// Rows is the register in received order.
	Rows    []Row
	Summary Summary
}

// Builder collects a report from tickets and records streamed into it,
// keeping one compact row and the term ids of each ticket of the
// period. It is not safe for concurrent use.
type Builder struct {
	opts    Options
	rows    []Row
	index   map[string]int32
	cluster *clusterer
}

// NewBuilder returns a builder for the period of opts. It fails when
// the calendar or now is missing or the period is empty.
func NewBuilder(opts Options) (*Builder, error) {
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	return &Builder{
		opts:    opts.withDefaults(),
		index:   map[string]int32{},
		cluster: newClusterer(DefaultMinSimilarity),
	}, nil
}

// AddTicket adds a ticket received in the period and reports whether it
// was added. Tickets outside the period, nil tickets and numbers added
// before are ignored.
func (b *Builder) AddTicket(t *workflow.Ticket) bool {
	if t == nil || t.ReceivedAt.Before(b.opts.From) || !t.ReceivedAt.Before(b.opts.To) {
		return false
	}
	if _, seen := b.index[t.Number]; seen {
		return false
	}
	b.index[t.Number] = int32(len(b.rows))
	b.rows = append(b.rows, rowOf(&b.opts, t))
	b.cluster.add(t.Number, t.ReceivedAt, t.Terms, t.Similar)
	return true
}

// AddRecord takes an audit record into account. Only sla_breach records
// of added tickets count, so records may be streamed unfiltered, but a
// ticket's records count only once the ticket itself was added.
func (b *Builder) AddRecord(r *workflow.Record) {
	if r == nil || r.Type != workflow.RecordSLABreach {
		return
	}
	i, ok := b.index[r.Ticket]
	if !ok {
		return
	}
	if at := stepIndex(breachStep(r)); at >= 0 {
		b.rows[i].Steps[at].Breaches++
	}
}

// breachStep returns the step an sla_breach record names: its "step"
// detail, or its text in records that lack the detail.
func breachStep(r *workflow.Record) workflow.Step {
	if step := r.Detail["step"]; step != "" {
		return workflow.Step(step)
	}
	return workflow.Step(strings.TrimSpace(r.Text))
}

// Finish sorts the register by received time and computes the summary.
// The builder must not be used afterwards.
func (b *Builder) Finish() *Report {
	slices.SortFunc(b.rows, compareRows)
	for i := range b.rows {
		b.index[b.rows[i].Number] = int32(i)
	}

	r := &Report{opts: b.opts, Rows: b.rows}
	r.Summary = summarize(&b.opts, b.rows)
	r.Summary.Recurring = b.groups()
	return r
}

// groups turns the clusters into groups of register rows.
func (b *Builder) groups() []Group {
	var groups []Group
	for _, cl := range b.cluster.clusters() {
		g := Group{Topic: strings.Join(cl.terms, ", "), Terms: cl.terms}
		for _, m := range cl.members {
			row := &b.rows[b.index[b.cluster.numbers[m]]]
			g.Members = append(g.Members, memberOf(row))
		}
		groups = append(groups, g)
	}
	return groups
}

func memberOf(row *Row) Member {
	return Member{Number: row.Number, Subject: row.Subject, State: row.State, ReceivedAt: row.ReceivedAt}
}

func compareRows(a, b Row) int {
	if n := a.ReceivedAt.Compare(b.ReceivedAt); n != 0 {
		return n
	}
	return strings.Compare(a.Number, b.Number)
}

// Build builds the report of the tickets received in the period, with
// each ticket's audit records keyed by ticket number. It fails as
// NewBuilder does.
func Build(opts Options, tickets []*workflow.Ticket, records map[string][]workflow.Record) (*Report, error) {
	b, err := NewBuilder(opts)
	if err != nil {
		return nil, err
	}
	for _, t := range tickets {
		b.AddTicket(t)
	}
	for _, list := range records {
		for i := range list {
			b.AddRecord(&list[i])
		}
	}
	return b.Finish(), nil
}
