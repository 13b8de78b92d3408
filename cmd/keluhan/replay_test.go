package main

import (
	"context"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// forgetfulStore hides stored tickets from the first TicketsBySource,
// as a lookup that misses right after a crash would, so that the Desk
// only learns of the first ticket from the unique index when it inserts
// a second.
type forgetfulStore struct {
	*store.Store
	calls *int
}

func (f forgetfulStore) TicketsBySource(ctx context.Context, keys []string) (map[string]*workflow.Ticket, error) {
	*f.calls++
	if *f.calls == 1 {
		return map[string]*workflow.Ticket{}, nil
	}
	return f.Store.TicketsBySource(ctx, keys)
}

// TestReplayKeepsFirstTicket processes a complaint whose ticket a first,
// interrupted run already stored, while the source lookup misses it: the
// complaint must keep its first ticket, not get a second number.
func TestReplayKeepsFirstTicket(t *testing.T) {
	r := newCorpusRun(t, corpusCase{})
	first := r.feed("B01-budi-gmail-login.eml")
	if first.Ticket == "" {
		t.Fatalf("first run opened no ticket: %+v", first)
	}

	c := r.c
	forgetful := forgetfulStore{Store: c.store, calls: new(int)}
	machine, err := workflow.NewMachine(c.set.rules, c.set.cal)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := workflow.NewDesk(c.set.desk, forgetful, c.render, machine, c.set.triage, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	raw := mustRead(t, corpusDir+"/B01-budi-gmail-login.eml")
	in := []*ingest.Inbound{{Raw: raw, FetchedAt: time.Now()}}
	in[0].Msg, _ = ingest.Parse(raw, c.set.pipeline.Parse)
	out, err := desk.Process(context.Background(), in)
	if err != nil {
		t.Fatalf("Process(replay) = %v", err)
	}
	if out[0].Ticket != first.Ticket {
		t.Errorf("replayed complaint on ticket %s, want its first ticket %s", out[0].Ticket, first.Ticket)
	}
	tickets, err := c.store.ListTickets(context.Background(), store.TicketFilter{Limit: 10})
	if err != nil || len(tickets) != 1 {
		t.Errorf("tickets after the replay = %d (%v), want 1", len(tickets), err)
	}
}

// TestLateRepliesJoinOneLinkedTicket closes a ticket, lets the reopen
// window pass, and sends two replies in its thread: the first opens a
// ticket linked to the old one, the second joins that ticket.
func TestLateRepliesJoinOneLinkedTicket(t *testing.T) {
	tc := corpusCase{}
	tc.Setup.Config = map[string]any{"reopen_window": "1s"}
	r := newCorpusRun(t, tc)
	r.feed("B03-andi-thunderbird-petugas.eml")
	r.closeTicketOf("B03-andi-thunderbird-petugas.eml")
	old := r.tickets["B03-andi-thunderbird-petugas.eml"]
	time.Sleep(1100 * time.Millisecond)

	first := r.feed("C49-thanks-after-ticket-closed.eml")
	second := r.feed("C61-underscore-sections-and-dashes.eml")
	if first.Ticket == "" || first.Ticket == old {
		t.Fatalf("first late reply on ticket %q, want a new ticket linked to %s", first.Ticket, old)
	}
	if second.Ticket != first.Ticket {
		t.Errorf("second late reply on ticket %q, want the linked ticket %s", second.Ticket, first.Ticket)
	}
	linked, err := r.c.store.Ticket(context.Background(), first.Ticket)
	if err != nil || linked.LinkedTo != old {
		t.Errorf("ticket %s linked to %v (%v), want %s", first.Ticket, linked, err, old)
	}
}
