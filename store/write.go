package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Server error codes the Store distinguishes.
const (
	codeDuplicateKey    = 11000
	codeNamespaceExists = 48
)

// duplicateIndexes splits the error of an unordered insertMany: it returns
// the positions of the documents rejected for a duplicate key, and any
// other failure as err.
func duplicateIndexes(err error) (dups []int, other error) {
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return nil, err
	}
	if bwe.WriteConcernError != nil {
		return nil, err
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != codeDuplicateKey {
			return nil, err
		}
		dups = append(dups, we.Index)
	}
	return dups, nil
}

// insertNew inserts docs in one unordered insertMany and returns the
// positions of those that already existed. The others are stored even
// when some collide.
func insertNew[T any](ctx context.Context, coll *mongo.Collection, docs []T) (dups []int, err error) {
	if len(docs) == 0 {
		return nil, nil
	}
	_, err = coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	dups, err = duplicateIndexes(err)
	if err != nil {
		return nil, fmt.Errorf("insert into %s: %w", coll.Name(), err)
	}
	return dups, nil
}

// deleteIDs deletes the documents of coll whose _id is one of ids, with
// one deleteMany, and returns how many it deleted. On FerretDB the $in
// filter makes it decode every document of coll once, so it costs in
// proportion to the collection, not to ids.
func (s *Store) deleteIDs(ctx context.Context, coll *mongo.Collection, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, err
	}
	return int(res.DeletedCount), nil
}
