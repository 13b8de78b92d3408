package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A claim gives one owner the exclusive right to act on a subject (an
// outbox row) for one generation. The claim is a document with the
// unique _id "<subject>#<generation>", so of several callers inserting
// it exactly one succeeds, on MongoDB and on FerretDB alike. Claims are
// kept after use: deleting one would let a caller with an old view win
// its generation again.
//
// A claim whose holder died before acting blocks its generation only
// until Until; after that the next generation may be claimed.

// maxClaimSkips bounds how many expired generations one attempt steps
// over.
const maxClaimSkips = 8

type claimDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
	At    time.Time `bson:"at"`
}

func claimID(subject string, gen int64) string {
	return subject + "#" + strconv.FormatInt(gen, 10)
}

// takeClaim tries to claim subject for owner from generation gen on,
// stepping over generations whose claims expired before now. It returns
// the generation won, or 0 when a live claim holds it.
func (s *Store) takeClaim(ctx context.Context, subject string, gen int64, owner string, now, until time.Time) (int64, error) {
	for range maxClaimSkips {
		c := claimDoc{ID: claimID(subject, gen), Owner: owner, Until: until, At: now}
		_, err := s.claims.InsertOne(ctx, c)
		if err == nil {
			return gen, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, fmt.Errorf("claim %s: %w", c.ID, err)
		}

		var held claimDoc
		err = s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: c.ID}}).Decode(&held)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return 0, fmt.Errorf("claim %s: %w", c.ID, err)
		}
		if err == nil && !held.Until.Before(now) {
			return 0, nil
		}
		gen++
	}
	return 0, nil
}

// dropClaim ends a claim that its holder did not use, so that the
// generation is free to the next caller at once.
func (s *Store) dropClaim(ctx context.Context, subject string, gen int64) error {
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Time{}}}}}
	if _, err := s.claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: claimID(subject, gen)}}, update); err != nil {
		return fmt.Errorf("drop claim %s: %w", claimID(subject, gen), err)
	}
	return nil
}
