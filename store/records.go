package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// AppendRecords appends audit records in one unordered insertMany.
// Records whose Key is stored already are skipped, so replaying the same
// input adds nothing.
func (s *Store) AppendRecords(ctx context.Context, records []workflow.Record) error {
	for _, r := range records {
		if r.Key == "" {
			return fmt.Errorf("append records: record of ticket %s has no key", r.Ticket)
		}
	}
	if _, err := insertNew(ctx, s.records, records); err != nil {
		return fmt.Errorf("append records: %w", err)
	}
	return nil
}

// Records returns a ticket's audit trail, oldest first. A ticket with no
// records returns an empty slice.
func (s *Store) Records(ctx context.Context, ticket string) ([]workflow.Record, error) {
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	out, err := findAll[workflow.Record](ctx, s.records, bson.D{{Key: "ticket", Value: ticket}}, opts)
	if err != nil {
		return nil, fmt.Errorf("read records of ticket %s: %w", ticket, err)
	}
	return out, nil
}
