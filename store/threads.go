package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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
	if _, err := insertNew(ctx, s.threads, docs); err != nil {
		return fmt.Errorf("link threads: %w", err)
	}
	return nil
}

// TicketsByMessageID returns the ticket of each of ids that is linked,
// keyed by ID, in one query. No ids returns an empty map without a query.
func (s *Store) TicketsByMessageID(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	docs, err := findAll[threadDoc](ctx, s.threads, filter)
	if err != nil {
		return nil, fmt.Errorf("read threads: %w", err)
	}
	for _, d := range docs {
		out[d.MessageID] = d.Ticket
	}
	return out, nil
}
