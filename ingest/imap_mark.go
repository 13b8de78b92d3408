package ingest

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// markProcessed sets the processed keyword on uids with one UID STORE,
// or moves them to ProcessedFolder when one is configured.
func (w *Watcher) markProcessed(s *imapSession, uids imap.UIDSet) error {
	if len(uids) == 0 {
		return nil
	}
	if w.cfg.ProcessedFolder != "" {
		return moveMessages(s, uids, w.cfg.ProcessedFolder)
	}

	store := &imap.StoreFlags{
		Op:     imap.StoreFlagsAdd,
		Silent: true,
		Flags:  []imap.Flag{imap.Flag(w.cfg.ProcessedFlag)},
	}
	if err := s.client.Store(uids, store, nil).Close(); err != nil {
		return fmt.Errorf("uid store %s +flags %s: %w", uids, w.cfg.ProcessedFlag, err)
	}
	return nil
}

// moveMessages moves uids to dest with UID MOVE, or, on a server without
// MOVE, with UID COPY, UID STORE +FLAGS.SILENT (\Deleted) and
// UID EXPUNGE.
func moveMessages(s *imapSession, uids imap.UIDSet, dest string) error {
	if s.canMove() {
		if _, err := s.client.Move(uids, dest).Wait(); err != nil {
			return fmt.Errorf("uid move %s to %s: %w", uids, dest, err)
		}
		return nil
	}

	if _, err := s.client.Copy(uids, dest).Wait(); err != nil {
		return fmt.Errorf("uid copy %s to %s: %w", uids, dest, err)
	}
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := s.client.Store(uids, deleted, nil).Close(); err != nil {
		return fmt.Errorf("uid store %s +flags \\Deleted: %w", uids, err)
	}
	// NOTE: without UIDPLUS there is no UID EXPUNGE, and a plain EXPUNGE
	// would also remove messages that people marked \Deleted. The copied
	// messages stay behind marked \Deleted until a mail client expunges
	// the mailbox. Scans skip them.
	if !s.canUIDExpunge() {
		return nil
	}
	if err := s.client.UIDExpunge(uids).Close(); err != nil {
		return fmt.Errorf("uid expunge %s: %w", uids, err)
	}
	return nil
}
