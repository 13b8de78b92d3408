package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// benchPreloadVar sets how many tickets, messages and outbox rows the
// scale benchmarks store before they start timing. CI sets a small value
// to keep the run short.
const benchPreloadVar = "KELUHAN_BENCH_PRELOAD"

// defaultBenchPreload is the preload size when benchPreloadVar is unset.
const defaultBenchPreload = 20000

// benchBatch is the number of messages one ingest batch carries, as the
// IMAP fetch hands them over.
const benchBatch = 50

// benchDue is how many preloaded tickets have a timer that is due.
const benchDue = 20

// benchTerms is the vocabulary of the benchmark tickets' similarity terms.
var benchTerms = strings.Fields(`login sandi akun aplikasi pembayaran tagihan
	layanan server lambat error gagal unggah dokumen formulir izin usaha
	sertifikat verifikasi email token kode otp data pribadi alamat nomor
	telepon jadwal antrian loket petugas sikap pelayanan informasi status
	permohonan terlambat ditolak salah nama tanggal lahir foto berkas scan
	pdf ukuran halaman kosong tombol tidak bisa masuk keluar sesi habis
	jaringan koneksi putus peta lokasi kantor cabang biaya tarif denda
	pengembalian dana rekening transfer bank virtual account kadaluarsa`)

// benchPreload returns the preload size from benchPreloadVar.
func benchPreload(b *testing.B) int {
	v := os.Getenv(benchPreloadVar)
	if v == "" {
		return defaultBenchPreload
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a whole number of documents, 0 or more", benchPreloadVar, v)
	}
	return n
}

// benchSizes runs fn on an empty store and on one preloaded with
// benchPreload documents of each kind, each on a fresh embedded store
// and, when testMongoURIVar is set, on MongoDB.
func benchSizes(b *testing.B, preload func(b *testing.B, s *Store, n int), fn func(b *testing.B, s *Store)) {
	sizes := []int{0, benchPreload(b)}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("embedded/n=%d", n), func(b *testing.B) {
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
			preload(b, s, n)
			fn(b, s)
		})
		if uri := os.Getenv(testMongoURIVar); uri != "" {
			b.Run(fmt.Sprintf("mongodb/n=%d", n), func(b *testing.B) {
				ctx := context.Background()
				s, err := Open(ctx, Config{URI: uri, Database: fmt.Sprintf("bench_%d", time.Now().UnixNano())}, discardLogger())
				if err != nil {
					b.Fatalf("Open(mongodb) error: %v", err)
				}
				b.Cleanup(func() {
					// A failed drop leaves only a stray benchmark database.
					_ = s.db.Drop(ctx)
					_ = s.Close(ctx)
				})
				preload(b, s, n)
				fn(b, s)
			})
		}
	}
}

// benchTicket builds a ticket of about 2 KB received at received. Every
// tenth ticket is open with a timer; the others are closed.
func benchTicket(r *rand.Rand, i int, received, now time.Time) *workflow.Ticket {
	number := fmt.Sprintf("KLH-2025-%06d", i+1)
	terms := make([]string, 8)
	for j := range terms {
		terms[j] = benchTerms[r.IntN(len(benchTerms))]
	}
	t := &workflow.Ticket{
		Number:     number,
		SourceKey:  "mid:preload-" + strconv.Itoa(i) + "@example.com",
		Version:    4,
		Channel:    workflow.ChannelEmail,
		Requester:  workflow.Party{Name: "Pelapor", Email: fmt.Sprintf("user%d@example.com", r.IntN(5000))},
		Language:   "id",
		Subject:    "Keluhan " + strings.Join(terms[:4], " "),
		Body:       strings.Repeat("Saya tidak dapat menggunakan layanan daring sejak kemarin. ", 20),
		State:      workflow.StateClosed,
		Category:   workflow.CategoryNonTechnical,
		Triage:     workflow.TriageResult{Category: workflow.CategoryNonTechnical, Confidence: 0.7, Terms: terms[:3]},
		Terms:      terms,
		Applied:    []string{"mid:preload-" + strconv.Itoa(i) + "@example.com"},
		ReceivedAt: received,
		UpdatedAt:  received,
		ClosedAt:   received.Add(48 * time.Hour),
		Clocks: []workflow.Clock{
			{Step: workflow.StepVerify, Role: workflow.RoleServiceDesk, Started: received, Due: received.Add(8 * time.Hour), Standard: 8 * time.Hour},
		},
	}
	if i%10 == 0 {
		t.State = workflow.StateEscalated
		t.ClosedAt = time.Time{}
		t.NextTimer = now.Add(time.Hour + time.Duration(r.IntN(7*24))*time.Hour)
	}
	return t
}

