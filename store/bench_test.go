package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

// benchBody is about 15 KB, the average complaint email with its
// headers and a small attachment.
var benchBody = strings.Repeat("Aplikasi layanan tidak dapat diakses sejak pagi. ", 300)

func eachBackendBench(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, Config{URI: be.uri, Database: fmt.Sprintf("bench_%d", time.Now().UnixNano())}, discardLogger())
			if err != nil {
				b.Fatalf("Open() error: %v", err)
			}
			b.Cleanup(func() {
				// A failed drop leaves only a stray benchmark database.
				_ = s.db.Drop(ctx)
				_ = s.Close(ctx)
			})
			fn(b, s)
		})
	}
}

// BenchmarkSaveMessages saves batches of 50 new messages of about 15 KB
// each and reports messages per second.
func BenchmarkSaveMessages(b *testing.B) {
	const batch = 50
	eachBackendBench(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		n := 0
		for b.Loop() {
			in := make([]*ingest.Inbound, batch)
			for i := range in {
				n++
				in[i] = inbound(fmt.Sprintf("bench-%d@x", n), fmt.Sprintf("%d %s", n, benchBody))
			}
			if _, err := s.SaveMessages(ctx, in); err != nil {
				b.Fatalf("SaveMessages() error: %v", err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkAllocateNumbers allocates one number per operation from one
// Store and reports allocations per second.
func BenchmarkAllocateNumbers(b *testing.B) {
	eachBackendBench(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := s.AllocateNumbers(ctx, "ticket-2026", 1); err != nil {
				b.Fatalf("AllocateNumbers() error: %v", err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}
