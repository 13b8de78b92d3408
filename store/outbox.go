package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// claimCandidates is how many due rows ClaimOutgoing reads at once, so
// that a claimer that loses the oldest row to another can take the next.
const claimCandidates = 8

// errStaleClaim means a claimed row was no longer due when read again.
var errStaleClaim = errors.New("outbox row no longer due")

// Enqueue queues outgoing email. Rows whose Key was queued before are
// skipped, also when they were sent and archived since, so queueing the
// same email twice sends it once. A row with no Status is queued as
// pending, with no CreatedAt as created now, and with no NextAttempt as
// due at CreatedAt. It costs two unordered insertMany calls, one to
// register the keys and one for the rows, and on a client of the
// embedded FerretDB a third to note the rows for the owner's queue. Only
// keys registered before cost a read of the outbox and of the archive.
func (s *Store) Enqueue(ctx context.Context, mails []workflow.Outgoing) error {
	now := s.now()
	rows := make([]*workflow.Outgoing, len(mails))
	for i, m := range mails {
		if m.Key == "" {
			return fmt.Errorf("enqueue: %s mail to %s has no key", m.Kind, m.To.Email)
		}
		if m.Status == "" {
			m.Status = workflow.OutboxPending
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		if m.NextAttempt.IsZero() {
			m.NextAttempt = m.CreatedAt
		}
		rows[i] = &m
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.enqueue(ctx, rows, now); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// enqueue registers the keys of rows and stores the rows not queued
// before, and those an interrupted Enqueue registered but did not store.
func (s *Store) enqueue(ctx context.Context, rows []*workflow.Outgoing, now time.Time) error {
	dups, err := s.registerKeys(ctx, rows, now)
	if err != nil {
		return err
	}
	fresh, seen := splitAt(rows, dups)
	lost, err := s.lostRows(ctx, seen)
	if err != nil {
		return err
	}
	queued := append(fresh, lost...)
	if s.role == roleClient && len(queued) > 0 {
		if err := s.noteQueued(ctx, queued); err != nil {
			return err
		}
	}

	dups, err = insertNew(ctx, s.outbox, queued)
	if err != nil {
		return fmt.Errorf("queue rows: %w", err)
	}
	stored, _ := splitAt(queued, dups)
	return s.enqueueQueued(stored)
}

// splitAt splits items into those not at the positions at and those at
// them.
func splitAt[T any](items []T, at []int) (others, picked []T) {
	isPicked := make([]bool, len(items))
	for _, i := range at {
		isPicked[i] = true
	}
	for i, item := range items {
		if isPicked[i] {
			picked = append(picked, item)
		} else {
			others = append(others, item)
		}
	}
	return others, picked
}

// claimSubject names the claims of one outbox row.
func claimSubject(key string) string { return "outbox/" + key }

// outboxDue selects rows to send at now: pending ones whose next attempt
// has come, and sending ones whose sender let its lease expire. It also
// selects the sent rows an interrupted MarkSent left, which the claimer
// archives.
func outboxDue(now time.Time) bson.D {
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "status", Value: workflow.OutboxPending}, {Key: "next_attempt", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "status", Value: workflow.OutboxSending}, {Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}}},
		bson.D{{Key: "status", Value: workflow.OutboxSent}},
	}}}
}

// claimState is the part of an outbox row that claiming reads. ClaimSeq
// is the generation of the row's last claim; Enqueue leaves it out, and a
// missing field reads as 0.
type claimState struct {
	Key         string                `bson:"_id"`
	Status      workflow.OutboxStatus `bson:"status"`
	NextAttempt time.Time             `bson:"next_attempt"`
	LeaseUntil  time.Time             `bson:"lease_until"`
	ClaimSeq    int64                 `bson:"claim_seq"`
}

func (c *claimState) due(now time.Time) bool {
	switch c.Status {
	case workflow.OutboxPending:
		return !c.NextAttempt.After(now)
	case workflow.OutboxSending:
		return c.LeaseUntil.Before(now)
	}
	return false
}

