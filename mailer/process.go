package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/keluhan/keluhan/workflow"
)

// processNext claims one due row and takes it to its next state. Its
// result is outcomeIdle when nothing was due; it returns an error only
// when the queue failed.
func (w *Worker) processNext(ctx context.Context) (result, error) {
	out, err := w.queue.ClaimOutgoing(ctx, w.cfg.Owner, w.cfg.Now(), w.cfg.Lease)
	if errors.Is(err, workflow.ErrNotFound) {
		return result{}, nil
	}
	if err != nil {
		return result{}, fmt.Errorf("claim outgoing mail: %w", err)
	}

	// The claimed row's result is stored even after ctx is cancelled,
	// within the lease. Only the sender receives the cancellable ctx.
	rowCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Lease)
	defer cancel()
	return w.process(ctx, rowCtx, out)
}

// process sends one claimed row, or suppresses it, and records the
// result with rowCtx. sendCtx is the caller's context, handed to the
// sender so that a shutdown can stop a send that has not begun.
func (w *Worker) process(sendCtx, rowCtx context.Context, out *workflow.Outgoing) (result, error) {
	log := w.log.With("key", out.Key, "ticket", out.Ticket, "kind", out.Kind, "message_id", out.MessageID)

	if out.Capped {
		over, err := w.overCap(rowCtx, out)
		if err != nil {
			return result{}, err
		}
		if over {
			return w.suppress(rowCtx, out, log)
		}
	}

	attachments, err := w.loadAttachments(sendCtx, out)
	if err != nil {
		return w.handleSendError(sendCtx, rowCtx, out, log, err)
	}

	if err := w.sender.Send(sendCtx, out, attachments); err != nil {
		return w.handleSendError(sendCtx, rowCtx, out, log, err)
	}
	// Duplicate window: the server accepted the message but MarkSent is
	// not stored yet. A crash here sends the row again on the next claim
	// after its lease expires.
	if err := w.queue.MarkSent(rowCtx, out.Key, w.cfg.Owner, w.cfg.Now()); err != nil {
		return result{}, fmt.Errorf("mark %s sent: %w", out.Key, err)
	}

	log.Debug("outgoing mail sent", "attempt", out.Attempts)
	return result{outcome: outcomeSent}, nil
}

// overCap reports whether the recipient already received
// CapPerRecipient capped emails within CapWindow.
func (w *Worker) overCap(ctx context.Context, out *workflow.Outgoing) (bool, error) {
	since := w.cfg.Now().Add(-w.cfg.CapWindow)
	n, err := w.queue.CountAutomaticSent(ctx, out.To.Email, since)
	if err != nil {
		return false, fmt.Errorf("count automatic mail for %s: %w", out.Key, err)
	}
	return n >= w.cfg.CapPerRecipient, nil
}

func (w *Worker) suppress(ctx context.Context, out *workflow.Outgoing, log *slog.Logger) (result, error) {
	reason := fmt.Sprintf("per-recipient cap reached: %d automatic emails within %s", w.cfg.CapPerRecipient, w.cfg.CapWindow)
	if err := w.queue.MarkSuppressed(ctx, out.Key, w.cfg.Owner, reason); err != nil {
		return result{}, fmt.Errorf("mark %s suppressed: %w", out.Key, err)
	}

	log.Warn("outgoing mail suppressed by per-recipient cap", "cap", w.cfg.CapPerRecipient, "window", w.cfg.CapWindow)
	return result{outcome: outcomeSuppressed}, nil
}

// loadAttachments opens the row's attachments. A missing file or source
// is a permanent SendError, any other failure a temporary one.
func (w *Worker) loadAttachments(ctx context.Context, out *workflow.Outgoing) ([]Attachment, error) {
	if len(out.Attachments) == 0 {
		return nil, nil
	}
	if w.attachments == nil {
		return nil, &SendError{Err: errors.New("load attachments: no attachment source configured")}
	}

	attachments, err := w.attachments.Attachments(ctx, out.Attachments)
	if err != nil {
		temporary := !errors.Is(err, workflow.ErrNotFound)
		return nil, &SendError{Temporary: temporary, Err: fmt.Errorf("load attachments: %w", err)}
	}
	return attachments, nil
}

// handleSendError puts the row back for a retry with backoff, or fails it
// when the error is permanent or the row has used MaxAttempts.
func (w *Worker) handleSendError(sendCtx, rowCtx context.Context, out *workflow.Outgoing, log *slog.Logger, sendErr error) (result, error) {
	if sendCtx.Err() != nil && errors.Is(sendErr, context.Canceled) {
		return w.releaseOnShutdown(rowCtx, out, log, sendErr)
	}

	// A server that cannot be reached says nothing about the email, so
	// an outage never uses up a row's attempts: it waits for the server.
	outOfAttempts := out.Attempts >= w.cfg.MaxAttempts && !errors.Is(sendErr, ErrConnect)
	if !IsTemporary(sendErr) || outOfAttempts {
		reason := sendErr.Error()
		if IsTemporary(sendErr) {
			reason = fmt.Sprintf("gave up after %d attempts: %s", out.Attempts, reason)
		}
		if err := w.queue.MarkFailed(rowCtx, out.Key, w.cfg.Owner, reason); err != nil {
			return result{}, fmt.Errorf("mark %s failed: %w", out.Key, err)
		}
		log.Error("outgoing mail failed", "error", sendErr, "attempt", out.Attempts)
		if w.cfg.OnFailed != nil {
			w.cfg.OnFailed(rowCtx, out, reason)
		}
		return result{outcome: outcomeFailed, sendErr: sendErr}, nil
	}

	next := w.cfg.Now().Add(w.backoff(out.Attempts))
	if err := w.queue.MarkRetry(rowCtx, out.Key, w.cfg.Owner, next, sendErr.Error()); err != nil {
		return result{}, fmt.Errorf("mark %s for retry: %w", out.Key, err)
	}
	log.Warn("outgoing mail will be retried", "error", sendErr, "attempt", out.Attempts, "next_attempt", next)

	if errors.Is(sendErr, ErrConnect) {
		return result{outcome: outcomeServerDown, sendErr: sendErr}, nil
	}
	return result{outcome: outcomeRetry, sendErr: sendErr}, nil
}

// releaseOnShutdown puts back a row whose send was cancelled before it
// began, due at once, so that the next worker sends it without waiting.
func (w *Worker) releaseOnShutdown(ctx context.Context, out *workflow.Outgoing, log *slog.Logger, sendErr error) (result, error) {
	if err := w.queue.MarkRetry(ctx, out.Key, w.cfg.Owner, w.cfg.Now(), "shutdown before sending"); err != nil {
		return result{}, fmt.Errorf("mark %s for retry: %w", out.Key, err)
	}
	log.Debug("outgoing mail released on shutdown")
	return result{outcome: outcomeRetry, sendErr: sendErr}, nil
}
