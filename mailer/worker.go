package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// Queue is the outbox as the worker uses it. Every method that takes an
// owner changes the row only while that owner holds its lease.
type Queue interface {
	// ClaimOutgoing leases the next row due at now to owner for lease
	// and counts the attempt: the returned row's Attempts is 1 on its
	// first claim. It returns an error wrapping workflow.ErrNotFound when
	// nothing is due.
	ClaimOutgoing(ctx context.Context, owner string, now time.Time, lease time.Duration) (*workflow.Outgoing, error)
	MarkSent(ctx context.Context, key, owner string, at time.Time) error
	// MarkRetry releases the row to be claimed again at next.
	MarkRetry(ctx context.Context, key, owner string, next time.Time, reason string) error
	MarkFailed(ctx context.Context, key, owner string, reason string) error
	MarkSuppressed(ctx context.Context, key, owner string, reason string) error
	// CountAutomaticSent counts the capped rows sent to email since the
	// given time.
	CountAutomaticSent(ctx context.Context, email string, since time.Time) (int, error)
	// NextOutgoingAt returns when the next pending row is due, or the
	// zero time or an error wrapping workflow.ErrNotFound when none is
	// pending.
	NextOutgoingAt(ctx context.Context) (time.Time, error)
}

// Sender delivers one email. SMTPSender implements it. Send returns a
// *SendError, or any error IsTemporary accepts, when delivery failed. A
// cancelled ctx may stop it before the transaction starts, never in the
// middle of one, because the server might have accepted the message.
type Sender interface {
	Send(ctx context.Context, out *workflow.Outgoing, attachments []Attachment) error
}

// AttachmentSource opens the files an outbox row attaches. An error
// wrapping workflow.ErrNotFound fails the mail; any other is retried.
type AttachmentSource interface {
	Attachments(ctx context.Context, refs []workflow.AttachmentRef) ([]Attachment, error)
}

// WorkerConfig configures a Worker; zero fields take the defaults shown.
type WorkerConfig struct {
	// Owner names this worker in leases; default "mailer-" and a random
	// hex suffix.
	Owner string
	// Lease is how long a claimed row stays with this worker (2m). It
	// also bounds the time spent on one row after shutdown begins.
	Lease time.Duration
	// Poll is the longest wait between looks at the queue (5s).
	Poll time.Duration
	// BaseBackoff and MaxBackoff bound the wait before a retry (30s and
	// 1h): the ceiling doubles with each attempt, and the wait is drawn
	// at random below it.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxAttempts is how many attempts a row gets before it fails (12).
	MaxAttempts int
	// CapPerRecipient is how many capped emails one address may receive
	// within CapWindow (10 in 24h); more are suppressed.
	CapPerRecipient int
	CapWindow       time.Duration
	// Now returns the current time (time.Now).
	Now func() time.Time
	// OnFailed, when set, is called after a row is marked failed, so that
	// the procedure can record the failed delivery on its ticket. It runs
	// on the worker's goroutine and should return quickly.
	OnFailed func(ctx context.Context, out *workflow.Outgoing, reason string)
}

// Worker sends the outbox: it claims due rows, sends them, and records
// the result. Run and Drain may run at the same time in several
// processes; leases keep a row with one worker at a time.
type Worker struct {
	cfg         WorkerConfig
	queue       Queue
	sender      Sender
	attachments AttachmentSource
	log         *slog.Logger
	wake        chan struct{}
}

// outcome is the state one claimed row reached, or outcomeIdle when no
// row was due.
type outcome int

// result is the outcome of one row and, for a row put back or failed,
// the send error.
type result struct {
	outcome outcome
	sendErr error
}

const (
	outcomeIdle outcome = iota
	outcomeSent
	outcomeSuppressed
	outcomeRetry
	// outcomeServerDown is a retry because the SMTP server could not be
	// reached, which every other row would meet too.
	outcomeServerDown
	outcomeFailed
)

