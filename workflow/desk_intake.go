package workflow

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow/triage"
)

// openTickets opens a ticket for each new complaint of a batch. A
// complaint whose ticket already exists (the batch is replayed after a
// crash) keeps that ticket and its number; the records and mail of intake
// are written again, and the unique keys make the second write a no-op.
func (d *Desk) openTickets(ctx context.Context, fresh []*item, look threadLookup, now time.Time) error {
	if len(fresh) == 0 {
		return nil
	}
	tickets, err := d.ticketsFor(ctx, fresh, now)
	if err != nil {
		return err
	}
	for _, t := range tickets {
		if t.Version == 0 {
			*t, _ = d.machine.Open(*t, now)
		}
	}
	if err := d.insertNew(ctx, tickets); err != nil {
		return err
	}
	var w writes
	for i, it := range fresh {
		t := tickets[i]
		_, acts := d.machine.Open(*t, now)
		ev := Event{Key: it.in.Msg.Key, MessageKey: it.in.Msg.Key, Actor: t.Requester, Role: RoleRequester}
		if err := d.collect(ctx, &w, t, ev, acts, now); err != nil {
			return err
		}
		w.links = append(w.links, inboundLinks(it.in.Msg, t.Number)...)
		look.tickets[t.Number] = t
		it.outcome = ingest.Outcome{Disposition: ingest.DispositionDone, Ticket: t.Number}
	}
	return d.flush(ctx, w)
}

