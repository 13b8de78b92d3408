package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// storeView is the messages, tickets and outbox rows read from keluhan's
// store.
type storeView struct {
	// messages lists the stored messages per normalised Message-ID; a
	// message stored under a collision key appears twice.
	messages map[string][]*store.MessageDoc
	// withoutID counts stored messages that have no Message-ID.
	withoutID int
	tickets   []*workflow.Ticket
	outbox    []*workflow.Outgoing
}

// readStore opens the embedded store in dataDir, which no keluhan may be
// using, and reads every message, ticket and outbox row.
func readStore(ctx context.Context, dataDir string, log *slog.Logger) (*storeView, error) {
	st, err := store.Open(ctx, store.Config{DataDir: dataDir}, log)
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dataDir, err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := st.Close(closeCtx); err != nil {
			log.Warn("store close failed", "error", err)
		}
	}()

	v := &storeView{messages: map[string][]*store.MessageDoc{}}
	err = errors.Join(
		st.EachMessage(ctx, func(d *store.MessageDoc) error {
			d.Raw = nil
			id := ingest.NormalizeMessageID(d.MessageID)
			if id == "" {
				v.withoutID++
				return nil
			}
			v.messages[id] = append(v.messages[id], d)
			return nil
		}),
		st.EachTicket(ctx, func(t *workflow.Ticket) error {
			v.tickets = append(v.tickets, t)
			return nil
		}),
		st.EachOutgoing(ctx, func(o *workflow.Outgoing) error {
			v.outbox = append(v.outbox, o)
			return nil
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	return v, nil
}

// checkMessages checks that every generated message is stored exactly
// once and processed, and returns the ticket of each message by id.
func (c *checker) checkMessages() map[string]string {
	ticketOf := map[string]string{}
	known := map[string]bool{}
	for _, m := range c.msgs {
		known[m.id] = true
		docs := c.view.messages[m.id]
		switch {
		case len(docs) == 0:
			c.violate(checkStored, "message %s was not stored", m.id)
			continue
		case len(docs) > 1:
			c.violate(checkStored, "message %s is stored %d times, under keys %s", m.id, len(docs), docKeys(docs))
		}
		d := docs[0]
		c.fig.messagesStored++
		if d.Status != store.MessageDone {
			c.violate(checkStored, "message %s has status %q (reason %q), want %q", m.id, d.Status, d.Reason, store.MessageDone)
		}
		if d.Ticket == "" {
			c.violate(checkStored, "message %s belongs to no ticket", m.id)
		}
		ticketOf[m.id] = d.Ticket
	}

	for id, docs := range c.view.messages {
		if !known[id] {
			c.violate(checkStored, "stored message %s (key %s) is not in the generated set", id, docs[0].Key)
		}
	}
	if c.view.withoutID > 0 {
		c.violate(checkStored, "%d stored messages have no Message-ID; every generated message has one", c.view.withoutID)
	}
	return ticketOf
}

// checkTickets checks that each complaint opened exactly one ticket and
// each reply joined its complaint's ticket.
func (c *checker) checkTickets(ticketOf map[string]string) {
	c.fig.tickets = len(c.view.tickets)
	bySource := map[string]string{}
	byRoot := map[string]string{}
	numbers := map[string]bool{}
	for _, t := range c.view.tickets {
		if numbers[t.Number] {
			c.violate(checkTicketSet, "ticket number %s is used twice", t.Number)
		}
		numbers[t.Number] = true
		if prev, ok := bySource[t.SourceKey]; ok {
			c.violate(checkTicketSet, "tickets %s and %s were opened by the same message %s", prev, t.Number, t.SourceKey)
		}
		bySource[t.SourceKey] = t.Number
		root := ingest.NormalizeMessageID(t.RootMessageID)
		if prev, ok := byRoot[root]; ok {
			c.violate(checkTicketSet, "tickets %s and %s have the same complaint Message-ID %s", prev, t.Number, root)
		}
		byRoot[root] = t.Number
	}

	for _, m := range c.msgs {
		got := ticketOf[m.id]
		if got == "" {
			continue
		}
		want := byRoot[m.root]
		switch {
		case m.complaint && want == "":
			c.violate(checkTicketSet, "complaint %s opened no ticket", m.id)
		case m.complaint && got != want:
			c.violate(checkTicketSet, "complaint %s is on ticket %s, but ticket %s was opened for it", m.id, got, want)
		case !m.complaint && got != want:
			c.violate(checkReplies, "reply %s is on ticket %s, want its complaint's ticket %q", m.id, got, want)
		}
	}

	if len(c.view.tickets) != c.truth.Complaints {
		c.violate(checkTicketSet, "%d tickets, want one per distinct complaint: %d", len(c.view.tickets), c.truth.Complaints)
	}
	c.fig.numberGaps = numberGaps(c.view.tickets)
}

// checkOutbox checks that every outbox row was sent and that each ticket
// has exactly one acknowledgment row.
func (c *checker) checkOutbox() {
	acks := map[string]int{}
	for _, o := range c.view.outbox {
		c.fig.outbox[o.Status]++
		if o.Status != workflow.OutboxSent {
			c.violate(checkOutboxSent, "outbox row %s (%s for %s) has status %q, last error %q", o.Key, o.Kind, o.Ticket, o.Status, o.LastError)
		}
		if o.Kind == workflow.MailAck {
			acks[o.Ticket]++
			if o.Status == workflow.OutboxSent {
				c.fig.acksSent++
			}
		}
	}

	for _, t := range c.view.tickets {
		if n := acks[t.Number]; n != 1 {
			c.violate(checkAckRows, "ticket %s has %d acknowledgment rows in the outbox, want 1", t.Number, n)
		}
	}
}

func docKeys(docs []*store.MessageDoc) []string {
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.Key
	}
	return keys
}

// numberGaps counts the sequence numbers missing between the lowest and
// highest ticket number of each prefix and year. A gap is allowed (a
// crash may lose a reserved block of numbers) but is worth reporting.
func numberGaps(tickets []*workflow.Ticket) int {
	type series struct {
		low, high int64
		n         int
	}
	all := map[string]*series{}
	for _, t := range tickets {
		prefix, year, seq, ok := workflow.ParseNumber(t.Number)
		if !ok {
			continue
		}
		key := fmt.Sprintf("%s-%d", prefix, year)
		s, ok := all[key]
		if !ok {
			s = &series{low: seq, high: seq}
			all[key] = s
		}
		s.low, s.high = min(s.low, seq), max(s.high, seq)
		s.n++
	}

	gaps := 0
	for _, s := range all {
		gaps += int(s.high-s.low+1) - s.n
	}
	return gaps
}
