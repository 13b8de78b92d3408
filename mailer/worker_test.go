package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/keluhan/keluhan/workflow"
)

var workerStart = time.Date(2026, time.December, 4, 14, 30, 0, 0, wib)

// newTestWorker returns a worker sending through a fresh test server.
func newTestWorker(t *testing.T, cfg WorkerConfig, q Queue, att AttachmentSource) (*Worker, *testServer, *testClock) {
	t.Helper()
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	clock := &testClock{now: workerStart}
	cfg.Owner = "test-worker"
	cfg.Now = clock.Now
	return NewWorker(cfg, q, sender, att, nil), ts, clock
}

// outgoingTo returns the sample row with its own key and message ID.
func outgoingTo(n int, email string) *workflow.Outgoing {
	out := sampleOutgoing()
	out.Key = fmt.Sprintf("ack:%03d", n)
	out.MessageID = fmt.Sprintf("klh.ack.%03d@layanan.example.go.id", n)
	out.To = workflow.Party{Email: email}
	return out
}

func messageIDs(t *testing.T, msgs []received) []string {
	t.Helper()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = parseReceived(t, m).Header.Get("Message-ID")
	}
	return ids
}

func TestWorkerRetriesTemporaryFailureOnce(t *testing.T) {
	out := outgoingTo(1, "siti.rahmawati@example.com")
	q := newMemQueue(out)
	w, ts, clock := newTestWorker(t, WorkerConfig{}, q, nil)

	ts.failNext("data", 451, smtp.EnhancedCode{4, 3, 0}, "try again later")
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("first Drain: %v", err)
	}

	row := q.row(out.Key)
	if row.Status != workflow.OutboxPending || row.Attempts != 1 {
		t.Fatalf("after a 451: status %s, attempts %d, want pending, 1", row.Status, row.Attempts)
	}
	if row.NextAttempt.Before(workerStart) || row.NextAttempt.After(workerStart.Add(30*time.Second)) {
		t.Errorf("after a 451: next attempt %v, want within 30s of %v", row.NextAttempt, workerStart)
	}
	if !strings.Contains(row.LastError, "451") {
		t.Errorf("after a 451: last error %q, want the SMTP reply", row.LastError)
	}
	if n := len(ts.Messages()); n != 0 {
		t.Fatalf("after a 451: server holds %d messages, want 0", n)
	}

	clock.Advance(time.Minute)
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("second Drain: %v", err)
	}
	clock.Advance(time.Hour)
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("third Drain: %v", err)
	}

	row = q.row(out.Key)
	if row.Status != workflow.OutboxSent || row.Attempts != 2 {
		t.Errorf("after the retry: status %s, attempts %d, want sent, 2", row.Status, row.Attempts)
	}
	ids := messageIDs(t, ts.Messages())
	if len(ids) != 1 || ids[0] != "<"+out.MessageID+">" {
		t.Errorf("server received Message-IDs %q, want exactly [<%s>]", ids, out.MessageID)
	}
}

func TestWorkerDoesNotRetryPermanentFailure(t *testing.T) {
	out := outgoingTo(1, "tidak.ada@example.com")
	q := newMemQueue(out)
	w, ts, clock := newTestWorker(t, WorkerConfig{}, q, nil)

	ts.failNext("rcpt", 550, smtp.EnhancedCode{5, 1, 1}, "user unknown")
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	clock.Advance(24 * time.Hour)
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("second Drain: %v", err)
	}

	row := q.row(out.Key)
	if row.Status != workflow.OutboxFailed || row.Attempts != 1 {
		t.Errorf("after a 550: status %s, attempts %d, want failed, 1", row.Status, row.Attempts)
	}
	if !strings.Contains(row.LastError, "550") {
		t.Errorf("after a 550: last error %q, want the SMTP reply", row.LastError)
	}
	if n := len(ts.Messages()); n != 0 {
		t.Errorf("server holds %d messages, want 0", n)
	}
}

