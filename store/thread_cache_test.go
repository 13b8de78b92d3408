package store

import (
	"context"
	"log/slog"
	"testing"

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
	st.startThreadLoad()
	if err := st.await(ctx, &st.threadMemo.load, func() bool {
		st.threadMemo.mu.RLock()
		defer st.threadMemo.mu.RUnlock()
		return st.threadMemo.ready
	}, st.loadThreads); err != nil {
		t.Fatal(err)
	}
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
