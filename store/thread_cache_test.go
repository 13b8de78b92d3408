package store

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// TestThreadCacheAnswersLookups links threads before and after the cache
// loads and checks that lookups see both, keeping an ID's first ticket.
func TestThreadCacheAnswersLookups(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Config{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if st.threadMemo == nil {
		t.Fatal("owner Store has no thread cache")
	}
	before := []workflow.ThreadLink{{MessageID: "a@x", Ticket: "KLH-2026-000001"}, {MessageID: "b@x", Ticket: "KLH-2026-000002"}}
	if err := st.LinkThreads(ctx, before); err != nil {
		t.Fatal(err)
	}
	waitThreadCache(t, st)
	after := []workflow.ThreadLink{{MessageID: "c@x", Ticket: "KLH-2026-000003"}, {MessageID: "a@x", Ticket: "KLH-2026-000009"}}
	if err := st.LinkThreads(ctx, after); err != nil {
		t.Fatal(err)
	}
	got, err := st.TicketsByMessageID(ctx, []string{"a@x", "b@x", "c@x", "unknown@x"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a@x": "KLH-2026-000001", "b@x": "KLH-2026-000002", "c@x": "KLH-2026-000003"}
	for id, ticket := range want {
		if got[id] != ticket {
			t.Errorf("TicketsByMessageID(%s) = %q, want %q", id, got[id], ticket)
		}
	}
	if _, ok := got["unknown@x"]; ok {
		t.Errorf("TicketsByMessageID(unknown) found %q", got["unknown@x"])
	}
}

// A link that a client Store wrote first keeps its ticket in the owner's
// cache too, and a purge removes the purged tickets' links from it.
func TestThreadCacheKeepsStoredLinkAndForgetsPurged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	waitThreadCache(t, owner)
	mustNoErr(t, client.LinkThreads(ctx, []workflow.ThreadLink{{MessageID: "m1@x", Ticket: "KLH-2026-000001"}}))
	mustNoErr(t, owner.LinkThreads(ctx, []workflow.ThreadLink{{MessageID: "m1@x", Ticket: "KLH-2026-000002"}}))
	got, err := owner.TicketsByMessageID(ctx, []string{"m1@x"})
	if err != nil || got["m1@x"] != "KLH-2026-000001" {
		t.Errorf("TicketsByMessageID(m1@x) = %v, %v, want the first link KLH-2026-000001", got, err)
	}

	mustNoErr(t, owner.LinkThreads(ctx, []workflow.ThreadLink{{MessageID: "m2@x", Ticket: "KLH-2026-000003"}}))
	tk := ticket("KLH-2026-000003", "mid:m2@x", t0)
	tk.State, tk.ClosedAt = workflow.StateClosed, t0.Add(time.Hour)
	insertTickets(t, owner, tk)
	if _, err := owner.PurgeTickets(ctx, []string{tk.Number}, purgeNote); err != nil {
		t.Fatalf("PurgeTickets() error: %v", err)
	}
	got, err = owner.TicketsByMessageID(ctx, []string{"m2@x"})
	if err != nil || len(got) != 0 {
		t.Errorf("TicketsByMessageID(m2@x) after the purge = %v, %v, want no link", got, err)
	}
}

// waitThreadCache loads st's thread cache and waits until it is ready.
func waitThreadCache(t *testing.T, st *Store) {
	t.Helper()
	st.startThreadLoad()
	err := st.await(context.Background(), &st.threadMemo.load, func() bool {
		st.threadMemo.mu.RLock()
		defer st.threadMemo.mu.RUnlock()
		return st.threadMemo.ready
	}, st.loadThreads)
	if err != nil {
		t.Fatalf("load thread cache: %v", err)
	}
}
