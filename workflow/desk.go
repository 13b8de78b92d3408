package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow/triage"
)

// StaffMember is a configured person of the desk.
type StaffMember struct {
	Party
	Role Role
	// Language is the language of mail to this person; empty means the
	// desk's default.
	Language string
}

// DeskConfig is the Desk's configuration. NewDesk fills defaults.
type DeskConfig struct {
	// Desk is the help desk's display name and address; mail is sent from
	// it and replies come back to it.
	Desk Party
	// Prefix starts every ticket number, as in "KLH-2026-000123".
	Prefix string
	// Language is the default language of mail: "id" or "en".
	Language string
	// Location is the time zone of ticket years and templates.
	Location *time.Location
	Staff    []StaffMember
	Incident Party
	// Tokens mints reply tokens; nil turns sub-addressed reply addresses
	// off (for mailboxes without plus-addressing). TokenTTL is how long a
	// token proves its recipient.
	Tokens   *Tokens
	TokenTTL time.Duration
	// TrustedAuthServIDs are the authserv-ids of the receiving servers
	// whose Authentication-Results headers prove a staff sender.
	TrustedAuthServIDs []string
	// MaskRequester hides the requester's name and address in mail to
	// anyone but the requester.
	MaskRequester bool
	// SimilarWindow is how far back similar complaints are looked for;
	// SimilarMin is the least similarity (0..1) shown; SimilarMax caps
	// the list.
	SimilarWindow time.Duration
	SimilarMin    float64
	SimilarMax    int
	// MaxNewPerSenderHour limits the tickets one sender may open in an
	// hour; 0 means no limit. Mail over the limit is quarantined.
	MaxNewPerSenderHour int
	// MessageIDDomain is the right-hand side of our Message-IDs; the
	// desk address's domain by default.
	MessageIDDomain string
	// SLASummaryAt is how many breach notices one scheduler run may send
	// before it sends the supervisors one summary instead.
	SLASummaryAt int
}

// Desk applies inbound messages and timers to tickets and queues the
// mail that follows. It implements ingest.Processor. Safe for concurrent
// use, but one Desk should process a mailbox at a time so that replies
// apply in order.
type Desk struct {
	cfg     DeskConfig
	store   Store
	render  Renderer
	machine *Machine
	triage  *triage.Rules
	tokens  *Tokens
	staff   map[string]StaffMember
	now     func() time.Time
}

// NewDesk returns a Desk. now is the clock; pass time.Now outside tests.
func NewDesk(cfg DeskConfig, store Store, render Renderer, machine *Machine, rules *triage.Rules, now func() time.Time) (*Desk, error) {
	if err := fillDeskDefaults(&cfg); err != nil {
		return nil, err
	}
	if store == nil || render == nil || machine == nil || rules == nil || now == nil {
		return nil, errors.New("new desk: store, renderer, machine, triage rules and clock are required")
	}
	d := &Desk{cfg: cfg, store: store, render: render, machine: machine, triage: rules, tokens: cfg.Tokens, now: now}
	d.staff = make(map[string]StaffMember, len(cfg.Staff))
	for _, s := range cfg.Staff {
		s.Email = strings.ToLower(s.Email)
		d.staff[s.Email] = s
	}
	return d, nil
}

func fillDeskDefaults(cfg *DeskConfig) error {
	cfg.Desk.Email = strings.ToLower(cfg.Desk.Email)
	if domainOf(cfg.Desk.Email) == "" {
		return fmt.Errorf("new desk: desk address %q has no domain", cfg.Desk.Email)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "KLH"
	}
	if cfg.Language == "" {
		cfg.Language = "id"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 180 * 24 * time.Hour
	}
	if cfg.SimilarWindow == 0 {
		cfg.SimilarWindow = 90 * 24 * time.Hour
	}
	if cfg.SimilarMin == 0 {
		cfg.SimilarMin = 0.3
	}
	if cfg.SimilarMax == 0 {
		cfg.SimilarMax = 5
	}
	if cfg.MessageIDDomain == "" {
		cfg.MessageIDDomain = domainOf(cfg.Desk.Email)
	}
	if cfg.SLASummaryAt == 0 {
		cfg.SLASummaryAt = 5
	}
	cfg.Incident.Email = strings.ToLower(cfg.Incident.Email)
	return nil
}

