package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// AppendRecords appends audit records in one unordered insertMany.
// Records whose Key is stored already are skipped, so replaying the same
// input adds nothing. A client Store first notes the records' tickets in
// record_notes for the record cache of the Store that runs the embedded
// FerretDB; that Store adds the records it stores to its cache.
func (s *Store) AppendRecords(ctx context.Context, records []workflow.Record) error {
	for _, r := range records {
		if r.Key == "" {
			return fmt.Errorf("append records: record of ticket %s has no key", r.Ticket)
		}
	}
	if s.role == roleClient && len(records) > 0 {
		if err := s.noteRecords(ctx, records); err != nil {
			return fmt.Errorf("append records: %w", err)
		}
	}
	if s.trails == nil {
		if _, err := insertNew(ctx, s.records, records); err != nil {
			return fmt.Errorf("append records: %w", err)
		}
		return nil
	}
	return s.appendCachedRecords(ctx, records)
}

// appendCachedRecords is AppendRecords on the Store that keeps the record
// cache. A failed insert may have stored some of the records, so the
// cache drops the trails of their tickets.
func (s *Store) appendCachedRecords(ctx context.Context, records []workflow.Record) error {
	recs := make([]trailRecord, len(records))
	for i, r := range records {
		raw, err := bson.Marshal(r)
		if err != nil {
			return fmt.Errorf("append records: encode record %s: %w", r.Key, err)
		}
		if recs[i], err = newTrailRecord(raw); err != nil {
			return fmt.Errorf("append records: record %s: %w", r.Key, err)
		}
	}
	raws := make([]bson.Raw, len(recs))
	for i, r := range recs {
		raws[i] = r.raw
	}

	dups, err := insertNew(ctx, s.records, raws)
	if err != nil {
		for _, r := range recs {
			s.trails.drop(r.ticket)
		}
		return fmt.Errorf("append records: %w", err)
	}
	stored, _ := splitAt(recs, dups)
	s.trails.add(stored)
	return nil
}

// Records returns a ticket's audit trail, oldest first. A ticket with no
// records returns an empty slice. The Store that runs the embedded
// FerretDB serves open tickets from its record cache once that is
// loaded. Otherwise Records queries the database, which on FerretDB
// reads every record.
func (s *Store) Records(ctx context.Context, ticket string) ([]workflow.Record, error) {
	recs, ok, err := s.cachedRecords(ctx, ticket)
	if err == nil && !ok {
		recs, err = s.readTrail(ctx, ticket)
	}
	var out []workflow.Record
	if err == nil {
		out, err = decodeTrail(recs)
	}
	if err != nil {
		return nil, fmt.Errorf("read records of ticket %s: %w", ticket, err)
	}
	return out, nil
}