// preloadTickets imports n tickets spread over the last year, benchDue of
// them open with a timer that is due.
func preloadTickets(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, uint64(n)))
	now := time.Now()
	var batch []*workflow.Ticket
	flush := func() {
		if _, err := s.ImportTickets(ctx, batch); err != nil {
			b.Fatalf("ImportTickets() error: %v", err)
		}
		batch = batch[:0]
	}
	for i := range n + benchDue {
		received := now.Add(-time.Duration(r.IntN(365*24)) * time.Hour)
		t := benchTicket(r, i, received, now)
		if i >= n {
			t.State = workflow.StateNew
			t.ClosedAt = time.Time{}
			t.NextTimer = now.Add(-time.Duration(i-n+1) * time.Minute)
		}
		batch = append(batch, t)
		if len(batch) == 500 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}

// preloadMessages imports n finished messages of about 15 KB.
func preloadMessages(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	now := time.Now()
	var batch []*MessageDoc
	for i := range n {
		raw := []byte(fmt.Sprintf("Message-ID: <preload-%d@example.com>\r\n\r\n%d %s", i, i, benchBody))
		batch = append(batch, &MessageDoc{
			Key:         "mid:preload-" + strconv.Itoa(i) + "@example.com",
			MessageID:   "preload-" + strconv.Itoa(i) + "@example.com",
			RawSHA256:   sha(raw),
			ContentHash: sha(raw[40:]),
			Size:        int64(len(raw)),
			Subject:     "Keluhan layanan",
			Text:        benchBody[:1000],
			ReplyText:   benchBody[:1000],
			Class:       ingest.ClassPerson,
			Raw:         raw,
			SavedAt:     now,
			Status:      MessageDone,
			Ticket:      fmt.Sprintf("KLH-2025-%06d", i+1),
			FinishedAt:  now,
		})
		if len(batch) == 200 {
			if _, err := s.ImportMessages(ctx, batch); err != nil {
				b.Fatalf("ImportMessages() error: %v", err)
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if _, err := s.ImportMessages(ctx, batch); err != nil {
			b.Fatalf("ImportMessages() error: %v", err)
		}
	}
}

// preloadSent imports n outbox rows that were sent, half of them capped.
func preloadSent(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	now := time.Now()
	var batch []*workflow.Outgoing
	for i := range n {
		at := now.Add(-time.Duration(n-i) * time.Minute)
		o := outgoing(fmt.Sprintf("preload-%06d", i), at)
		o.To.Email = fmt.Sprintf("user%d@example.com", i%5000)
		o.Text = strings.Repeat("Keluhan Anda sudah kami terima dan sedang kami proses. ", 15)
		o.Capped = i%2 == 0
		o.Status = workflow.OutboxSent
		o.Attempts = 1
		o.SentAt = at
		batch = append(batch, &o)
		if len(batch) == 500 {
			if _, err := s.ImportOutgoing(ctx, batch); err != nil {
				b.Fatalf("ImportOutgoing() error: %v", err)
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if _, err := s.ImportOutgoing(ctx, batch); err != nil {
			b.Fatalf("ImportOutgoing() error: %v", err)
		}
	}
}

func preloadAll(b *testing.B, s *Store, n int) {
	preloadTickets(b, s, n)
	preloadMessages(b, s, n)
	preloadSent(b, s, n)
}

// ingestBatch makes the store calls the Desk makes for a batch of
// benchBatch new complaints, in the Desk's order.
func ingestBatch(ctx context.Context, s *Store, r *rand.Rand, batchNo int) error {
	now := time.Now()
	in := make([]*ingest.Inbound, benchBatch)
	keys := make([]string, benchBatch)
	emails := make([]string, benchBatch)
	for i := range in {
		id := fmt.Sprintf("b%d-%d@example.com", batchNo, i)
		in[i] = inbound(id, fmt.Sprintf("%s %s", id, benchBody))
		keys[i] = in[i].Msg.Key
		emails[i] = fmt.Sprintf("user%d@example.com", r.IntN(5000))
	}
	if _, err := s.SaveMessages(ctx, in); err != nil {
		return fmt.Errorf("SaveMessages: %w", err)
	}
	if _, err := s.CountNewTickets(ctx, emails, now.Add(-time.Hour)); err != nil {
		return fmt.Errorf("CountNewTickets: %w", err)
	}
	if _, err := s.TicketsBySource(ctx, keys); err != nil {
		return fmt.Errorf("TicketsBySource: %w", err)
	}
	first, err := s.AllocateNumbers(ctx, "KLH-2026", benchBatch)
	if err != nil {
		return fmt.Errorf("AllocateNumbers: %w", err)
	}

	tickets := make([]*workflow.Ticket, benchBatch)
	var terms []string
	for i := range tickets {
		t := benchTicket(r, 0, now, now)
		t.Number = fmt.Sprintf("KLH-2026-%06d", first+int64(i))
		t.SourceKey = keys[i]
		t.Requester.Email = emails[i]
		t.State = workflow.StateNew
		t.Version = 1
		t.ClosedAt = time.Time{}
		t.NextTimer = now.Add(8 * time.Hour)
		tickets[i] = t
		terms = append(terms, t.Terms...)
	}
	if _, err := s.SimilarCandidates(ctx, now.Add(-90*24*time.Hour), dedupeTerms(terms), 500); err != nil {
		return fmt.Errorf("SimilarCandidates: %w", err)
	}
	if _, err := s.InsertTickets(ctx, tickets); err != nil {
		return fmt.Errorf("InsertTickets: %w", err)
	}

	links := make([]workflow.ThreadLink, 0, 2*benchBatch)
	records := make([]workflow.Record, benchBatch)
	mails := make([]workflow.Outgoing, benchBatch)
	outcomes := make([]ingest.Outcome, benchBatch)
	for i, t := range tickets {
		links = append(links, workflow.ThreadLink{MessageID: in[i].Msg.MessageID, Ticket: t.Number},
			workflow.ThreadLink{MessageID: "ack-" + t.Number + "@layanan.example.go.id", Ticket: t.Number})
		records[i] = workflow.Record{Key: keys[i] + "#received", Ticket: t.Number, Type: workflow.RecordReceived, At: now, Actor: emails[i]}
		mails[i] = outgoing(keys[i]+"#ack", now)
		mails[i].Ticket = t.Number
		mails[i].To.Email = emails[i]
		outcomes[i] = ingest.Outcome{Key: keys[i], Disposition: ingest.DispositionDone, Ticket: t.Number}
	}
	if err := s.LinkThreads(ctx, links); err != nil {
		return fmt.Errorf("LinkThreads: %w", err)
	}
	if err := s.AppendRecords(ctx, records); err != nil {
		return fmt.Errorf("AppendRecords: %w", err)
	}
	if err := s.Enqueue(ctx, mails); err != nil {
		return fmt.Errorf("Enqueue: %w", err)
	}
	if err := s.FinishMessages(ctx, outcomes); err != nil {
		return fmt.Errorf("FinishMessages: %w", err)
	}
	return nil
}

func dedupeTerms(terms []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// BenchmarkIngestBatch times the store's share of ingesting one batch of
// 50 new complaints of about 15 KB and reports milliseconds per batch and
// messages per second.
func BenchmarkIngestBatch(b *testing.B) {
	benchSizes(b, preloadAll, func(b *testing.B, s *Store) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(2, 2))
		// The first batch pays one-time costs, such as loading the
		// in-memory ticket index; it is not timed.
		if err := ingestBatch(ctx, s, r, 0); err != nil {
			b.Fatalf("ingest batch 0: %v", err)
		}
		n := 0
		for b.Loop() {
			n++
			if err := ingestBatch(ctx, s, r, n); err != nil {
				b.Fatalf("ingest batch %d: %v", n, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/batch")
		b.ReportMetric(float64(n*benchBatch)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkSendOne times the store calls the outbox worker makes per
// capped email: ClaimOutgoing, CountAutomaticSent and MarkSent. Rows to
// send are queued 100 at a time outside the timing.
func BenchmarkSendOne(b *testing.B) {
	benchSizes(b, preloadSent, func(b *testing.B, s *Store) {
		ctx := context.Background()
		queued, sent := 0, 0
		refill := func() {
			now := time.Now()
			mails := make([]workflow.Outgoing, 100)
			for i := range mails {
				mails[i] = outgoing(fmt.Sprintf("bench-%06d", queued), now.Add(-time.Second))
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
				b.Fatalf("ClaimOutgoing() error: %v", err)
			}
			if _, err := s.CountAutomaticSent(ctx, o.To.Email, now.Add(-24*time.Hour)); err != nil {
				b.Fatalf("CountAutomaticSent() error: %v", err)
			}
			if err := s.MarkSent(ctx, o.Key, "bench", now); err != nil {
				b.Fatalf("MarkSent() error: %v", err)
			}
			sent++
		}
		refill()
		send()
		for b.Loop() {
			if sent == queued {
				b.StopTimer()
				refill()
				b.StartTimer()
			}
			send()
		}
	})
}

// BenchmarkTicketsDue times the scheduler's query for due tickets when
// benchDue tickets are due. A first query before the timing pays the
// one-time costs, such as loading the in-memory ticket index, which
// BenchmarkTicketIndexLoad times.
func BenchmarkTicketsDue(b *testing.B) {
	benchSizes(b, preloadTickets, func(b *testing.B, s *Store) {
		ctx := context.Background()
		if _, err := s.TicketsDue(ctx, time.Now(), 500); err != nil {
			b.Fatalf("TicketsDue() error: %v", err)
		}
		for b.Loop() {
			due, err := s.TicketsDue(ctx, time.Now(), 500)
			if err != nil {
				b.Fatalf("TicketsDue() error: %v", err)
			}
			if len(due) != benchDue {
				b.Fatalf("TicketsDue() = %d tickets, want %d", len(due), benchDue)
			}
		}
	})
}

// BenchmarkTicketIndexLoad times the one read of every ticket with which
// the Store that runs the embedded FerretDB builds its ticket index on
// first use, and reports tickets per second.
func BenchmarkTicketIndexLoad(b *testing.B) {
	benchSizes(b, preloadTickets, func(b *testing.B, s *Store) {
		if s.index == nil {
			b.Skip("only the Store that runs the embedded FerretDB keeps a ticket index")
		}
		ctx := context.Background()
		tickets := 0
		for b.Loop() {
			ix := newTicketIndex(DefaultRecentWindow)
			if err := s.loadIndex(ctx, ix); err != nil {
				b.Fatalf("loadIndex() error: %v", err)
			}
			tickets += len(ix.tickets)
		}
		b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
	})
}

// benchOpenTicket is a preloaded ticket that is open at every preload
// size: benchTicket opens every tenth ticket, the first among them.
const benchOpenTicket = "KLH-2025-000001"

// benchTrail returns the audit trail of a preloaded ticket: 8 records of
// about 2.3 KB in all for a closed ticket, the first 6 for an open one,
// whose texts are sized like a subject, staff notes and replies.
func benchTrail(t *workflow.Ticket) []*workflow.Record {
	at := t.ReceivedAt
	step := func(d time.Duration) time.Time {
		at = at.Add(d)
		return at
	}
	key := "bench:" + t.Number + "#"
	note := strings.Repeat("Sudah dicek di server aplikasi, sesi pengguna habis. ", 4)
	reply := strings.Repeat("Terima kasih atas laporan Anda, silakan coba masuk kembali. ", 10)
	answer := strings.Repeat("Sudah saya coba lagi tetapi tetap gagal masuk. ", 8)
	trail := []*workflow.Record{
		{Key: key + "received", Type: workflow.RecordReceived, At: step(0), Actor: t.Requester.Email, ActorRole: workflow.RoleRequester, Text: t.Subject},
		{Key: key + "triage", Type: workflow.RecordTriage, At: step(time.Second), Actor: workflow.ActorSystem, ActorRole: workflow.RoleSystem, Text: string(t.Category)},
		{Key: key + "note", Type: workflow.RecordNote, At: step(time.Hour), Actor: "petugas@layanan.example.go.id", ActorRole: workflow.RoleServiceDesk, Text: note, Verified: true},
		{Key: key + "reply", Type: workflow.RecordReply, At: step(time.Hour), Actor: "petugas@layanan.example.go.id", ActorRole: workflow.RoleServiceDesk, Text: reply, Verified: true},
		{Key: key + "answer", Type: workflow.RecordRequesterReply, At: step(3 * time.Hour), Actor: t.Requester.Email, ActorRole: workflow.RoleRequester, Text: answer},
		{Key: key + "escalated", Type: workflow.RecordEscalated, At: step(time.Hour), Actor: "petugas@layanan.example.go.id", ActorRole: workflow.RoleServiceDesk, Text: "Perlu penanganan tim teknis.", Verified: true},
		{Key: key + "warning", Type: workflow.RecordSLAWarning, At: step(8 * time.Hour), Actor: workflow.ActorSystem, ActorRole: workflow.RoleSystem, Detail: map[string]string{"step": string(workflow.StepVerify)}},
		{Key: key + "closed", Type: workflow.RecordClosed, At: step(24 * time.Hour), Actor: "manajer@layanan.example.go.id", ActorRole: workflow.RoleComplaintManager, Text: "Masalah sesi sudah diperbaiki.", Verified: true},
	}
	if t.State.Open() {
		trail = trail[:6]
	}
	for _, r := range trail {
		r.Ticket = t.Number
	}
	return trail
}

// preloadTicketsWithTrails imports what preloadTickets does, and the
// audit trail of every ticket.
func preloadTicketsWithTrails(b *testing.B, s *Store, n int) {
	preloadTickets(b, s, n)
	ctx := context.Background()
	var batch []*workflow.Record
	err := s.EachTicket(ctx, func(t *workflow.Ticket) error {
		batch = append(batch, benchTrail(t)...)
		if len(batch) < 1000 {
			return nil
		}
		_, err := s.ImportRecords(ctx, batch)
		batch = batch[:0]
		return err
	})
	if err == nil {
		_, err = s.ImportRecords(ctx, batch)
	}
	if err != nil {
		b.Fatalf("import records: %v", err)
	}
}

// BenchmarkRecordsOpenTicket times reading the audit trail of an open
// ticket, as the procedure does for every escalation email, once the
// Store has loaded what it keeps in memory.
func BenchmarkRecordsOpenTicket(b *testing.B) {
	benchSizes(b, preloadTicketsWithTrails, func(b *testing.B, s *Store) {
		ctx := context.Background()
		warmUp(b, s)
		for b.Loop() {
			trail, err := s.Records(ctx, benchOpenTicket)
			if err != nil {
				b.Fatalf("Records() error: %v", err)
			}
			if len(trail) != 6 {
				b.Fatalf("Records(%s) = %d records, want 6", benchOpenTicket, len(trail))
			}
		}
	})
}

// BenchmarkUpdateTicket times one guarded update of an open ticket that
// stays open, as a reply or a timer makes.
func BenchmarkUpdateTicket(b *testing.B) {
	benchSizes(b, preloadTickets, func(b *testing.B, s *Store) {
		ctx := context.Background()
		warmUp(b, s)
		t, err := s.Ticket(ctx, benchOpenTicket)
		if err != nil {
			b.Fatalf("Ticket() error: %v", err)
		}
		for b.Loop() {
			prev := t.Version
			t.Version++
			t.UpdatedAt = time.Now()
			if err := s.UpdateTicket(ctx, t, prev); err != nil {
				b.Fatalf("UpdateTicket(version %d) error: %v", t.Version, err)
			}
		}
	})
}

// BenchmarkCloseReopenTicket times closing an open ticket and reopening
// it, two guarded updates. On the embedded store the first moves the
// ticket into tickets_closed and the second moves it back.
func BenchmarkCloseReopenTicket(b *testing.B) {
	benchSizes(b, preloadTickets, func(b *testing.B, s *Store) {
		ctx := context.Background()
		warmUp(b, s)
		t, err := s.Ticket(ctx, benchOpenTicket)
		if err != nil {
			b.Fatalf("Ticket() error: %v", err)
		}
		open := t.State
		for b.Loop() {
			for _, state := range []workflow.State{workflow.StateClosed, open} {
				prev := t.Version
				t.Version++
				t.State = state
				if err := s.UpdateTicket(ctx, t, prev); err != nil {
					b.Fatalf("UpdateTicket(version %d, %s) error: %v", t.Version, state, err)
				}
			}
		}
	})
}

// warmUp pays the one-time costs before the timing: loading the ticket
// index, and then the record cache and the settling of tickets, which
// the Store that runs the embedded FerretDB starts in the background.
func warmUp(b *testing.B, s *Store) {
	ctx := context.Background()
	if _, err := s.TicketsDue(ctx, time.Now(), 500); err != nil {
		b.Fatalf("TicketsDue() error: %v", err)
	}
	if s.trails == nil {
		return
	}
	if err := s.await(ctx, &s.trails.load, s.trails.loaded, s.loadTrails); err != nil {
		b.Fatalf("load record cache: %v", err)
	}
	<-s.startLoad(&s.settling, func(context.Context) error { return nil })
}