func TestWorkerFailsAfterMaxAttempts(t *testing.T) {
	out := outgoingTo(1, "siti.rahmawati@example.com")
	q := newMemQueue(out)
	w, ts, clock := newTestWorker(t, WorkerConfig{MaxAttempts: 3}, q, nil)

	for attempt := 1; attempt <= 3; attempt++ {
		ts.failNext("data", 452, smtp.EnhancedCode{4, 2, 2}, "mailbox full")
		if err := w.Drain(t.Context()); err != nil {
			t.Fatalf("Drain for attempt %d: %v", attempt, err)
		}
		clock.Advance(2 * time.Hour)
	}

	row := q.row(out.Key)
	if row.Status != workflow.OutboxFailed || row.Attempts != 3 {
		t.Errorf("after 3 temporary failures: status %s, attempts %d, want failed, 3", row.Status, row.Attempts)
	}
	if !strings.HasPrefix(row.LastError, "gave up after 3 attempts") {
		t.Errorf("last error = %q, want it to start with %q", row.LastError, "gave up after 3 attempts")
	}
}

func TestWorkerCapSuppressesEleventhMail(t *testing.T) {
	q := newMemQueue()
	for i := 1; i <= 11; i++ {
		q.add(outgoingTo(i, "robot@example.net"))
	}
	uncapped := outgoingTo(12, "robot@example.net")
	uncapped.Capped = false
	q.add(uncapped)
	w, ts, _ := newTestWorker(t, WorkerConfig{}, q, nil)

	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	if got := q.row("ack:011").Status; got != workflow.OutboxSuppressed {
		t.Errorf("11th capped mail status = %s, want suppressed", got)
	}
	if got := q.row("ack:012").Status; got != workflow.OutboxSent {
		t.Errorf("uncapped mail status = %s, want sent", got)
	}
	if got := q.count(workflow.OutboxSent); got != 11 {
		t.Errorf("sent rows = %d, want 11", got)
	}
	if got := len(ts.Messages()); got != 11 {
		t.Errorf("server received %d messages, want 11", got)
	}
}

func TestWorkerCapWindowExpires(t *testing.T) {
	q := newMemQueue()
	for i := 1; i <= 10; i++ {
		q.add(outgoingTo(i, "robot@example.net"))
	}
	w, _, clock := newTestWorker(t, WorkerConfig{}, q, nil)
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	clock.Advance(24*time.Hour + time.Minute)
	q.add(outgoingTo(11, "robot@example.net"))
	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("Drain a day later: %v", err)
	}
	if got := q.row("ack:011").Status; got != workflow.OutboxSent {
		t.Errorf("capped mail a day later status = %s, want sent", got)
	}
}

func TestWorkerDrainStopsWhenServerDown(t *testing.T) {
	q := newMemQueue(outgoingTo(1, "a@example.com"), outgoingTo(2, "b@example.com"))
	w, ts, _ := newTestWorker(t, WorkerConfig{}, q, nil)
	ts.stop()

	err := w.Drain(t.Context())
	if !errors.Is(err, ErrConnect) {
		t.Fatalf("Drain() with the server down error = %v, want ErrConnect", err)
	}
	if row := q.row("ack:001"); row.Status != workflow.OutboxPending || row.Attempts != 1 {
		t.Errorf("first row: status %s, attempts %d, want pending, 1", row.Status, row.Attempts)
	}
	if row := q.row("ack:002"); row.Attempts != 0 {
		t.Errorf("second row attempts = %d, want 0: Drain stops at the first connection failure", row.Attempts)
	}
}

// fileSource serves attachments from a map and reports the others as
// missing.
type fileSource map[string]string

func (f fileSource) Attachments(_ context.Context, refs []workflow.AttachmentRef) ([]Attachment, error) {
	var out []Attachment
	for _, ref := range refs {
		content, ok := f[ref.BlobName]
		if !ok {
			return nil, fmt.Errorf("blob %s: %w", ref.BlobName, workflow.ErrNotFound)
		}
		out = append(out, Attachment{
			Filename:    ref.Filename,
			ContentType: ref.ContentType,
			Open:        func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
		})
	}
	return out, nil
}

