package store

import (
	"context"
	"sync"
)

// backgroundLoad runs a long read, such as building the ticket index,
// in a goroutine of the Store. A caller whose context ends stops waiting
// but does not cancel the read, so that a short-lived caller, such as a
// metrics scrape with a timeout, cannot keep the read from ever
// finishing. Close cancels a running read and waits for it.
type backgroundLoad struct {
	mu sync.Mutex
	// done is closed when the running read ends; nil when none runs.
	done chan struct{}
	// err is the error of the last read, nil after a success.
	err error
}

// await returns once ready reports true, starting load in the
// background when no read runs, or with the error of the read, or with
// ctx's error when ctx ends first.
func (s *Store) await(ctx context.Context, l *backgroundLoad, ready func() bool, load func(context.Context) error) error {
	for !ready() {
		done := s.startLoad(l, load)
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.mu.Lock()
		err := l.err
		l.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// startLoad starts load unless a read runs already, and returns the
// channel closed when the running read ends.
func (s *Store) startLoad(l *backgroundLoad, load func(context.Context) error) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done != nil {
		return l.done
	}
	done := make(chan struct{})
	l.done = done
	s.loads.Add(1)
	go func() {
		defer s.loads.Done()
		err := load(s.life)
		l.mu.Lock()
		l.err, l.done = err, nil
		l.mu.Unlock()
		close(done)
	}()
	return done
}
