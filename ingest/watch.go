package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Watcher keeps one IMAP connection to a mailbox, hands every
// unprocessed message to a BatchHandler and marks it once the handler has
// stored it. It waits with IDLE when the server offers it and polls
// otherwise, and reconnects with backoff after any error.
type Watcher struct {
	cfg     IMAPConfig
	tls     *tls.Config
	handler BatchHandler
	states  MailboxStates
	log     *slog.Logger
	observe func(d time.Duration, n int)
	// randN returns a random number in [0, n). Tests replace it.
	randN func(n int64) int64
	// pollOnly makes the watcher poll even when the server offers IDLE,
	// so that tests against Dovecot reach the polling path.
	pollOnly bool
	running  atomic.Bool

	mu     sync.Mutex
	status WatchStatus
}

// WatchStatus is a snapshot of a Watcher's state.
type WatchStatus struct {
	// Connected is true while a session is logged in with the mailbox
	// selected.
	Connected bool
	// LastPoll is when the last scan finished without error, or zero.
	LastPoll time.Time
	// LastError is the error that ended the last session. The next
	// successful scan clears it.
	LastError string
	// IDLE is true when the current connection waits with IDLE instead
	// of polling.
	IDLE bool
}

// NewWatcher checks cfg, fills its defaults and loads CAFile. Errors
// about cfg wrap ErrInvalidConfig. A nil log discards the logs.
func NewWatcher(cfg IMAPConfig, h BatchHandler, states MailboxStates, log *slog.Logger) (*Watcher, error) {
	if h == nil || states == nil {
		return nil, errors.New("new watcher: handler and mailbox states are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tlsConf, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}

	log = log.With("mailbox", cfg.Mailbox, "imap_addr", cfg.Addr)
	if cfg.TLS == TLSNone && !isLoopbackHost(cfg.Addr) {
		log.Warn("imap connection is not encrypted, so credentials and mail cross the network in clear text", "tls", cfg.TLS)
	}
	if cfg.Insecure && cfg.TLS != TLSNone {
		log.Warn("imap certificate verification is off")
	}

	return &Watcher{
		cfg:     cfg,
		tls:     tlsConf,
		handler: h,
		states:  states,
		log:     log,
		randN:   rand.Int64N,
	}, nil
}

// SetPollObserver sets f to be called after each completed scan with its
// duration and the number of messages the handler returned a verdict
// for. Call it before Run. f runs on Run's goroutine.
func (w *Watcher) SetPollObserver(f func(d time.Duration, n int)) {
	w.observe = f
}

// Status returns a snapshot of the watcher's state. It is safe for
// concurrent use.
func (w *Watcher) Status() WatchStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Run watches the mailbox until ctx is cancelled, then finishes the batch
// in hand, logs out and returns nil. Errors do not end it. It logs them,
// closes the connection and reconnects after a backoff. It returns an
// error only when the Watcher is already running.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("watch mailbox: watcher is already running")
	}
	defer w.running.Store(false)

	attempt := 0
	for {
		err := w.runSession(ctx, func() { attempt = 0 })
		if ctx.Err() != nil {
			if err != nil && !errors.Is(err, ctx.Err()) {
				w.log.Warn("imap session failed during shutdown", "error", err)
			}
			return nil
		}

		w.recordError(err)
		attempt++
		delay := backoffDelay(attempt, w.cfg.MinBackoff, w.cfg.MaxBackoff, w.randN)
		w.log.Warn("imap session failed, reconnecting", "error", err, "attempt", attempt, "retry_in", delay)
		if !sleepContext(ctx, delay) {
			return nil
		}
	}
}

// runSession connects, then scans and waits in turn until ctx is
// cancelled or an error occurs. It calls scanned after each successful
// scan.
func (w *Watcher) runSession(ctx context.Context, scanned func()) (err error) {
	s, err := w.connect(ctx)
	if err != nil {
		return err
	}
	defer func() { w.disconnect(s, err == nil) }()

	full := true
	for ctx.Err() == nil {
		if err := w.scan(ctx, s, full); err != nil {
			return err
		}
		scanned()

		full, err = w.wait(ctx, s)
		if err != nil {
			return err
		}
	}
	return nil
}

// Check dials the server, logs in, requests the STATUS of the mailbox and
// logs out. It changes nothing on the server.
func (w *Watcher) Check(ctx context.Context) error {
	c, err := w.dial(ctx, nil)
	if err != nil {
		return fmt.Errorf("check imap: %w", err)
	}
	// Logout ends the session, so a close error adds nothing.
	defer func() { _ = c.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()

	if err := w.login(ctx, c); err != nil {
		return fmt.Errorf("check imap: %w", preferContextErr(ctx, err))
	}
	if _, err := c.Status(w.cfg.Mailbox, &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
		return fmt.Errorf("check imap: status %s: %w", w.cfg.Mailbox, preferContextErr(ctx, err))
	}
	if err := c.Logout().Wait(); err != nil {
		return fmt.Errorf("check imap: logout: %w", preferContextErr(ctx, err))
	}
	return nil
}

// preferContextErr returns the error of ctx when ctx is done, because a
// connection closed on cancellation fails with a less useful error, and
// err otherwise.
func preferContextErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

func (w *Watcher) recordError(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.LastError = err.Error()
}

// useIdle reports whether the session waits with IDLE.
func (w *Watcher) useIdle(s *imapSession) bool {
	return s.canIdle() && !w.pollOnly
}

func (w *Watcher) setConnected(connected, idle bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.Connected = connected
	w.status.IDLE = idle
}

// backoffDelay returns the wait before reconnect attempt number attempt,
// counting from 1. The wait is random between lo and a ceiling that
// starts at lo and doubles with each attempt up to hi ("full jitter"), so
// that many instances do not reconnect in step.
func backoffDelay(attempt int, lo, hi time.Duration, randN func(int64) int64) time.Duration {
	ceiling := lo
	for i := 1; i < attempt && ceiling < hi; i++ {
		if ceiling > hi/2 {
			ceiling = hi
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, hi)
	if ceiling <= lo {
		return lo
	}
	return lo + time.Duration(randN(int64(ceiling-lo)+1))
}

// sleepContext waits for d and reports whether it did so before ctx was
// cancelled.
func sleepContext(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
