package store

import (
	"context"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// closedTicketWithRow stores a closed ticket and claims its one outbox
// row, which the caller then settles.
func closedTicketWithRow(t *testing.T, s *crashStore) (*workflow.Ticket, *workflow.Outgoing) {
	t.Helper()
	ctx := context.Background()
	tk := ticket("KLH-2026-000001", "mid:a1@x", t0)
	tk.State, tk.ClosedAt = workflow.StateClosed, t0.Add(time.Hour)
	insertTickets(t, s.Store, tk)
	o := outgoing("out-a", t0)
	o.Ticket = tk.Number
	mustNoErr(t, s.Enqueue(ctx, []workflow.Outgoing{o}))
	row, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Hour), time.Minute)
	if err != nil {
		t.Fatalf("ClaimOutgoing() error: %v", err)
	}
	return tk, row
}

// A retry of a failed row that compaction had folded into the outbox is
// pending only in memory and in the log. The purge must still see it and
// skip the ticket, or the queued mail would be deleted unsent.
func TestPurgeSkipsRowRetriedInLog(t *testing.T) {
	ctx := context.Background()
	s := openCrashable(t, t.TempDir())
	tk, row := closedTicketWithRow(t, s)
	mustNoErr(t, s.MarkFailed(ctx, row.Key, "w", "550 no"))
	settle(t, s.Store)
	if n, err := s.RetryOutgoing(ctx, row.Key, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("RetryOutgoing() = %d, %v, want 1", n, err)
	}
	stats, err := s.PurgeTickets(ctx, []string{tk.Number}, purgeNote)
	if err != nil {
		t.Fatalf("PurgeTickets() error: %v", err)
	}
	rows, _ := s.ListOutgoing(ctx, OutboxFilter{})
	if stats.Tickets != 0 || len(rows) != 1 || rows[0].Status != workflow.OutboxPending {
		t.Errorf("PurgeTickets() = %+v with %d rows left, want the ticket skipped and its row pending", stats, len(rows))
	}
}

// A row sent but not yet folded into the outbox does not hold the purge
// back.
func TestPurgeSeesSentRowInLog(t *testing.T) {
	ctx := context.Background()
	s := openCrashable(t, t.TempDir())
	tk, row := closedTicketWithRow(t, s)
	mustNoErr(t, s.MarkSent(ctx, row.Key, "w", t0.Add(time.Hour)))
	stats, err := s.PurgeTickets(ctx, []string{tk.Number}, purgeNote)
	if err != nil || stats.Tickets != 1 {
		t.Errorf("PurgeTickets() = %+v, %v, want the ticket purged, its only mail is sent", stats, err)
	}
}
