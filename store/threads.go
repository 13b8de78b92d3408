package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// threadDoc maps one Message-ID, or an Outlook conversation index
// prefixed with "ti:", to its ticket.
type threadDoc struct {
	MessageID string    `bson:"_id"`
	Ticket    string    `bson:"ticket"`
	At        time.Time `bson:"at"`
}

// LinkThreads records which ticket each Message-ID belongs to, in one
// unordered insertMany. An ID already linked keeps its first ticket;
// links with an empty ID or ticket are skipped.
func (s *Store) LinkThreads(ctx context.Context, links []workflow.ThreadLink) error {
	now := s.now()
	docs := make([]threadDoc, 0, len(links))
	for _, l := range links {
		if l.MessageID == "" || l.Ticket == "" {
			continue
		}
		docs = append(docs, threadDoc{MessageID: l.MessageID, Ticket: l.Ticket, At: now})
	}
	dups, err := insertNew(ctx, s.threads, docs)
	if err != nil {
		return fmt.Errorf("link threads: %w", err)
	}
	if s.threadMemo != nil {
		// An ID linked before, perhaps by a client Store, keeps the
		// stored ticket, which a lookup reads from the collection.
		fresh := docs[:0:0]
		for i, d := range docs {
			if !slices.Contains(dups, i) {
				fresh = append(fresh, d)
			}
		}
		s.threadMemo.add(fresh)
	}
	return nil
}

// TicketsByMessageID returns the ticket of each of ids that is linked,
// keyed by ID: one query on MongoDB, one per ID on FerretDB. The owner of
// the embedded store answers from its thread cache once loaded, and
// reads the collection only for IDs the cache lacks. No ids returns an
// empty map without a query.
//
// NOTE: on FerretDB each ID read from the collection costs a read of
// the whole threads collection, which grows with every message.
func (s *Store) TicketsByMessageID(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	ids = dedupeStrings(ids)
	if s.threadMemo != nil {
		s.startThreadLoad()
		found, missing, ok := s.threadMemo.lookup(ids)
		if ok {
			out, ids = found, missing
		}
		if len(ids) == 0 {
			return out, nil
		}
	}
	docs, err := findByIDs[threadDoc](ctx, s, s.threads, ids, nil)
	if err != nil {
		return nil, fmt.Errorf("read threads: %w", err)
	}
	for _, d := range docs {
		out[d.MessageID] = d.Ticket
	}
	return out, nil
}

// dedupeStrings returns list without repeats, in first-seen order.
func dedupeStrings(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := make([]string, 0, len(list))
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
