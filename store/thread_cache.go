package store

import (
	"context"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// threadCache holds every thread link in the owner's memory, because on
// FerretDB each lookup of a Message-ID reads the whole threads
// collection, which grows by a few links per message. It is loaded once
// in the background. Until then, and for IDs it does not contain (links
// a client Store wrote), lookups read the collection as before.
type threadCache struct {
	load backgroundLoad

	mu    sync.RWMutex
	ready bool
	byID  map[string]string
	// early holds links written while the load runs, applied on top.
	early map[string]string
}

func newThreadCache() *threadCache {
	return &threadCache{early: map[string]string{}}
}

// add records links this Store wrote. An ID keeps its first ticket, as
// the collection's unique _id does.
func (c *threadCache) add(docs []threadDoc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.early
	if c.ready {
		target = c.byID
	}
	for _, d := range docs {
		if _, ok := target[d.MessageID]; !ok {
			target[d.MessageID] = d.Ticket
		}
	}
}

// dropTickets removes the links to tickets, as a purge needs.
func (c *threadCache) dropTickets(tickets []string) {
	purged := make(map[string]bool, len(tickets))
	for _, t := range tickets {
		purged[t] = true
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range []map[string]string{c.byID, c.early} {
		for id, t := range m {
			if purged[t] {
				delete(m, id)
			}
		}
	}
}

// lookup returns the tickets of the IDs the cache holds and the IDs it
// does not, or ok false while it is not loaded.
func (c *threadCache) lookup(ids []string) (found map[string]string, missing []string, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready {
		return nil, nil, false
	}
	found = map[string]string{}
	for _, id := range ids {
		if t, hit := c.byID[id]; hit {
			found[id] = t
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing, true
}

// startThreadLoad loads the cache in the background, once.
func (s *Store) startThreadLoad() {
	if s.threadMemo == nil {
		return
	}
	s.startLoad(&s.threadMemo.load, s.loadThreads)
}

// loadThreads reads every link once and installs the cache.
func (s *Store) loadThreads(ctx context.Context) error {
	c := s.threadMemo
	c.mu.RLock()
	done := c.ready
	c.mu.RUnlock()
	if done {
		return nil
	}
	cur, err := s.threads.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "ticket", Value: 1}}))
	if err != nil {
		return fmt.Errorf("load thread links: %w", err)
	}
	defer closeCursor(ctx, cur)
	byID := map[string]string{}
	for cur.Next(ctx) {
		var d threadDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("load thread links: %w", err)
		}
		byID[d.MessageID] = d.Ticket
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("load thread links: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, t := range c.early {
		if _, ok := byID[id]; !ok {
			byID[id] = t
		}
	}
	c.byID, c.early, c.ready = byID, nil, true
	return nil
}
