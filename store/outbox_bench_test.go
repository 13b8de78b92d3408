package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// benchBacklogVar lists the backlog sizes, in pending outbox rows, at
// which the outbox benchmarks run, separated by commas.
const benchBacklogVar = "KELUHAN_BENCH_BACKLOG"

// defaultBenchBacklogs is the list of backlog sizes when benchBacklogVar
// is unset.
const defaultBenchBacklogs = "0,1000,10000"

// benchBacklogs returns the backlog sizes from benchBacklogVar.
func benchBacklogs(b *testing.B) []int {
	v := os.Getenv(benchBacklogVar)
	if v == "" {
		v = defaultBenchBacklogs
	}
	var sizes []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			b.Fatalf("%s=%q: want whole numbers of rows, 0 or more, separated by commas", benchBacklogVar, v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// benchAck is a paragraph of an acknowledgment; benchRow repeats it to
// the size of a rendered email.
const benchAck = "Terima kasih, keluhan Anda sudah kami terima dan tercatat dengan nomor tiket di atas. Petugas kami akan memeriksanya dan membalas melalui email ini. "

// benchRow returns an outbox row of about 8 KB, 4 KB each of text and
// HTML, as an acknowledgment renders, due at next.
func benchRow(key string, next time.Time) workflow.Outgoing {
	o := outgoing(key, next)
	o.Text = strings.Repeat(benchAck, 28)
	o.HTML = "<p>" + strings.Repeat(benchAck, 27) + "</p>"
	return o
}

// openBenchStore opens an embedded store in a fresh folder.
func openBenchStore(b *testing.B) *Store {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: b.TempDir()}, discardLogger())
	if err != nil {
		b.Fatalf("Open(embedded) error: %v", err)
	}
	b.Cleanup(func() {
		if err := s.Close(ctx); err != nil {
			b.Errorf("Close() error: %v", err)
		}
	})
	return s
}

// preloadBacklog queues n rows due an hour after now, 500 at a time, so
// that they stay pending while the benchmark sends other rows.
func preloadBacklog(b *testing.B, s *Store, n int, now time.Time) {
	ctx := context.Background()
	for start := 0; start < n; start += 500 {
		var rows []workflow.Outgoing
		for i := start; i < min(start+500, n); i++ {
			rows = append(rows, benchRow(fmt.Sprintf("backlog-%06d", i), now.Add(time.Hour)))
		}
		if err := s.Enqueue(ctx, rows); err != nil {
			b.Fatalf("Enqueue(backlog) error: %v", err)
		}
	}
}

// BenchmarkSendOneBacklog times the store calls the outbox worker makes
// per capped email, ClaimOutgoing, CountAutomaticSent and MarkSent, on
// an embedded store whose outbox holds a backlog of pending rows of
// about 8 KB. Rows to send are queued 100 at a time outside the timing.
// It reports the wall time per email and, as compact-ms/email, the time
// the background compaction of the outbox took per email, counting the
// final flush.
func BenchmarkSendOneBacklog(b *testing.B) {
	for _, n := range benchBacklogs(b) {
		b.Run(fmt.Sprintf("embedded/backlog=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := openBenchStore(b)
			preloadBacklog(b, s, n, time.Now())
			queued, sent := 0, 0
			refill := func() {
				mails := make([]workflow.Outgoing, 100)
				for i := range mails {
					mails[i] = benchRow(fmt.Sprintf("send-%06d", queued), time.Now().Add(-time.Second))
					mails[i].To.Email = fmt.Sprintf("user%d@example.com", queued%5000)
					queued++
				}
				if err := s.Enqueue(ctx, mails); err != nil {
					b.Fatalf("Enqueue() error: %v", err)
				}
			}
			send := func() {
				now := time.Now()
				o, err := s.ClaimOutgoing(ctx, "bench", now, time.Minute)
				if err != nil {
					b.Fatalf("ClaimOutgoing() after %d sent error: %v", sent, err)
				}
				if _, err := s.CountAutomaticSent(ctx, o.To.Email, now.Add(-24*time.Hour)); err != nil {
					b.Fatalf("CountAutomaticSent() error: %v", err)
				}
				if err := s.MarkSent(ctx, o.Key, "bench", now); err != nil {
					b.Fatalf("MarkSent() error: %v", err)
				}
				sent++
			}
			// The first email pays one-time costs, such as loading the
			// queue; it is not timed.
			refill()
			send()
			compactBefore := benchCompactTime(s)
			timed := 0
			for b.Loop() {
				if sent == queued {
					b.StopTimer()
					refill()
					b.StartTimer()
				}
				send()
				timed++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(timed), "ms/email")

			start := time.Now()
			benchFlush(b, s)
			flush := time.Since(start)
			compact := benchCompactTime(s) - compactBefore
			if compact == 0 {
				compact = flush
			}
			b.ReportMetric(float64(compact.Microseconds())/1000/float64(timed), "compact-ms/email")
		})
	}
}

// BenchmarkEnqueueBacklog times Enqueue of 100 rows of about 8 KB on an
// embedded store whose outbox holds a backlog of pending rows, and
// reports milliseconds per batch.
func BenchmarkEnqueueBacklog(b *testing.B) {
	for _, n := range benchBacklogs(b) {
		b.Run(fmt.Sprintf("embedded/backlog=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := openBenchStore(b)
			now := time.Now()
			preloadBacklog(b, s, n, now)
			// A first claim loads the queue where there is one, as the
			// worker of a running daemon does.
			if _, err := s.ClaimOutgoing(ctx, "bench", now, time.Minute); err == nil {
				b.Fatal("ClaimOutgoing() claimed a row of the backlog, want none due")
			}
			batch := 0
			for b.Loop() {
				mails := make([]workflow.Outgoing, 100)
				for i := range mails {
					mails[i] = benchRow(fmt.Sprintf("enqueue-%04d-%03d", batch, i), now.Add(time.Hour))
				}
				if err := s.Enqueue(ctx, mails); err != nil {
					b.Fatalf("Enqueue() error: %v", err)
				}
				batch++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(batch), "ms/batch")
		})
	}
}