// ticketsFor returns one ticket per complaint: the stored one when it
// exists, otherwise a new one with a freshly allocated number (Version
// 0 marks it new).
func (d *Desk) ticketsFor(ctx context.Context, fresh []*item, now time.Time) ([]*Ticket, error) {
	keys := make([]string, len(fresh))
	for i, it := range fresh {
		keys[i] = it.in.Msg.Key
	}
	existing, err := d.store.TicketsBySource(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("open tickets: %w", err)
	}
	tickets := make([]*Ticket, len(fresh))
	var missing []int
	for i, key := range keys {
		if t, ok := existing[key]; ok {
			tickets[i] = t
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return tickets, nil
	}
	year := now.In(d.cfg.Location).Year()
	first, err := d.store.AllocateNumbers(ctx, d.counterName(year), len(missing))
	if err != nil {
		return nil, fmt.Errorf("open tickets: allocate %d numbers: %w", len(missing), err)
	}
	var created []*Ticket
	for n, i := range missing {
		number := FormatNumber(d.cfg.Prefix, year, first+int64(n))
		if c := fresh[i].manual; c != nil {
			tickets[i] = d.manualTicket(c, keys[i], number, fresh[i])
		} else {
			tickets[i] = d.ticketFrom(fresh[i], number, now)
		}
		created = append(created, tickets[i])
	}
	if err := d.findSimilar(ctx, created, now); err != nil {
		return nil, err
	}
	return tickets, nil
}

func (d *Desk) counterName(year int) string {
	return d.cfg.Prefix + "-" + strconv.Itoa(year)
}

// insertNew stores the tickets opened now. When a ticket with the same
// source already exists (a replay after a crash whose first run stored
// the ticket, or another instance), the stored ticket replaces the new
// one in tickets, so that the complaint keeps its first number and all
// that follows refers to it. The numbers allocated for the replaced
// tickets stay unused.
func (d *Desk) insertNew(ctx context.Context, tickets []*Ticket) error {
	var fresh []*Ticket
	for _, t := range tickets {
		if t.Version == 1 && !t.HasApplied(t.SourceKey) {
			t.MarkApplied(t.SourceKey)
			fresh = append(fresh, t)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	dup, err := d.store.InsertTickets(ctx, fresh)
	if err != nil {
		return fmt.Errorf("insert %d tickets: %w", len(fresh), err)
	}
	if len(dup) == 0 {
		return nil
	}
	stored, err := d.store.TicketsBySource(ctx, dup)
	if err != nil {
		return fmt.Errorf("read %d tickets stored before: %w", len(dup), err)
	}
	for i, t := range tickets {
		if !slices.Contains(dup, t.SourceKey) {
			continue
		}
		existing, ok := stored[t.SourceKey]
		if !ok {
			return fmt.Errorf("ticket for %s exists but cannot be read: %w", t.SourceKey, ErrConflict)
		}
		tickets[i] = existing
	}
	return nil
}

// ticketFrom builds a new ticket from a complaint email.
func (d *Desk) ticketFrom(it *item, number string, now time.Time) *Ticket {
	m := it.in.Msg
	requester := requesterOf(m)
	subject := strings.TrimSpace(m.Subject)
	result, terms := d.triage.Analyze(subject, m.Text)
	t := &Ticket{
		Number:        number,
		SourceKey:     m.Key,
		Channel:       ChannelEmail,
		Requester:     requester,
		Cc:            participants(m, requester.Email, d.cfg.Desk.Email),
		Language:      d.cfg.Language,
		Subject:       subject,
		Body:          strings.TrimSpace(m.Text),
		RootMessageID: m.MessageID,
		Triage:        triageResult(result),
		Application:   result.Application,
		Terms:         terms,
		Attachments:   attachmentRefs(m),
		LinkedTo:      it.linkedTo,
		ReceivedAt:    now,
	}
	return t
}

func triageResult(r triage.Result) TriageResult {
	return TriageResult{Category: Category(r.Category), Confidence: r.Confidence, Terms: r.Terms, Application: r.Application}
}

// participants returns the Cc addresses of a complaint other than the
// requester and the desk: they may follow the ticket by its tag.
func participants(m *ingest.Message, requester, desk string) []string {
	var out []string
	for _, list := range [][]*mail.Address{m.To, m.Cc} {
		for _, a := range list {
			email := lower(a.Address)
			if email == "" || email == requester || email == desk || strings.HasPrefix(email, localPart(desk)+"+") {
				continue
			}
			out = append(out, email)
		}
	}
	return dedupe(out)
}

func attachmentRefs(m *ingest.Message) []AttachmentRef {
	var refs []AttachmentRef
	for _, a := range m.Attachments {
		refs = append(refs, AttachmentRef{MessageKey: m.Key, Index: a.Index, Filename: a.Filename, ContentType: a.ContentType})
	}
	return refs
}

// inboundLinks ties an inbound message's Message-ID and Outlook
// conversation index to its ticket, so that replies find it.
func inboundLinks(m *ingest.Message, number string) []ThreadLink {
	var links []ThreadLink
	if m.MessageID != "" {
		links = append(links, ThreadLink{MessageID: m.MessageID, Ticket: number})
	}
	if m.ThreadIndex != "" {
		links = append(links, ThreadLink{MessageID: threadIndexKey(m.ThreadIndex), Ticket: number})
	}
	return links
}

// findSimilar links each new ticket to the earlier complaints that read
// most alike: stored ones from the similar window, and new ones earlier
// in the same batch. One store query serves the whole batch.
func (d *Desk) findSimilar(ctx context.Context, created []*Ticket, now time.Time) error {
	var terms []string
	for _, t := range created {
		terms = append(terms, t.Terms...)
	}
	if len(terms) == 0 {
		return nil
	}
	candidates, err := d.store.SimilarCandidates(ctx, now.Add(-d.cfg.SimilarWindow), dedupe(terms), 500)
	if err != nil {
		return fmt.Errorf("find similar complaints: %w", err)
	}
	// Each ticket's term set is made once for the whole batch.
	sets := make(map[*Ticket]triage.TermSet, len(candidates)+len(created))
	setOf := func(t *Ticket) triage.TermSet {
		set, ok := sets[t]
		if !ok {
			set = triage.NewTermSet(t.Terms)
			sets[t] = set
		}
		return set
	}
	for i, t := range created {
		pool := append(candidates[:len(candidates):len(candidates)], created[:i]...)
		t.Similar = d.rankSimilar(t, pool, setOf)
	}
	return nil
}

func (d *Desk) rankSimilar(t *Ticket, pool []*Ticket, setOf func(*Ticket) triage.TermSet) []SimilarRef {
	var refs []SimilarRef
	own := setOf(t)
	for _, c := range pool {
		if c.Number == t.Number || c.Number == "" {
			continue
		}
		score := own.Similarity(setOf(c))
		if score >= d.cfg.SimilarMin {
			refs = append(refs, SimilarRef{Number: c.Number, Subject: c.Subject, Score: score, State: c.State, At: c.ReceivedAt})
		}
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Score > refs[j].Score })
	if len(refs) > d.cfg.SimilarMax {
		refs = refs[:d.cfg.SimilarMax]
	}
	return refs
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func localPart(address string) string {
	local, _, _ := strings.Cut(address, "@")
	return local
}