// ClaimOutgoing leases the due row with the oldest NextAttempt to owner
// until now+lease: a pending row whose NextAttempt is at or before now,
// or a sending row whose lease expired before now because its sender
// died. The row becomes sending with Attempts increased by one, and is
// returned as stored after the claim. Two callers never get the same row,
// across processes too. When no row is due it returns an error wrapping
// ErrNotFound. On a Store connected to a URI it archives, on the way, sent
// rows that an interrupted MarkSent left in the outbox. The Store that
// runs the embedded FerretDB claims from memory and stores the claim with
// one insert; a client Store rejects it with ErrNotOwner.
func (s *Store) ClaimOutgoing(ctx context.Context, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error) {
	if err := s.refuseClient("claim outgoing"); err != nil {
		return nil, err
	}
	if s.queue != nil {
		return s.claimQueued(ctx, owner, now, lease)
	}
	o, swept, err := s.claimFirst(ctx, owner, now, lease)
	if o == nil && err == nil && swept {
		// The archived rows may have hidden due ones from the first round.
		o, _, err = s.claimFirst(ctx, owner, now, lease)
	}
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("claim outgoing: no row due: %w", ErrNotFound)
	}
	return o, nil
}

// claimFirst claims the first of the due rows it reads that nobody else
// takes, and reports whether it archived sent rows on the way. It
// returns a nil row when it claimed none.
func (s *Store) claimFirst(ctx context.Context, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, bool, error) {
	opts := options.Find().
		SetSort(bson.D{{Key: "next_attempt", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(claimCandidates).
		SetProjection(bson.D{{Key: "claim_seq", Value: 1}, {Key: "status", Value: 1}})
	candidates, err := findAll[claimState](ctx, s.outbox, outboxDue(now), opts)
	if err != nil {
		return nil, false, fmt.Errorf("claim outgoing: %w", err)
	}

	swept := false
	for _, c := range candidates {
		if c.Status == workflow.OutboxSent {
			if !swept {
				if err := s.sweepSent(ctx); err != nil {
					return nil, false, fmt.Errorf("claim outgoing: %w", err)
				}
				swept = true
			}
			continue
		}
		o, err := s.claimRow(ctx, c.Key, c.ClaimSeq+1, owner, now, lease)
		if err != nil || o != nil {
			return o, swept, err
		}
	}
	return nil, swept, nil
}

// claimRow claims the row key from generation gen on and marks it
// sending. It returns nil when another caller holds the row or the row is
// no longer due.
func (s *Store) claimRow(ctx context.Context, key string, gen int64, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error) {
	until := now.Add(lease)
	won, err := s.takeClaim(ctx, claimSubject(key), gen, owner, now, until)
	if err != nil || won == 0 {
		return nil, err
	}

	o, err := s.markClaimed(ctx, key, won, owner, now, until)
	if errors.Is(err, errStaleClaim) {
		return nil, s.dropClaim(ctx, claimSubject(key), won)
	}
	return o, err
}

// markClaimed writes the claim of generation gen into the row, after
// checking that the row is still due and not claimed at gen or later.
func (s *Store) markClaimed(ctx context.Context, key string, gen int64, owner string, now, until time.Time) (*workflow.Outgoing, error) {
	defer s.lockKey(collOutbox, key)()

	var row claimState
	err := s.outbox.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&row)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errStaleClaim
	}
	if err != nil {
		return nil, fmt.Errorf("claim outgoing %s: %w", key, err)
	}
	if !row.due(now) || row.ClaimSeq >= gen {
		return nil, errStaleClaim
	}

	filter := s.casFilter(key, bson.D{{Key: "status", Value: row.Status}, {Key: "claim_seq", Value: row.ClaimSeq}})
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "status", Value: workflow.OutboxSending},
			{Key: "lease_owner", Value: owner},
			{Key: "lease_until", Value: until},
			{Key: "claim_seq", Value: gen},
		}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	}
	var o workflow.Outgoing
	err = s.outbox.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&o)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errStaleClaim
	}
	if err != nil {
		return nil, fmt.Errorf("claim outgoing %s: %w", key, err)
	}
	return &o, nil
}

// MarkSent records that the row key was sent at at. Like every Mark
// method it only changes a row that is sending and leased to owner.
// Otherwise it returns an error wrapping ErrConflict, or ErrNotFound when
// no row has key. A client Store rejects it with ErrNotOwner.
//
// On a Store connected to a URI it marks the row sent and then moves it
// to the archive. Once the row is marked, a failure to archive it is
// logged and left to the next ClaimOutgoing, and MarkSent returns nil.
// The Store that runs the embedded FerretDB stores the sent state with
// one insert into its log, and compaction archives the row later.
func (s *Store) MarkSent(ctx context.Context, key, owner string, at time.Time) error {
	if s.queue != nil {
		return s.markQueued(ctx, key, owner, func(st *rowState) {
			st.Status, st.SentAt, st.LastError = workflow.OutboxSent, at, ""
		})
	}
	var row workflow.Outgoing
	err := s.endSending(ctx, key, owner, &row, bson.D{
		{Key: "status", Value: workflow.OutboxSent},
		{Key: "sent_at", Value: at},
		{Key: "last_error", Value: ""},
	})
	if err != nil {
		return err
	}
	if err := s.archiveRow(ctx, &row); err != nil {
		s.log.Warn("archive sent outbox row failed; the next claim retries", "key", key, "error", err)
	}
	return nil
}

