package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// mailboxDoc is how far ingest got in one IMAP mailbox.
type mailboxDoc struct {
	Mailbox     string    `bson:"_id"`
	UIDValidity uint32    `bson:"uid_validity"`
	LastUID     uint32    `bson:"last_uid"`
	UpdatedAt   time.Time `bson:"updated_at"`
}

// maxMailboxRetries bounds SaveMailboxState's compare-and-swap loop.
const maxMailboxRetries = 5

// MailboxState returns the stored UIDVALIDITY and last processed UID of
// mailbox, or zeros when nothing is stored.
func (s *Store) MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	d, err := s.readMailbox(ctx, mailbox)
	if err != nil || d == nil {
		return 0, 0, err
	}
	return d.UIDValidity, d.LastUID, nil
}

func (s *Store) readMailbox(ctx context.Context, mailbox string) (*mailboxDoc, error) {
	var d mailboxDoc
	err := s.mailboxes.FindOne(ctx, bson.D{{Key: "_id", Value: mailbox}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state of mailbox %s: %w", mailbox, err)
	}
	return &d, nil
}

// SaveMailboxState stores mailbox's UIDVALIDITY and last processed UID.
// For the same UIDVALIDITY the last UID never moves backwards, so a slow
// writer cannot undo a faster one; a new UIDVALIDITY replaces both. A
// client Store rejects it with ErrNotOwner.
func (s *Store) SaveMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	if err := s.refuseClient("save state of mailbox " + mailbox); err != nil {
		return err
	}
	defer s.lockKey(collMailboxes, mailbox)()

	for range maxMailboxRetries {
		done, err := s.trySaveMailbox(ctx, mailbox, uidValidity, lastUID)
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("save state of mailbox %s: changed concurrently %d times: %w", mailbox, maxMailboxRetries, ErrConflict)
}

// trySaveMailbox makes one compare-and-swap attempt and reports whether
// the state is saved or needs no change.
func (s *Store) trySaveMailbox(ctx context.Context, mailbox string, uidValidity, lastUID uint32) (bool, error) {
	stored, err := s.readMailbox(ctx, mailbox)
	if err != nil {
		return false, err
	}
	next := mailboxDoc{Mailbox: mailbox, UIDValidity: uidValidity, LastUID: lastUID, UpdatedAt: s.now()}

	if stored == nil {
		_, err := s.mailboxes.InsertOne(ctx, next)
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("save state of mailbox %s: %w", mailbox, err)
		}
		return true, nil
	}
	if stored.UIDValidity == uidValidity && stored.LastUID >= lastUID {
		return true, nil
	}

	filter := s.casFilter(mailbox, bson.D{
		{Key: "uid_validity", Value: stored.UIDValidity},
		{Key: "last_uid", Value: stored.LastUID},
	})
	res, err := s.mailboxes.ReplaceOne(ctx, filter, next)
	if err != nil {
		return false, fmt.Errorf("save state of mailbox %s: %w", mailbox, err)
	}
	return res.MatchedCount > 0, nil
}