// NewWorker returns a worker with cfg's defaults filled in. att may be
// nil when no row carries attachments; such a row then fails. A nil log
// discards log output.
func NewWorker(cfg WorkerConfig, q Queue, s Sender, att AttachmentSource, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Worker{
		cfg:         cfg,
		queue:       q,
		sender:      s,
		attachments: att,
		log:         log.With("owner", cfg.Owner),
		wake:        make(chan struct{}, 1),
	}
}

func (cfg WorkerConfig) withDefaults() WorkerConfig {
	if cfg.Owner == "" {
		cfg.Owner = "mailer-" + randomSuffix()
	}
	cfg.Lease = orDefault(cfg.Lease, 2*time.Minute)
	cfg.Poll = orDefault(cfg.Poll, 5*time.Second)
	cfg.BaseBackoff = orDefault(cfg.BaseBackoff, 30*time.Second)
	cfg.MaxBackoff = max(orDefault(cfg.MaxBackoff, time.Hour), cfg.BaseBackoff)
	cfg.CapWindow = orDefault(cfg.CapWindow, 24*time.Hour)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.CapPerRecipient <= 0 {
		cfg.CapPerRecipient = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func randomSuffix() string {
	b := make([]byte, 4)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Wake makes a waiting Run look at the queue now, as after a row was
// queued. It does not block: a wake-up already pending absorbs it.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due rows until ctx is cancelled, then finishes the row in
// hand and returns nil. Queue errors are logged and retried with
// backoff; after a connection failure it waits before the next row.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("outbox worker started")
	defer w.log.Info("outbox worker stopped")

	var queueFailures, serverFailures int
	for ctx.Err() == nil {
		res, err := w.processNext(ctx)
		if err != nil && ctx.Err() != nil {
			// The queue call was cut short by the shutdown.
			break
		}
		if err != nil {
			queueFailures++
			w.log.Error("outbox queue failed", "error", err, "failures", queueFailures)
			w.sleep(ctx, w.backoff(queueFailures))
			continue
		}
		queueFailures = 0

		switch res.outcome {
		case outcomeIdle:
			w.sleep(ctx, w.idleWait(ctx))
		case outcomeServerDown:
			serverFailures++
			w.sleep(ctx, w.backoff(serverFailures))
		default:
			serverFailures = 0
		}
	}
	return nil
}

// Drain sends every row due now and returns when none is left. It
// returns an error early when the queue fails, when ctx is cancelled, or
// when the SMTP server cannot be reached. In the last case the row in
// hand is first put back for a retry.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("drain outbox: %w", err)
		}

		res, err := w.processNext(ctx)
		if err != nil {
			return fmt.Errorf("drain outbox: %w", err)
		}
		switch res.outcome {
		case outcomeIdle:
			return nil
		case outcomeServerDown:
			return fmt.Errorf("drain outbox: %w", res.sendErr)
		}
	}
}

// sleep waits for d, a Wake or the end of ctx.
func (w *Worker) sleep(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-timer.C:
	}
}

// idleWait is how long to wait when nothing is due: until the next row
// is due, but at most Poll, since other processes queue rows too. A row
// that is due but was not claimable is leased elsewhere, so that case
// waits Poll.
func (w *Worker) idleWait(ctx context.Context) time.Duration {
	if ctx.Err() != nil {
		return 0
	}

	next, err := w.queue.NextOutgoingAt(ctx)
	if err != nil && !errors.Is(err, workflow.ErrNotFound) {
		w.log.Warn("read next outgoing time failed", "error", err)
		return w.cfg.Poll
	}
	if err != nil || next.IsZero() {
		return w.cfg.Poll
	}

	wait := next.Sub(w.cfg.Now())
	if wait <= 0 || wait > w.cfg.Poll {
		return w.cfg.Poll
	}
	return wait
}

// backoff draws the wait before retry number attempt (from 1) with full
// jitter: uniformly between zero and a ceiling that starts at
// BaseBackoff, doubles per attempt, and stops at MaxBackoff.
func (w *Worker) backoff(attempt int) time.Duration {
	ceiling := w.cfg.BaseBackoff
	for i := 1; i < attempt && ceiling < w.cfg.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, w.cfg.MaxBackoff)
	return time.Duration(mathrand.Int64N(int64(ceiling) + 1))
}