// item is one message of a batch on its way through Process.
type item struct {
	in      *ingest.Inbound
	hints   ingest.Hints
	sender  string
	match   Match
	outcome ingest.Outcome
	// linkedTo is the closed ticket a new complaint continues, when its
	// sender wrote after the reopen window.
	linkedTo string
	// manual is set for a complaint entered for someone else: by the
	// command line, or by an officer's #atasnama email.
	manual *ManualComplaint
	// refuse is the reason an officer's request without a ticket was
	// refused; the officer is told.
	refuse string
	// parent is the index of an earlier new complaint in the same batch
	// that this message replies to, or -1.
	parent int
}

// Process applies a batch of stored messages. New complaints open
// tickets together (one number allocation, one insert per collection);
// replies apply one at a time in order. It returns one outcome per
// message once everything derived from it is stored.
func (d *Desk) Process(ctx context.Context, in []*ingest.Inbound) ([]ingest.Outcome, error) {
	now := d.now()
	items := make([]*item, len(in))
	for i, inb := range in {
		items[i] = d.newItem(inb)
	}
	look, err := d.lookupThreads(ctx, items)
	if err != nil {
		return nil, err
	}
	fresh := d.sortItems(ctx, items, look, now)
	if err := d.openTickets(ctx, fresh, look, now); err != nil {
		return nil, err
	}
	if err := d.applyReplies(ctx, items, look); err != nil {
		return nil, err
	}
	out := make([]ingest.Outcome, len(items))
	for i, it := range items {
		out[i] = it.outcome
		out[i].Key = it.in.Msg.Key
	}
	return out, nil
}

func (d *Desk) newItem(inb *ingest.Inbound) *item {
	it := &item{in: inb, parent: -1}
	it.hints = ingest.ThreadHints(inb.Msg, d.cfg.Prefix, d.cfg.Desk.Email)
	if from := inb.Msg.From; from != nil {
		it.sender = strings.ToLower(from.Address)
	}
	return it
}

// lookupThreads loads, in two round trips, the tickets every hint of the
// batch may point at.
func (d *Desk) lookupThreads(ctx context.Context, items []*item) (threadLookup, error) {
	var ids, numbers []string
	for _, it := range items {
		ids = append(ids, it.hints.MessageIDs...)
		if it.hints.ThreadIndex != "" {
			ids = append(ids, threadIndexKey(it.hints.ThreadIndex))
		}
		if it.in.Msg.Bounce != nil && it.in.Msg.Bounce.OriginalMessageID != "" {
			ids = append(ids, it.in.Msg.Bounce.OriginalMessageID)
		}
		numbers = append(numbers, it.hints.Tags...)
		numbers = append(numbers, d.peekTokens(it.hints.Tokens)...)
	}
	look := threadLookup{byMessageID: map[string]string{}, tickets: map[string]*Ticket{}}
	if len(ids) > 0 {
		found, err := d.store.TicketsByMessageID(ctx, ids)
		if err != nil {
			return look, fmt.Errorf("look up threads: %w", err)
		}
		look.byMessageID = found
		for _, n := range found {
			numbers = append(numbers, n)
		}
	}
	if len(numbers) > 0 {
		found, err := d.store.TicketsByNumber(ctx, dedupe(numbers))
		if err != nil {
			return look, fmt.Errorf("look up tickets: %w", err)
		}
		look.tickets = found
	}
	return look, nil
}

func (d *Desk) peekTokens(tokens []string) []string {
	if d.tokens == nil {
		return nil
	}
	var out []string
	for _, tok := range tokens {
		if n, ok := d.tokens.Peek(tok); ok {
			out = append(out, n)
		}
	}
	return out
}

func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