func TestWorkerAttachments(t *testing.T) {
	report := workflow.AttachmentRef{BlobName: "reports/2026-11.html", Filename: "laporan-keluhan-2026-11.html", ContentType: "text/html"}
	missing := workflow.AttachmentRef{BlobName: "reports/2026-10.html", Filename: "laporan-keluhan-2026-10.html", ContentType: "text/html"}

	tests := []struct {
		name       string
		refs       []workflow.AttachmentRef
		source     AttachmentSource
		wantStatus workflow.OutboxStatus
	}{
		{"attached", []workflow.AttachmentRef{report}, fileSource{report.BlobName: "<html>laporan</html>"}, workflow.OutboxSent},
		{"missing file", []workflow.AttachmentRef{missing}, fileSource{}, workflow.OutboxFailed},
		{"no source", []workflow.AttachmentRef{report}, nil, workflow.OutboxFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := outgoingTo(1, "pimpinan@layanan.example.go.id")
			out.Attachments = tt.refs
			q := newMemQueue(out)
			w, _, _ := newTestWorker(t, WorkerConfig{}, q, tt.source)

			if err := w.Drain(t.Context()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			if got := q.row(out.Key).Status; got != tt.wantStatus {
				t.Errorf("row with %s: status %s, want %s", tt.name, got, tt.wantStatus)
			}
		})
	}
}

func TestWorkerRunFinishesMailInHand(t *testing.T) {
	out := outgoingTo(1, "siti.rahmawati@example.com")
	q := newMemQueue(out)
	w, ts, _ := newTestWorker(t, WorkerConfig{Poll: time.Hour}, q, nil)
	ts.hold = make(chan struct{})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	select {
	case <-ts.dataStarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not start sending within 10s")
	}
	cancel()
	close(ts.hold)

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of the cancel")
	}

	if got := q.row(out.Key).Status; got != workflow.OutboxSent {
		t.Errorf("mail in hand status = %s, want sent", got)
	}
	if got := len(ts.Messages()); got != 1 {
		t.Errorf("server received %d messages, want 1", got)
	}
}

func TestWorkerWake(t *testing.T) {
	q := newMemQueue()
	w, ts, _ := newTestWorker(t, WorkerConfig{Poll: time.Hour}, q, nil)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	// Let Run find the queue empty and start its hour-long wait.
	time.Sleep(50 * time.Millisecond)
	q.add(outgoingTo(1, "siti.rahmawati@example.com"))
	w.Wake()

	deadline := time.Now().Add(10 * time.Second)
	for len(ts.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Wake did not make the worker send within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWorkerBackoff(t *testing.T) {
	w := NewWorker(WorkerConfig{BaseBackoff: 30 * time.Second, MaxBackoff: time.Hour}, nil, nil, nil, nil)

	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{1, 30 * time.Second},
		{2, time.Minute},
		{5, 8 * time.Minute},
		{8, time.Hour},
		{40, time.Hour},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.attempt), func(t *testing.T) {
			for range 200 {
				if got := w.backoff(tt.attempt); got < 0 || got > tt.ceiling {
					t.Fatalf("backoff(%d) = %v, want between 0 and %v", tt.attempt, got, tt.ceiling)
				}
			}
		})
	}
}

func TestWorkerLogsNoBody(t *testing.T) {
	var logs strings.Builder
	out := outgoingTo(1, "siti.rahmawati@example.com")
	out.Text = "RAHASIA-ISI-EMAIL"
	q := newMemQueue(out)

	ts := startTestServer(t)
	ts.failNext("data", 554, smtp.EnhancedCode{5, 7, 1}, "rejected")
	sender := newTestSender(t, ts, SMTPConfig{})
	w := NewWorker(WorkerConfig{Owner: "test-worker"}, q, sender, nil, newTextLogger(&logs))

	if err := w.Drain(t.Context()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if strings.Contains(logs.String(), "RAHASIA") {
		t.Errorf("logs contain the mail body:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "message_id="+out.MessageID) {
		t.Errorf("logs lack message_id=%s:\n%s", out.MessageID, logs.String())
	}
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
