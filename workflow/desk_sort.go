package workflow

import (
	"context"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

// Reasons for quarantine and for ignoring a message, stored with it in
// English. Package mailer translates each for people, so a new reason
// needs a translation there too.
const (
	ReasonSenderLimit = "sender over the new-ticket limit"
	ReasonLoop        = "our own mail came back"
	ReasonNoTicket    = "automatic mail for no known ticket"
	ReasonUnverified  = "on-behalf request from an unproved staff address"
)

// sortItems decides for each message of a batch what it is: held,
// ignored, a reply to a ticket (also to a complaint earlier in the same
// batch), or a new complaint. It returns the new complaints in order.
func (d *Desk) sortItems(ctx context.Context, items []*item, look threadLookup, now time.Time) []*item {
	var fresh []*item
	freshByID := map[string]int{}
	for i, it := range items {
		m := it.in.Msg
		switch {
		case it.in.Quarantine != "":
			it.outcome = ingest.Outcome{Disposition: ingest.DispositionQuarantined, Reason: it.in.Quarantine}
			continue
		case m.Class == ingest.ClassLoop:
			it.outcome = ingest.Outcome{Disposition: ingest.DispositionIgnored, Reason: ReasonLoop + ": " + m.Reason}
			continue
		}
		if match, ok := d.resolveThread(it.hints, it.sender, look, now); ok {
			it.match = match
			continue
		}
		if match, ok := bouncedThread(m, look); ok {
			it.match = match
			continue
		}
		if parent, ok := inBatchParent(it, freshByID); ok {
			it.parent = parent
			continue
		}
		if m.Class != ingest.ClassPerson {
			it.outcome = ingest.Outcome{Disposition: ingest.DispositionIgnored, Reason: ReasonNoTicket + ": " + m.Reason}
			continue
		}
		if c := d.onBehalf(it); c != nil {
			p := ProveByAuthResults(m.AuthResults, it.sender, d.cfg.TrustedAuthServIDs)
			if !p.OK {
				it.outcome = ingest.Outcome{Disposition: ingest.DispositionIgnored, Reason: ReasonUnverified + ": " + p.Reason}
				it.refuse = RefuseUnverified
				continue
			}
			it.manual = c
		}
		fresh = append(fresh, it)
		registerFresh(it, i, freshByID)
	}
	return d.limitSenders(ctx, fresh, now)
}

// bouncedThread ties a bounce to the ticket of the email it returns.
func bouncedThread(m *ingest.Message, look threadLookup) (Match, bool) {
	if m.Class != ingest.ClassBounce || m.Bounce == nil {
		return Match{}, false
	}
	number, ok := look.byMessageID[m.Bounce.OriginalMessageID]
	if !ok || look.tickets[number] == nil {
		return Match{}, false
	}
	return Match{Ticket: number, By: "bounce"}, true
}

func inBatchParent(it *item, freshByID map[string]int) (int, bool) {
	for _, id := range it.hints.MessageIDs {
		if i, ok := freshByID[id]; ok {
			return i, true
		}
	}
	if it.hints.ThreadIndex != "" {
		if i, ok := freshByID[threadIndexKey(it.hints.ThreadIndex)]; ok {
			return i, true
		}
	}
	return 0, false
}

func registerFresh(it *item, i int, freshByID map[string]int) {
	if id := it.in.Msg.MessageID; id != "" {
		freshByID[id] = i
	}
	if ti := it.in.Msg.ThreadIndex; ti != "" {
		freshByID[threadIndexKey(ti)] = i
	}
}

// limitSenders quarantines new complaints beyond the per-sender hourly
// limit. When the count cannot be read, every complaint goes through:
// losing the limit for a moment is better than holding real complaints.
func (d *Desk) limitSenders(ctx context.Context, fresh []*item, now time.Time) []*item {
	limit := d.cfg.MaxNewPerSenderHour
	if limit <= 0 || len(fresh) == 0 {
		return fresh
	}
	var senders []string
	for _, it := range fresh {
		email := requesterOf(it.in.Msg).Email
		if it.manual != nil {
			// Officers enter complaints for others; their own address
			// is not the requester and is not limited.
			email = ""
		}
		senders = append(senders, email)
	}
	counts, err := d.store.CountNewTickets(ctx, dedupe(senders), now.Add(-time.Hour))
	if err != nil {
		// NOTE: the limit is skipped for this batch when the count fails;
		// the error surfaces again on the next store write if the store
		// is really down.
		return fresh
	}
	var kept []*item
	for i, it := range fresh {
		email := senders[i]
		counts[email]++
		if email != "" && counts[email] > limit {
			it.outcome = ingest.Outcome{Disposition: ingest.DispositionQuarantined, Reason: ReasonSenderLimit}
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

// requesterOf returns who a new complaint is from: the Reply-To person
// behind a no-reply web form, otherwise From.
func requesterOf(m *ingest.Message) Party {
	a := m.Requester()
	if a == nil {
		return Party{}
	}
	return Party{Name: a.Name, Email: lower(a.Address)}
}
