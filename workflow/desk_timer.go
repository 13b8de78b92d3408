package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// tickBatch is how many due tickets one Tick reads at most.
const tickBatch = 500

// TickResult counts what one scheduler run did.
type TickResult struct {
	Tickets  int
	Warnings int
	Breaches int
	// Summarized is true when the breaches went to the supervisors as one
	// summary instead of one email each.
	Summarized bool
}

// Tick looks at the SLA clocks of every ticket that needs it now: it
// warns, escalates and reminds. When a run finds SLASummaryAt breaches or
// more (typically after downtime), the supervisors get one summary
// instead of one email per breach. Running it twice at the same moment,
// or again after a crash, sends nothing twice.
func (d *Desk) Tick(ctx context.Context) (TickResult, error) {
	now := d.now()
	due, err := d.store.TicketsDue(ctx, now, tickBatch)
	if err != nil {
		return TickResult{}, fmt.Errorf("find due tickets: %w", err)
	}
	var res TickResult
	var w writes
	var breaches []breach
	updates := make([]*Ticket, 0, len(due))
	for _, t := range due {
		next, err := d.tickOne(ctx, &w, &breaches, &res, t, now)
		if err != nil {
			return res, err
		}
		updates = append(updates, next)
	}
	if len(breaches) >= d.cfg.SLASummaryAt {
		res.Summarized = true
		if err := d.summarize(&w, breaches, now); err != nil {
			return res, err
		}
		// The individual emails are stored as suppressed, never sent:
		// their keys then stop a later run (after a crash, or after a
		// ticket changed meanwhile) from sending a breach the summary
		// already reported.
		for _, b := range breaches {
			for _, m := range b.mails {
				m.Status = OutboxSuppressed
				m.LastError = "reported in the summary " + summaryKey(breaches)
				w.mails = append(w.mails, m)
			}
		}
	} else {
		for _, b := range breaches {
			w.mails = append(w.mails, b.mails...)
		}
	}
	res.Breaches = len(breaches)
	if err := d.flush(ctx, w); err != nil {
		return res, err
	}
	return res, d.saveTicked(ctx, due, updates)
}

// breach is one late step found by a run, with its individual emails.
type breach struct {
	view  SLAView
	mails []Outgoing
}

func (d *Desk) tickOne(ctx context.Context, w *writes, breaches *[]breach, res *TickResult, t *Ticket, now time.Time) (*Ticket, error) {
	ev := Event{Kind: EventTimer, Key: timerKey(t), Actor: Party{Email: ActorSystem}, Role: RoleSystem}
	next, acts, err := d.machine.Apply(*t, ev, now)
	if err != nil {
		return nil, err
	}
	res.Tickets++
	var own writes
	if err := d.collect(ctx, &own, &next, ev, acts, now); err != nil {
		return nil, err
	}
	w.records = append(w.records, own.records...)
	w.links = append(w.links, own.links...)
	for _, a := range acts {
		if a.Notice != nil && a.Notice.Kind == MailSLAWarning {
			res.Warnings++
		}
		if a.Notice != nil && a.Notice.Kind == MailSLABreach {
			*breaches = append(*breaches, breach{view: *a.Notice.SLA, mails: mailsOfKind(own.mails, MailSLABreach)})
		}
	}
	w.mails = append(w.mails, otherMails(own.mails, MailSLABreach)...)
	return &next, nil
}

// timerKey identifies one scheduler look at a ticket: it changes only
// when the ticket's next timer moves, so a replay reuses the same keys.
func timerKey(t *Ticket) string {
	return "sla:" + t.Number + ":" + strconv.FormatInt(t.NextTimer.Unix(), 10)
}

func mailsOfKind(mails []Outgoing, kind string) []Outgoing {
	var out []Outgoing
	for _, m := range mails {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func otherMails(mails []Outgoing, kind string) []Outgoing {
	var out []Outgoing
	for _, m := range mails {
		if m.Kind != kind {
			out = append(out, m)
		}
	}
	return out
}

// summarize queues one summary of all breaches to each supervisor. Its
// key hashes the breaches it covers, so a replay of the same run queues
// the same summary.
func (d *Desk) summarize(w *writes, breaches []breach, now time.Time) error {
	items := make([]SLAView, len(breaches))
	for i, b := range breaches {
		items[i] = b.view
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Due.Before(items[j].Due) })
	key := summaryKey(breaches)
	for _, rc := range d.staffIn(RoleSupervisor) {
		data := &MailData{Desk: d.cfg.Desk, Recipient: rc.Party, SLAItems: items}
		out, err := d.plainOutgoing(MailSLASummary, rc, key+"#"+rc.Email, data, now)
		if err != nil {
			return err
		}
		w.mails = append(w.mails, out)
	}
	return nil
}

// saveTicked stores the tickets a run changed. A ticket that changed
// meanwhile (a reply arrived) is skipped: its next timer is recomputed
// with that change, and the next run looks at it again.
func (d *Desk) saveTicked(ctx context.Context, old, updates []*Ticket) error {
	for i, next := range updates {
		next.Version = old[i].Version + 1
		err := d.store.UpdateTicket(ctx, next, old[i].Version)
		if err != nil && !errors.Is(err, ErrConflict) {
			return fmt.Errorf("update ticket %s after timer: %w", next.Number, err)
		}
	}
	return nil
}

// summaryKey names a summary by the breaches it covers, so that a replay
// of the same run queues the same summary.
func summaryKey(breaches []breach) string {
	h := sha256.New()
	for _, b := range breaches {
		fmt.Fprintf(h, "%s|%s|%d|%d\n", b.view.Ticket, b.view.Step, b.view.Due.Unix(), b.view.Reminder)
	}
	return "sla-summary:" + hex.EncodeToString(h.Sum(nil))[:24]
}