// MarkRetry puts the row key back to pending, due again at next, with
// reason as its last error. Attempts keeps the count the claim raised.
func (s *Store) MarkRetry(ctx context.Context, key, owner string, next time.Time, reason string) error {
	if s.queue != nil {
		return s.markQueued(ctx, key, owner, func(st *rowState) {
			st.Status, st.NextAttempt, st.LastError = workflow.OutboxPending, next, reason
		})
	}
	return s.endSending(ctx, key, owner, nil, bson.D{
		{Key: "status", Value: workflow.OutboxPending},
		{Key: "next_attempt", Value: next},
		{Key: "last_error", Value: reason},
	})
}

// MarkFailed records that the row key failed for good, with reason.
func (s *Store) MarkFailed(ctx context.Context, key, owner string, reason string) error {
	if s.queue != nil {
		return s.markQueued(ctx, key, owner, func(st *rowState) {
			st.Status, st.LastError = workflow.OutboxFailed, reason
		})
	}
	return s.endSending(ctx, key, owner, nil, bson.D{
		{Key: "status", Value: workflow.OutboxFailed},
		{Key: "last_error", Value: reason},
	})
}

// MarkSuppressed records that the row key was not sent because the
// per-recipient cap on automatic email stopped it, with reason.
func (s *Store) MarkSuppressed(ctx context.Context, key, owner string, reason string) error {
	if s.queue != nil {
		return s.markQueued(ctx, key, owner, func(st *rowState) {
			st.Status, st.LastError = workflow.OutboxSuppressed, reason
		})
	}
	return s.endSending(ctx, key, owner, nil, bson.D{
		{Key: "status", Value: workflow.OutboxSuppressed},
		{Key: "last_error", Value: reason},
	})
}

// endSending applies set and ends the lease, if the row is sending and
// leased to owner, and stores the row as written in after unless after
// is nil.
func (s *Store) endSending(ctx context.Context, key, owner string, after *workflow.Outgoing, set bson.D) error {
	if err := s.refuseClient("update outbox row " + key); err != nil {
		return err
	}
	set = append(set, bson.E{Key: "lease_until", Value: time.Time{}})
	update := bson.D{{Key: "$set", Value: set}}

	cond := bson.D{{Key: "status", Value: workflow.OutboxSending}, {Key: "lease_owner", Value: owner}}
	check := func(doc bson.Raw) error {
		status, _ := doc.Lookup("status").StringValueOK()
		holder, _ := doc.Lookup("lease_owner").StringValueOK()
		if status != string(workflow.OutboxSending) || holder != owner {
			return fmt.Errorf("outbox row %s is %s and leased to %q, not to %q: %w", key, status, holder, owner, ErrConflict)
		}
		return nil
	}
	write := func(filter bson.D) (int64, error) {
		if after == nil {
			res, err := s.outbox.UpdateOne(ctx, filter, update)
			if err != nil {
				return 0, fmt.Errorf("update outbox row %s: %w", key, err)
			}
			return res.MatchedCount, nil
		}
		opts := options.FindOneAndUpdate().SetReturnDocument(options.After)
		err := s.outbox.FindOneAndUpdate(ctx, filter, update, opts).Decode(after)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("update outbox row %s: %w", key, err)
		}
		return 1, nil
	}
	err := s.guardedWrite(ctx, s.outbox, key, cond, check, write)
	if errors.Is(err, ErrNotFound) {
		return s.notFoundOrSent(ctx, key, err)
	}
	return err
}

// notFoundOrSent returns an error wrapping ErrConflict when the row key,
// missing from the outbox, is in the archive, and notFound otherwise.
// Reading the archive by key reads all of it on FerretDB, which this
// error path can afford.
func (s *Store) notFoundOrSent(ctx context.Context, key string, notFound error) error {
	err := s.sent.FindOne(ctx, bson.D{{Key: "_id", Value: key}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("read archived outbox row %s: %w", key, err)
	}
	return fmt.Errorf("outbox row %s is %s: %w", key, workflow.OutboxSent, ErrConflict)
}
