package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// connect dials, logs in, creates the folders it needs, selects the
// mailbox and loads the stored state. Cancelling ctx aborts it.
func (w *Watcher) connect(ctx context.Context) (*imapSession, error) {
	s := &imapSession{exists: make(chan struct{}, 1)}
	c, err := w.dial(ctx, s.exists)
	if err != nil {
		return nil, err
	}
	s.client = c

	// Until the session is ready, cancelling ctx closes the connection so
	// that a stuck command returns.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	err = w.prepare(ctx, s)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		_ = c.Close() // the setup error is the one worth returning
		return nil, preferContextErr(ctx, err)
	}

	w.setConnected(true, w.useIdle(s))
	w.log.Info("imap connected", "uidvalidity", s.uidValidity, "last_uid", s.lastUID, "idle", w.useIdle(s))
	return s, nil
}

func (w *Watcher) prepare(ctx context.Context, s *imapSession) error {
	if err := w.login(ctx, s.client); err != nil {
		return err
	}
	// The client requests CAPABILITY again after login, because servers
	// such as Dovecot list UIDPLUS and MOVE only to a logged-in client.
	s.caps = s.client.Caps()

	if err := w.ensureFolders(s); err != nil {
		return err
	}
	if err := w.selectMailbox(s); err != nil {
		return err
	}
	return w.loadState(ctx, s)
}

// ensureFolders creates the quarantine folder and the processed folder,
// when one is configured, if they are missing.
func (w *Watcher) ensureFolders(s *imapSession) error {
	folders := []string{w.cfg.QuarantineFolder}
	if w.cfg.ProcessedFolder != "" {
		folders = append(folders, w.cfg.ProcessedFolder)
	}
	for _, name := range folders {
		if err := w.ensureFolder(s, name); err != nil {
			return err
		}
	}
	return nil
}

// ensureFolder creates the folder name unless LIST shows it exists, and
// subscribes to it so that mail clients show it.
func (w *Watcher) ensureFolder(s *imapSession, name string) error {
	found, err := s.client.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if hasSelectable(found) {
		return nil
	}

	if err := s.client.Create(name, nil).Wait(); err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists {
			return nil // another client created it since LIST
		}
		return fmt.Errorf("create %s: %w", name, err)
	}
	w.log.Info("imap folder created", "folder", name)

	if err := s.client.Subscribe(name).Wait(); err != nil {
		w.log.Warn("imap folder not subscribed, so mail clients may hide it", "folder", name, "error", err)
	}
	return nil
}

func (w *Watcher) selectMailbox(s *imapSession) error {
	data, err := s.client.Select(w.cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", w.cfg.Mailbox, err)
	}
	if data.UIDValidity == 0 {
		return fmt.Errorf("select %s: server sent no UIDVALIDITY", w.cfg.Mailbox)
	}
	if w.cfg.ProcessedFolder == "" && !acceptsKeyword(data.PermanentFlags, w.cfg.ProcessedFlag) {
		return fmt.Errorf("select %s: mailbox cannot store keyword %s permanently, set processed_folder instead", w.cfg.Mailbox, w.cfg.ProcessedFlag)
	}
	s.uidValidity = data.UIDValidity
	return nil
}

// loadState reads the stored UIDVALIDITY and last UID. When the stored
// UIDVALIDITY differs, the old UIDs mean nothing any more, so the state
// starts again from zero. The full scan that follows then hands every
// message over again, and the store deduplicates them by Message-ID.
func (w *Watcher) loadState(ctx context.Context, s *imapSession) error {
	validity, lastUID, err := w.states.MailboxState(ctx, w.cfg.Mailbox)
	if err != nil {
		return fmt.Errorf("load state of %s: %w", w.cfg.Mailbox, err)
	}
	if validity == s.uidValidity {
		s.lastUID = lastUID
		s.seenUID = lastUID
		return nil
	}

	if validity != 0 {
		w.log.Warn("imap uidvalidity changed, rescanning the whole mailbox",
			"old_uidvalidity", validity, "uidvalidity", s.uidValidity, "old_last_uid", lastUID)
	}
	if err := w.states.SaveMailboxState(ctx, w.cfg.Mailbox, s.uidValidity, 0); err != nil {
		return fmt.Errorf("save state of %s: %w", w.cfg.Mailbox, err)
	}
	return nil
}

// disconnect logs out when the session ended cleanly and closes the
// connection.
func (w *Watcher) disconnect(s *imapSession, clean bool) {
	w.setConnected(false, false)
	if clean {
		if err := s.client.Logout().Wait(); err != nil {
			w.log.Debug("imap logout failed", "error", err)
		}
	}
	// The session is over either way, so a close error changes nothing.
	_ = s.client.Close()
}
