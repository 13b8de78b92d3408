package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
)

// fussyProcessor fails every batch that holds a message whose subject
// says "BOOM", as a bug in later code would, and panics for "PANIC".
type fussyProcessor struct{ calls int }

func (f *fussyProcessor) Process(_ context.Context, in []*ingest.Inbound) ([]ingest.Outcome, error) {
	f.calls++
	out := make([]ingest.Outcome, len(in))
	for i, m := range in {
		if m.Quarantine != "" {
			out[i] = ingest.Outcome{Key: m.Msg.Key, Disposition: ingest.DispositionQuarantined, Reason: m.Quarantine}
			continue
		}
		switch {
		case strings.Contains(m.Msg.Subject, "BOOM"):
			return nil, fmt.Errorf("cannot handle %s", m.Msg.Key)
		case strings.Contains(m.Msg.Subject, "PANIC"):
			panic("unexpected shape")
		}
		out[i] = ingest.Outcome{Key: m.Msg.Key, Disposition: ingest.DispositionDone, Ticket: "T-" + m.Msg.MessageID}
	}
	return out, nil
}

func testMessage(id, subject string) ingest.Fetched {
	raw := fmt.Sprintf("From: a@example.com\r\nTo: helpdesk@layanan.example.go.id\r\nSubject: %s\r\nMessage-ID: <%s@example.com>\r\nDate: Fri, 4 Dec 2026 10:00:00 +0700\r\n\r\nIsi.\r\n", subject, id)
	return ingest.Fetched{UID: uint32(len(id)), Raw: []byte(raw), Size: int64(len(raw))}
}

// TestPoisonMessageQuarantined checks that a message the processor keeps
// failing on, or panicking on, is quarantined after a few tries while
// the rest of its batch goes through.
func TestPoisonMessageQuarantined(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	proc := &fussyProcessor{}
	p := ingest.NewPipeline(ingest.PipelineConfig{}, st, proc, log, time.Now)
	batch := []ingest.Fetched{testMessage("a", "biasa"), testMessage("bb", "BOOM"), testMessage("ccc", "PANIC"), testMessage("dddd", "biasa juga")}
	for i := range batch {
		batch[i].UID = uint32(i + 1)
	}

	var verdicts []ingest.Verdict
	for attempt := 1; ; attempt++ {
		verdicts, err = p.HandleBatch(ctx, batch)
		if err == nil {
			break
		}
		if attempt > 5 {
			t.Fatalf("HandleBatch still failing after %d attempts: %v", attempt, err)
		}
	}
	want := []bool{false, true, true, false}
	for i, v := range verdicts {
		if v.Quarantine != want[i] {
			t.Errorf("message %d quarantined = %v, want %v", i+1, v.Quarantine, want[i])
		}
	}
	doc, err := st.Message(ctx, "mid:bb@example.com")
	if err != nil || doc.Status != store.MessageQuarantined || !strings.Contains(doc.Reason, "cannot handle") {
		t.Errorf("poison message stored as %+v, %v; want quarantined with the error", doc, err)
	}
}

// downProcessor fails every batch, as a store that is down would.
type downProcessor struct{}

func (downProcessor) Process(context.Context, []*ingest.Inbound) ([]ingest.Outcome, error) {
	return nil, fmt.Errorf("connection refused")
}

// TestOutageQuarantinesNothing checks that when every message fails, as
// during a store outage, none is quarantined however often it is tried.
func TestOutageQuarantinesNothing(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	p := ingest.NewPipeline(ingest.PipelineConfig{}, st, downProcessor{}, log, time.Now)
	batch := []ingest.Fetched{testMessage("e", "biasa"), testMessage("ff", "biasa juga")}
	batch[0].UID, batch[1].UID = 1, 2
	for attempt := 1; attempt <= 6; attempt++ {
		verdicts, err := p.HandleBatch(ctx, batch)
		if err == nil {
			t.Fatalf("attempt %d: HandleBatch = %v, want an error while the store is down", attempt, verdicts)
		}
	}
}
