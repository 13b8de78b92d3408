package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// sortedCursor reads documents of one collection in _id order, one
// ahead: item is the next one, or nil at the end. A cursor made by
// sliceCursor passes documents already in memory instead.
type sortedCursor[T any] struct {
	cur  *mongo.Cursor
	name string
	item *T
	rest []*T
}

// newSortedCursor opens a cursor over coll in _id order and reads the
// first document.
func newSortedCursor[T any](ctx context.Context, coll *mongo.Collection) (*sortedCursor[T], error) {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	c := &sortedCursor[T]{cur: cur, name: coll.Name()}
	if err := c.advance(ctx); err != nil {
		closeCursor(ctx, cur)
		return nil, err
	}
	return c, nil
}

// sliceCursor returns a cursor that passes items, which are sorted.
func sliceCursor[T any](items []*T) *sortedCursor[T] {
	c := &sortedCursor[T]{rest: items}
	_ = c.advance(context.Background())
	return c
}

// advance reads the next document, leaving item nil at the end.
func (c *sortedCursor[T]) advance(ctx context.Context) error {
	c.item = nil
	if c.cur == nil {
		if len(c.rest) > 0 {
			c.item, c.rest = c.rest[0], c.rest[1:]
		}
		return nil
	}
	if !c.cur.Next(ctx) {
		if err := c.cur.Err(); err != nil {
			return fmt.Errorf("read %s: %w", c.name, err)
		}
		return nil
	}
	v := new(T)
	if err := c.cur.Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", c.name, err)
	}
	c.item = v
	return nil
}

func (c *sortedCursor[T]) close(ctx context.Context) {
	if c.cur != nil {
		closeCursor(ctx, c.cur)
	}
}
