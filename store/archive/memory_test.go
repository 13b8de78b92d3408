package archive

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// fillStore inserts n tickets, each with three records, one message of
// about 2 KB (every tenth with an attachment), its outcome, two thread
// links and one outbox row, in batches of 500 as an import would.
func fillStore(t testing.TB, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 500 {
		var tickets []*workflow.Ticket
		var records []*workflow.Record
		var messages []*store.MessageDoc
		var rows []*workflow.Outgoing
		for i := start; i < min(n, start+500); i++ {
			number := fmt.Sprintf("KLH-2026-%06d", i+1)
			raw := rawMail(fmt.Sprintf("m%d@contoh.go.id", i), "budi@contoh.go.id", "Keluhan "+number,
				strings.Repeat("Aplikasi tidak bisa dibuka sejak pagi. ", 40), "bukti.pdf", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1500}[i%10])
			in := inboundFor(t, raw, uint32(i+1))
			msg := in.Msg
			doc := &store.MessageDoc{
				Key: msg.Key, MessageID: msg.MessageID, RawSHA256: msg.RawSHA256, ContentHash: msg.ContentHash,
				Size: msg.Size, Subject: msg.Subject, Text: msg.Text, ReplyText: msg.ReplyText, Raw: raw,
				Status: store.MessageDone, Ticket: number, SavedAt: t0,
			}
			for _, a := range msg.Attachments {
				doc.Attachments = append(doc.Attachments, store.Attachment(a))
			}
			messages = append(messages, doc)
			tk := seedTicket(number, in, i)
			tickets = append(tickets, tk)
			for j := range 3 {
				records = append(records, &workflow.Record{Key: fmt.Sprintf("%s#r%d", msg.Key, j), Ticket: number,
					Type: workflow.RecordNote, At: t0.Add(time.Duration(i*3+j) * time.Second), Actor: "budi@contoh.go.id", Text: "catatan"})
			}
			rows = append(rows, &workflow.Outgoing{Key: msg.Key + "#n0", Ticket: number, Kind: workflow.MailAck,
				Subject: "[" + number + "] Keluhan diterima", Text: "Keluhan Anda sudah kami terima.", Status: workflow.OutboxSent, CreatedAt: t0})
		}
		_, err := s.ImportTickets(ctx, tickets)
		must(t, err)
		_, err = s.ImportRecords(ctx, records)
		must(t, err)
		_, err = s.ImportMessages(ctx, messages)
		must(t, err)
		_, err = s.ImportOutgoing(ctx, rows)
		must(t, err)
	}
}

// exportPeak exports s and returns the highest live heap seen during the
// export, sampled after a collection every 250 documents and files, less
// the live heap before it.
func exportPeak(t testing.TB, s *store.Store) (peak uint64, dur time.Duration) {
	t.Helper()
	base := liveHeap()
	seen := 0
	opts := exportOptions(t0, "v1")
	opts.Progress = func(string, int) {
		seen++
		if seen%250 == 0 {
			peak = max(peak, liveHeap())
		}
	}
	start := time.Now()
	out := filepath.Join(t.TempDir(), "arsip.tar.gz")
	if _, err := Export(context.Background(), s, out, opts); err != nil {
		t.Fatalf("Export() error: %v", err)
	}
	dur = time.Since(start)
	if peak < base {
		return 0, dur
	}
	return peak - base, dur
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkExportMemory reports the peak live heap an export adds, at two
// sizes, to show whether memory grows with the data. Run it with
// -benchtime=1x: each size fills a new store first.
func BenchmarkExportMemory(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			s := openStore(b)
			fillStore(b, s, n)
			b.ResetTimer()
			for range b.N {
				peak, dur := exportPeak(b, s)
				b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
				b.ReportMetric(dur.Seconds(), "export-s")
			}
		})
	}
}

// TestExportMemoryBounded checks that a five times larger store does not
// make the export hold noticeably more memory.
func TestExportMemoryBounded(t *testing.T) {
	const small, large, slack = 400, 2000, 4 << 20
	peaks := map[int]uint64{}
	for _, n := range []int{small, large} {
		s := openStore(t)
		fillStore(t, s, n)
		peaks[n], _ = exportPeak(t, s)
		t.Logf("export of %d tickets: peak live heap +%.1f MiB", n, float64(peaks[n])/(1<<20))
	}
	if peaks[large] > peaks[small]+slack {
		t.Errorf("peak live heap: %d tickets +%d bytes, %d tickets +%d bytes, want growth under %d",
			small, peaks[small], large, peaks[large], slack)
	}
}
