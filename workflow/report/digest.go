package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// digestTopics is how many recurring topics a digest lists.
const digestTopics = 5

// DigestBuilder collects the figures of the weekly digest or the monthly
// summary email from tickets and records streamed into it. It keeps
// counts, the ten oldest open tickets and the term ids of the period's
// tickets. It is not safe for concurrent use.
type DigestBuilder struct {
	opts       Options
	seen       map[string]bool
	received   int
	closed     int
	open       map[string]int
	categories map[string]int
	breaches   map[string]int
	met        map[string]int
	stopped    map[string]int
	oldest     []workflow.TicketView
	cluster    *clusterer
}

// NewDigestBuilder returns a digest builder for the period of opts. It
// fails as NewBuilder does.
func NewDigestBuilder(opts Options) (*DigestBuilder, error) {
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("build digest: %w", err)
	}
	return &DigestBuilder{
		opts:       opts.withDefaults(),
		seen:       map[string]bool{},
		open:       map[string]int{},
		categories: map[string]int{},
		breaches:   map[string]int{},
		met:        map[string]int{},
		stopped:    map[string]int{},
		cluster:    newClusterer(DefaultMinSimilarity),
	}, nil
}

// AddTicket counts one ticket. It counts as received when received in
// the period, as closed when closed in the period and as open when open
// now. Each of its clocks that stopped in the period counts towards the
// standards met. Pass at least every ticket received or closed in the
// period and every open ticket, because others change nothing. A number
// added before is ignored.
func (d *DigestBuilder) AddTicket(t *workflow.Ticket) {
	if t == nil || d.seen[t.Number] {
		return
	}
	d.seen[t.Number] = true

	if d.inPeriod(t.ReceivedAt) {
		d.received++
		d.categories[digestCategory(t)]++
		d.cluster.add(t.Number, t.ReceivedAt, t.Terms, t.Similar)
	}
	if !t.State.Open() && d.inPeriod(t.ClosedAt) {
		d.closed++
	}
	if t.State.Open() {
		d.open[string(t.State)]++
		d.offerOldest(t)
	}
	d.countClocks(t.Clocks)
}

// AddRecord counts an sla_breach record made in the period and ignores
// other records.
func (d *DigestBuilder) AddRecord(r *workflow.Record) {
	if r == nil || r.Type != workflow.RecordSLABreach || !d.inPeriod(r.At) {
		return
	}
	d.breaches[string(breachStep(r))]++
}

func (d *DigestBuilder) inPeriod(t time.Time) bool {
	return !t.IsZero() && !t.Before(d.opts.From) && t.Before(d.opts.To)
}

// digestCategory returns the catalog code the digest templates label:
// the confirmed category, or "unsure" while the service desk has not
// confirmed one.
func digestCategory(t *workflow.Ticket) string {
	if t.Category == "" {
		return string(workflow.CategoryUnsure)
	}
	return string(t.Category)
}

func (d *DigestBuilder) countClocks(clocks []workflow.Clock) {
	for i := range clocks {
		c := &clocks[i]
		if !d.inPeriod(c.Stopped) {
			continue
		}
		step := string(c.Step)
		d.stopped[step]++
		if measure(&d.opts, c).Status == StepMet {
			d.met[step]++
		}
	}
}

// offerOldest keeps the ticket when it is among the oldest open ones.
func (d *DigestBuilder) offerOldest(t *workflow.Ticket) {
	view := workflow.TicketView{
		Number:      t.Number,
		Tag:         "[" + t.Number + "]",
		Subject:     t.Subject,
		Channel:     t.Channel,
		State:       t.State,
		Category:    t.Category,
		Application: t.Application,
		ReceivedAt:  t.ReceivedAt,
	}
	at, _ := slices.BinarySearchFunc(d.oldest, view, compareViews)
	if at >= oldestOpen {
		return
	}
	d.oldest = slices.Insert(d.oldest, at, view)
	if len(d.oldest) > oldestOpen {
		d.oldest = d.oldest[:oldestOpen]
	}
}

func compareViews(a, b workflow.TicketView) int {
	if n := a.ReceivedAt.Compare(b.ReceivedAt); n != 0 {
		return n
	}
	return strings.Compare(a.Number, b.Number)
}

// View returns the digest's figures. Counts of zero are left out, and
// steps and states follow procedure order. To is the last instant of the
// period, one nanosecond before Options.To, so that templates show the
// period's last day. Oldest carries no requester. ReportName is left
// for the caller.
func (d *DigestBuilder) View() workflow.DigestView {
	v := workflow.DigestView{
		From:        d.opts.From,
		To:          d.opts.To.Add(-time.Nanosecond),
		Received:    d.received,
		Closed:      d.closed,
		OpenByState: labelCounts(d.open, stateKeys()),
		BreachesBy:  labelCounts(d.breaches, stepKeys()),
		Oldest:      slices.Clone(d.oldest),
		ByCategory: labelCounts(d.categories, []string{
			string(workflow.CategoryTechnical), string(workflow.CategoryNonTechnical), string(workflow.CategoryUnsure),
		}),
	}
	for _, step := range stepKeys() {
		if n := d.stopped[step]; n > 0 {
			v.StandardsMet = append(v.StandardsMet, workflow.Count{Label: step, N: d.met[step], Total: n})
		}
		if late := d.stopped[step] - d.met[step]; late > 0 {
			v.StandardsOver = append(v.StandardsOver, workflow.Count{Label: step, N: late})
		}
	}
	for _, cl := range d.cluster.clusters() {
		if len(v.Recurring) == digestTopics {
			break
		}
		v.Recurring = append(v.Recurring, workflow.Count{Label: strings.Join(cl.terms, ", "), N: len(cl.members)})
	}
	return v
}

// labelCounts returns the non-zero counts in the order of keys, then
// any other key alphabetically.
func labelCounts(counts map[string]int, keys []string) []workflow.Count {
	var out []workflow.Count
	for _, c := range fixedCounts(counts, keys, false) {
		out = append(out, workflow.Count{Label: c.Key, N: c.N})
	}
	return out
}

func stepKeys() []string {
	keys := make([]string, len(workflow.Steps))
	for i, s := range workflow.Steps {
		keys[i] = string(s)
	}
	return keys
}

// Digest returns the digest figures of the tickets and records given,
// as DigestBuilder computes them. It fails as NewBuilder does.
func Digest(opts Options, tickets []*workflow.Ticket, records []workflow.Record) (workflow.DigestView, error) {
	d, err := NewDigestBuilder(opts)
	if err != nil {
		return workflow.DigestView{}, err
	}
	for _, t := range tickets {
		d.AddTicket(t)
	}
	for i := range records {
		d.AddRecord(&records[i])
	}
	return d.View(), nil
}
