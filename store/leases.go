package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// leaseDoc is a named lease, such as the right to watch one mailbox. It
// expires by its Until field, checked on every acquire: FerretDB has no
// TTL index, and none is needed.
type leaseDoc struct {
	Name      string    `bson:"_id"`
	Owner     string    `bson:"owner"`
	Until     time.Time `bson:"until"`
	RenewedAt time.Time `bson:"renewed_at"`
}

// AcquireLease takes the lease name for owner until now+ttl and reports
// whether owner holds it. It succeeds when the lease is free, expired
// before now, or already owner's, which renews it. One upsert does it:
// the filter matches only a lease owner may take, and when it matches
// none the insert collides with the existing _id, so two instances never
// both get the lease from MongoDB. Renew well before ttl runs out: a
// renewal that lands after the expiry may race a takeover. A client
// Store rejects it with ErrNotOwner.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || owner == "" {
		return false, fmt.Errorf("acquire lease %q for %q: name and owner must not be empty", name, owner)
	}
	if err := s.refuseClient("acquire lease " + name); err != nil {
		return false, err
	}
	defer s.lockKey(collLeases, name)()

	filter := bson.D{
		{Key: "_id", Value: name},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "owner", Value: owner}},
			bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}},
		}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "owner", Value: owner},
		{Key: "until", Value: now.Add(ttl)},
		{Key: "renewed_at", Value: now},
	}}}
	_, err := s.leases.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return true, nil
}

// ReleaseLease gives up the lease name if owner holds it, so that another
// instance may take it at once. It does nothing when owner does not hold
// the lease. A client Store rejects it with ErrNotOwner.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if err := s.refuseClient("release lease " + name); err != nil {
		return err
	}
	defer s.lockKey(collLeases, name)()

	_, err := s.leases.DeleteOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "owner", Value: owner}})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the lease name and until when, or an
// error wrapping ErrNotFound when nobody ever took it. The lease may have
// expired: compare until with the current time.
func (s *Store) LeaseHolder(ctx context.Context, name string) (owner string, until time.Time, err error) {
	var l leaseDoc
	err = s.leases.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", time.Time{}, fmt.Errorf("lease %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	return l.Owner, l.Until, nil
}
