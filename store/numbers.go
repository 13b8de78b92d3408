package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Ticket numbers are handed out in blocks. Each allocation inserts a
// block document {_id: "<counter>/<first>", next: first+n}; the unique
// _id makes the insert the point where exactly one caller wins the
// numbers from first on. A loser reads the winning block and tries again
// at its next. The blocks of a counter thus form a chain from 1 with no
// gap and no overlap.
//
// A findOneAndUpdate with $inc would be one round trip, but FerretDB 1.24
// runs it as a read and a separate write, and concurrent callers then get
// the same numbers. An insert that hits a unique key is atomic on both
// servers.
//
// The Store remembers in memory where each counter's chain ends, so that
// an allocation without contention is one insert. A Store that has not
// allocated from a counter yet finds the end by reading the block with
// the highest first number. There is no head document to keep current:
// on FerretDB 1.24 every update costs time in proportion to the size of
// its collection, while an insert does not.

// maxChainSteps bounds the blocks one allocation may walk past; reaching
// it means the counter is contended beyond reason. After every
// rereadSteps steps the walk jumps to the end of the highest stored
// block, in case another Store allocated many blocks since this one last
// did.
const (
	maxChainSteps = 1000
	rereadSteps   = 16
)

// counterBlock is one allocated block of a counter.
type counterBlock struct {
	ID      string    `bson:"_id"`
	Counter string    `bson:"counter"`
	First   int64     `bson:"first"`
	Next    int64     `bson:"next"`
	At      time.Time `bson:"at"`
}

// AllocateNumbers reserves n consecutive numbers of the named counter and
// returns the first; the first allocation of a counter starts at 1. It is
// safe for concurrent use, also across processes and Stores: no number is
// returned twice. Without contention it costs one round trip, the block
// insert; the first allocation of a counter by a Store reads the last
// block first.
func (s *Store) AllocateNumbers(ctx context.Context, counter string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("allocate numbers of %s: count %d is less than 1", counter, n)
	}
	if counter == "" || strings.Contains(counter, "/") {
		return 0, fmt.Errorf("allocate numbers: invalid counter name %q: it must be non-empty and without \"/\"", counter)
	}
	start, err := s.counterHint(ctx, counter)
	if err != nil {
		return 0, err
	}

	for step := 1; step <= maxChainSteps; step++ {
		if step%rereadSteps == 0 {
			if start, err = s.lastBlockEnd(ctx, counter, start); err != nil {
				return 0, err
			}
		}
		won, next, err := s.claimBlock(ctx, counter, start, int64(n))
		if err != nil {
			return 0, err
		}
		if won {
			s.advanceHint(counter, start+int64(n))
			return start, nil
		}
		start = next
	}
	return 0, fmt.Errorf("allocate numbers of %s: no free block after %d tries", counter, maxChainSteps)
}

// claimBlock tries to take [start, start+n). When the block at start is
// taken it returns where the next block starts.
func (s *Store) claimBlock(ctx context.Context, counter string, start, n int64) (won bool, next int64, err error) {
	block := counterBlock{
		ID:      blockID(counter, start),
		Counter: counter,
		First:   start,
		Next:    start + n,
		At:      s.now(),
	}
	_, err = s.counters.InsertOne(ctx, block)
	if err == nil {
		return true, 0, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, 0, fmt.Errorf("allocate numbers of %s: %w", counter, err)
	}

	var taken counterBlock
	if err := s.counters.FindOne(ctx, bson.D{{Key: "_id", Value: block.ID}}).Decode(&taken); err != nil {
		return false, 0, fmt.Errorf("allocate numbers of %s: read block %s: %w", counter, block.ID, err)
	}
	if taken.Next <= start {
		return false, 0, fmt.Errorf("allocate numbers of %s: block %s is corrupt", counter, block.ID)
	}
	return false, taken.Next, nil
}

func blockID(counter string, first int64) string {
	return counter + "/" + strconv.FormatInt(first, 10)
}

// counterHint returns where to start looking for a free block: the
// in-memory hint, else the end of the highest stored block, else 1.
func (s *Store) counterHint(ctx context.Context, counter string) (int64, error) {
	s.hintMu.Lock()
	hint, ok := s.counterHints[counter]
	s.hintMu.Unlock()
	if ok {
		return hint, nil
	}
	return s.lastBlockEnd(ctx, counter, 1)
}

// lastBlockEnd returns where the highest stored block of counter ends, or
// atLeast if that is further.
func (s *Store) lastBlockEnd(ctx context.Context, counter string, atLeast int64) (int64, error) {
	var last counterBlock
	opts := options.FindOne().SetSort(bson.D{{Key: "first", Value: -1}})
	err := s.counters.FindOne(ctx, bson.D{{Key: "counter", Value: counter}}, opts).Decode(&last)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return atLeast, nil
	}
	if err != nil {
		return 0, fmt.Errorf("allocate numbers of %s: read last block: %w", counter, err)
	}
	return max(last.Next, atLeast), nil
}

// advanceHint moves the in-memory hint forward to next.
func (s *Store) advanceHint(counter string, next int64) {
	s.hintMu.Lock()
	defer s.hintMu.Unlock()
	if next > s.counterHints[counter] {
		s.counterHints[counter] = next
	}
}
