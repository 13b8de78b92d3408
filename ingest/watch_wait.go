package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errConnectionClosed reports that the server or the network closed the
// connection while the watcher waited.
var errConnectionClosed = errors.New("connection closed")

// idleEnd is the reason one IDLE command ended.
type idleEnd int

const (
	idleNewMail idleEnd = iota
	idleRescan
	idleRestart
	idleCancelled
	idleClosed
)

// wait blocks until the next scan is due and reports whether it must be
// a full one. It returns early, with a nil error, when ctx is cancelled.
func (w *Watcher) wait(ctx context.Context, s *imapSession) (bool, error) {
	if w.useIdle(s) {
		return w.waitIdle(ctx, s)
	}
	return true, w.waitPoll(ctx, s)
}

// waitPoll sleeps PollInterval and sends NOOP, which keeps the connection
// alive and finds out whether it still works.
func (w *Watcher) waitPoll(ctx context.Context, s *imapSession) error {
	if !sleepContext(ctx, w.cfg.PollInterval) {
		return nil
	}
	if err := s.client.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	return nil
}

// waitIdle runs IDLE until the server reports new mail, a full rescan is
// due or ctx is cancelled, restarting it every IdleRestart. New mail
// leads to an incremental scan.
func (w *Watcher) waitIdle(ctx context.Context, s *imapSession) (bool, error) {
	for {
		rescanIn := w.cfg.RescanInterval - time.Since(s.lastFullScan)
		if rescanIn <= 0 {
			return true, nil
		}

		end, err := w.idleOnce(ctx, s, rescanIn)
		if err != nil {
			return false, err
		}
		switch end {
		case idleRestart:
			w.log.Debug("imap idle restarted")
		case idleRescan:
			return true, nil
		default:
			return false, nil
		}
	}
}

// idleOnce runs one IDLE command and stops it with DONE.
//
// NOTE: imapclient (v2.0.0-beta.8) also restarts IDLE by itself every 28
// minutes. IdleRestart is below that, so its own timer never fires here.
func (w *Watcher) idleOnce(ctx context.Context, s *imapSession, rescanIn time.Duration) (idleEnd, error) {
	cmd, err := s.client.Idle()
	if err != nil {
		return 0, fmt.Errorf("idle: %w", err)
	}

	end := w.awaitIdleEnd(ctx, s, rescanIn)
	if end == idleClosed {
		return 0, fmt.Errorf("idle: %w", errConnectionClosed)
	}
	if err := cmd.Close(); err != nil {
		return 0, fmt.Errorf("stop idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("stop idle: %w", err)
	}
	return end, nil
}

func (w *Watcher) awaitIdleEnd(ctx context.Context, s *imapSession, rescanIn time.Duration) idleEnd {
	restart := time.NewTimer(w.cfg.IdleRestart)
	defer restart.Stop()
	rescan := time.NewTimer(rescanIn)
	defer rescan.Stop()

	select {
	case <-ctx.Done():
		return idleCancelled
	case <-s.exists:
		return idleNewMail
	case <-rescan.C:
		return idleRescan
	case <-restart.C:
		return idleRestart
	case <-s.client.Closed():
		return idleClosed
	}
}
