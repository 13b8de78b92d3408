package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
)

// scanCounts adds up what the handler did with the messages of a scan.
type scanCounts struct {
	fetched, processed, quarantined, truncated int
}

func (c *scanCounts) add(other scanCounts) {
	c.fetched += other.fetched
	c.processed += other.processed
	c.quarantined += other.quarantined
	c.truncated += other.truncated
}

func (c scanCounts) handled() int { return c.processed + c.quarantined }

// scan hands the unprocessed messages to the handler in batches and
// marks them. A full scan looks at the whole mailbox, an incremental one
// only above the highest UID seen. When ctx is cancelled it stops before
// the next batch and returns nil.
func (w *Watcher) scan(ctx context.Context, s *imapSession, full bool) error {
	start := time.Now()
	above := s.seenUID
	if full {
		above = 0
	}
	uids, large, err := w.searchUnprocessed(s, above)
	if err != nil {
		return fmt.Errorf("scan %s: %w", w.cfg.Mailbox, err)
	}

	var big imap.UIDSet
	if len(uids) > 0 {
		if big, err = w.searchBig(s, above); err != nil {
			return fmt.Errorf("scan %s: %w", w.cfg.Mailbox, err)
		}
	}

	var total scanCounts
	for _, batch := range batches(uids, big, w.cfg.BatchSize) {
		if ctx.Err() != nil {
			return nil
		}
		counts, err := w.processBatch(ctx, s, batch, large)
		if err != nil {
			return fmt.Errorf("scan %s: %w", w.cfg.Mailbox, err)
		}
		total.add(counts)
	}

	if full {
		s.lastFullScan = time.Now()
	}
	w.finishScan(time.Since(start), total, full)
	return nil
}

// processBatch fetches uids, hands them to the handler and marks them by
// its verdicts. Once the fetch has started, it finishes the batch even
// when ctx is cancelled, because the handler and the state store get a
// context that shutdown does not cancel.
func (w *Watcher) processBatch(ctx context.Context, s *imapSession, uids []imap.UID, large imap.UIDSet) (scanCounts, error) {
	batch, err := w.fetchBatch(s, uids, large)
	if err != nil {
		return scanCounts{}, err
	}
	s.seenUID = max(s.seenUID, uint32(uids[len(uids)-1]))
	if len(batch) == 0 {
		return scanCounts{}, nil
	}

	ctx = context.WithoutCancel(ctx)
	verdicts, err := w.handler.HandleBatch(ctx, batch)
	if err != nil {
		return scanCounts{}, fmt.Errorf("handle uids %d-%d: %w", batch[0].UID, batch[len(batch)-1].UID, err)
	}

	plan := planMarks(batch, verdicts)
	if len(plan.unknown) > 0 {
		w.log.Warn("imap handler returned verdicts for uids not in the batch", "imap_uids", plan.unknown)
	}
	if err := w.applyMarks(s, plan); err != nil {
		return scanCounts{}, err
	}
	if err := w.saveProgress(ctx, s, plan.highest); err != nil {
		return scanCounts{}, err
	}

	counts := plan.counts(batch)
	w.log.Debug("imap batch handled", "first_uid", batch[0].UID, "last_uid", batch[len(batch)-1].UID,
		"fetched", counts.fetched, "processed", counts.processed, "quarantined", counts.quarantined, "truncated", counts.truncated)
	return counts, nil
}

// markPlan is the set of marks to apply to a batch after the handler
// returned.
type markPlan struct {
	processed, quarantined imap.UIDSet
	// unknown lists verdict UIDs that were not in the batch.
	unknown []uint32
	// highest is the highest UID with a verdict, or 0.
	highest uint32
}

// planMarks sorts the batch by verdict. A UID with several verdicts is
// quarantined when any of them sets Quarantine. A UID without a verdict
// is left out.
func planMarks(batch []Fetched, verdicts []Verdict) markPlan {
	inBatch := make(map[uint32]bool, len(batch))
	for _, f := range batch {
		inBatch[f.UID] = true
	}

	var plan markPlan
	quarantine := make(map[uint32]bool, len(verdicts))
	for _, v := range verdicts {
		if !inBatch[v.UID] {
			plan.unknown = append(plan.unknown, v.UID)
			continue
		}
		quarantine[v.UID] = quarantine[v.UID] || v.Quarantine
	}

	for _, f := range batch {
		q, ok := quarantine[f.UID]
		switch {
		case !ok:
			continue
		case q:
			plan.quarantined.AddNum(imap.UID(f.UID))
		default:
			plan.processed.AddNum(imap.UID(f.UID))
		}
		plan.highest = max(plan.highest, f.UID)
	}
	return plan
}

func (p markPlan) counts(batch []Fetched) scanCounts {
	c := scanCounts{fetched: len(batch)}
	for _, f := range batch {
		if f.Truncated {
			c.truncated++
		}
	}
	if uids, ok := p.processed.Nums(); ok {
		c.processed = len(uids)
	}
	if uids, ok := p.quarantined.Nums(); ok {
		c.quarantined = len(uids)
	}
	return c
}

func (w *Watcher) applyMarks(s *imapSession, plan markPlan) error {
	if err := w.markProcessed(s, plan.processed); err != nil {
		return err
	}
	if len(plan.quarantined) == 0 {
		return nil
	}
	return moveMessages(s, plan.quarantined, w.cfg.QuarantineFolder)
}

// saveProgress stores highest as the last UID handled when it is above
// the stored one.
func (w *Watcher) saveProgress(ctx context.Context, s *imapSession, highest uint32) error {
	if highest <= s.lastUID {
		return nil
	}
	if err := w.states.SaveMailboxState(ctx, w.cfg.Mailbox, s.uidValidity, highest); err != nil {
		return fmt.Errorf("save state of %s: %w", w.cfg.Mailbox, err)
	}
	s.lastUID = highest
	return nil
}

// finishScan records a completed scan in the status, the observer and,
// when it handled anything, the log.
func (w *Watcher) finishScan(d time.Duration, total scanCounts, full bool) {
	w.mu.Lock()
	w.status.LastPoll = time.Now()
	w.status.LastError = ""
	w.mu.Unlock()

	if w.observe != nil {
		w.observe(d, total.handled())
	}
	if total.fetched == 0 {
		return
	}
	w.log.Info("imap scan finished", "full", full, "fetched", total.fetched, "processed", total.processed,
		"quarantined", total.quarantined, "truncated", total.truncated, "duration", d)
}
