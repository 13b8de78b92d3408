package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/report"
)

// What the demo prints, step by step.
var (
	demoServers     = text{"• Server IMAP dan SMTP lokal berjalan di %s dan %s.", "• Local IMAP and SMTP servers run at %s and %s."}
	demoStore       = text{"• Penyimpanan tertanam (FerretDB/SQLite) di %s; keluhan serve berjalan.", "• Embedded store (FerretDB/SQLite) at %s; keluhan serve is running."}
	demoSent        = text{"→ %s mengirim keluhan: %q", "→ %s sends a complaint: %q"}
	demoTicket      = text{"✓ Tiket %s dibuat untuk %s — usulan triase: %s (%.0f%%), aplikasi: %s, lampiran: %d", "✓ Ticket %s opened for %s — triage suggestion: %s (%.0f%%), application: %s, attachments: %d"}
	demoAck         = text{"✓ Tanda terima terkirim ke %s: %q", "✓ Acknowledgment delivered to %s: %q"}
	demoTriageReq   = text{"✓ Permintaan verifikasi sampai di kotak surat service desk (%s): %q", "✓ Triage request reached the service desk (%s): %q"}
	demoReplySent   = text{"→ %s membalas email tanda terimanya dengan informasi tambahan.", "→ %s replies to the acknowledgment with more information."}
	demoAttached    = text{"✓ Balasan dilampirkan ke tiket %s yang sama; tidak ada tiket baru, tidak ada tanda terima kedua (%d tanda terima di kotak surat).", "✓ The reply joined the same ticket %s; no new ticket, no second acknowledgment (%d acknowledgment in the mailbox)."}
	demoCommand     = text{"→ %s membalas %s dengan perintah %s", "→ %s replies on %s with %s"}
	demoHandoff     = text{"✓ Keluhan teknis %s diteruskan ke pengelolaan insiden (%s): %q", "✓ Technical complaint %s handed to incident management (%s): %q"}
	demoNotice      = text{"✓ Pelapor %s diberi tahu: %q", "✓ Requester %s informed: %q"}
	demoEscalated   = text{"✓ Keluhan non-teknis %s dieskalasi ke Pengelola Komplain (%s): %q", "✓ Non-technical complaint %s escalated to the complaint managers (%s): %q"}
	demoState       = text{"✓ Status %s sekarang: %s", "✓ %s is now: %s"}
	demoReopened    = text{"✓ Pelapor membalas setelah ditutup: tiket %s dibuka kembali dan pemegangnya diberi tahu (%q).", "✓ The requester wrote after closure: ticket %s reopened and its holder told (%q)."}
	demoDirNotEmpty = text{"folder data %s tidak kosong: peragaan memerlukan folder baru atau kosong", "data folder %s is not empty: the demo needs a new or empty folder"}
	demoReport      = text{"✓ Register dan laporan siap cetak (A4) ditulis ke %s (%d tiket).", "✓ Printable register and report (A4) written to %s (%d tickets)."}
	demoExport      = text{"✓ Ekspor lengkap ditulis ke %s (%d tiket, %d berkas); periksa dengan: keluhan export --verify %[1]s", "✓ Full export written to %s (%d tickets, %d files); check it with: keluhan export --verify %[1]s"}
	demoFinal       = text{"\nRingkasan: %d tiket, %d email terkirim, %d email gagal.", "\nSummary: %d tickets, %d emails sent, %d failed."}
	demoFailed      = text{"✗ Peragaan gagal: %v", "✗ Demo failed: %v"}
	demoDone        = text{"Peragaan selesai: seluruh alur berjalan.", "Demo complete: the whole flow ran."}
)

// walk sends the complaints and carries both branches of the procedure
// through, checking each step in the mailboxes and the store.
func (d *demo) walk(ctx context.Context) error {
	tickets, err := d.intake(ctx)
	if err != nil {
		return err
	}
	budi, siti := tickets[0], tickets[1]
	if err := d.requesterReply(ctx, budi); err != nil {
		return err
	}
	if err := d.technical(ctx, budi); err != nil {
		return err
	}
	if err := d.nonTechnical(ctx, siti); err != nil {
		return err
	}
	if err := d.records(ctx); err != nil {
		return err
	}
	return d.summary(ctx)
}

// intake sends three complaints and waits for their tickets, the
// acknowledgments and the triage requests.
func (d *demo) intake(ctx context.Context) ([]*workflow.Ticket, error) {
	sends := []struct{ file, from, name, subject string }{
		{"1-budi-login.eml", demoBudi, "Budi Santoso", "Tidak bisa login ke aplikasi permohonan merek"},
		{"2-siti-html.eml", demoSiti, "Siti Rahmawati", "Petugas loket tidak memberi kejelasan status permohonan"},
		{"3-andi-pdf.eml", demoAndi, "Andi Pratama", "Sudah bayar PNBP tetapi status masih menunggu pembayaran"},
	}
	for _, s := range sends {
		if err := d.sendFile(s.file, s.from); err != nil {
			return nil, fmt.Errorf("send %s: %w", s.file, err)
		}
		d.say(demoSent, s.name, s.subject)
	}
	tickets, err := d.waitTickets(ctx, len(sends))
	if err != nil {
		return nil, err
	}
	for _, t := range tickets {
		d.say(demoTicket, t.Number, partyText(t.Requester), d.daemon.render.Label(d.a.p.lang, "category."+string(t.Triage.Category)),
			t.Triage.Confidence*100, t.Application, len(t.Attachments))
	}
	for _, t := range tickets {
		ack, err := d.waitNth(ctx, t.Requester.Email, tag(t), 1)
		if err != nil {
			return nil, err
		}
		d.say(demoAck, t.Requester.Email, ack.Subject)
		req, err := d.waitNth(ctx, demoOfficer, tag(t), 1)
		if err != nil {
			return nil, err
		}
		d.say(demoTriageReq, demoOfficer, req.Subject)
	}
	return tickets, nil
}

// requesterReply has the first requester answer the acknowledgment.
func (d *demo) requesterReply(ctx context.Context, t *workflow.Ticket) error {
	ack, err := d.waitNth(ctx, t.Requester.Email, tag(t), 1)
	if err != nil {
		return err
	}
	to, raw := reply("Budi Santoso", t.Requester.Email, ack, "Tambahan: nomor permohonan saya D002026012345, akun atas nama Budi Santoso.")
	if err := d.send(t.Requester.Email, to, raw); err != nil {
		return err
	}
	d.say(demoReplySent, partyText(t.Requester))
	if _, err := d.waitRecord(ctx, t.Number, workflow.RecordRequesterReply); err != nil {
		return err
	}
	tickets, err := d.waitTickets(ctx, 3)
	if err != nil {
		return err
	}
	msgs, err := d.tagged(ctx, t.Requester.Email, tag(t))
	if err != nil {
		return err
	}
	acks := len(msgs)
	if len(tickets) != 3 || acks != 1 {
		return fmt.Errorf("%w: %d tickets and %d acknowledgments after the reply, want 3 and 1", errDemoCheck, len(tickets), acks)
	}
	d.say(demoAttached, t.Number, acks)
	return nil
}

// staffCommand has a staff member answer the first mail about a ticket
// in their mailbox with a command.
func (d *demo) staffCommand(ctx context.Context, name, from string, t *workflow.Ticket, body string) error {
	got, err := d.waitNth(ctx, from, tag(t), 1)
	if err != nil {
		return err
	}
	to, raw := reply(name, from, got, body)
	if err := d.send(from, to, raw); err != nil {
		return err
	}
	d.say(demoCommand, name, t.Number, commandWords(body))
	return nil
}

// technical confirms the first complaint as technical and checks the
// hand-off.
func (d *demo) technical(ctx context.Context, t *workflow.Ticket) error {
	if err := d.staffCommand(ctx, "Petugas Service Desk", demoOfficer, t, "#teknis"); err != nil {
		return err
	}
	if _, err := d.waitRecord(ctx, t.Number, workflow.RecordHandedOff); err != nil {
		return err
	}
	handoff, err := d.waitNth(ctx, demoIncident, tag(t), 1)
	if err != nil {
		return err
	}
	d.say(demoHandoff, t.Number, demoIncident, handoff.Subject)
	return d.requesterTold(ctx, t, 2)
}

// requesterTold waits for the requester's n-th message about the
// ticket and reports it.
func (d *demo) requesterTold(ctx context.Context, t *workflow.Ticket, n int) error {
	m, err := d.waitNth(ctx, t.Requester.Email, tag(t), n)
	if err != nil {
		return err
	}
	d.say(demoNotice, t.Requester.Email, m.Subject)
	return nil
}

// commandWords lists the command words of a reply, such as "#akar,
// #cegah, #tutup".
func commandWords(body string) string {
	var words []string
	for _, c := range workflow.ParseCommands(body) {
		words = append(words, "#"+string(c.Verb))
	}
	return strings.Join(words, ", ")
}

func tag(t *workflow.Ticket) string { return "[" + t.Number + "]" }

// nonTechnical escalates the second complaint and follows it to closure
// and a reopen.
func (d *demo) nonTechnical(ctx context.Context, t *workflow.Ticket) error {
	if err := d.staffCommand(ctx, "Petugas Service Desk", demoOfficer, t, "#nonteknis"); err != nil {
		return err
	}
	esc, err := d.waitNth(ctx, demoManager, tag(t), 1)
	if err != nil {
		return err
	}
	d.say(demoEscalated, t.Number, demoManager, esc.Subject)
	if err := d.requesterTold(ctx, t, 2); err != nil {
		return err
	}
	steps := []struct {
		body   string
		record workflow.RecordType
		told   int
	}{
		{"#catatan Sudah dicek di sistem: permohonan menunggu pemeriksa substantif.", workflow.RecordNote, 0},
		{"#balas Permohonan Ibu sedang dalam antrean pemeriksaan substantif; perkiraan selesai dalam 30 hari kerja.", workflow.RecordReply, 3},
		{"#akar Informasi antrean pemeriksaan tidak tersedia bagi petugas loket.\n#cegah Dasbor antrean dibuka untuk petugas loket mulai bulan depan.\n#tutup Status dan perkiraan waktu sudah dijelaskan kepada pelapor.", workflow.RecordClosed, 4},
	}
	for _, s := range steps {
		if err := d.staffCommand(ctx, "Pengelola Komplain", demoManager, t, s.body); err != nil {
			return err
		}
		current, err := d.waitRecord(ctx, t.Number, s.record)
		if err != nil {
			return err
		}
		d.say(demoState, t.Number, d.daemon.render.Label(d.a.p.lang, "state."+string(current.State)))
		if s.told > 0 {
			if err := d.requesterTold(ctx, t, s.told); err != nil {
				return err
			}
		}
	}
	return d.reopen(ctx, t)
}

// reopen has the requester answer the closure, which reopens the ticket.
func (d *demo) reopen(ctx context.Context, t *workflow.Ticket) error {
	closure, err := d.waitNth(ctx, t.Requester.Email, tag(t), 4)
	if err != nil {
		return err
	}
	to, raw := reply("Siti Rahmawati", t.Requester.Email, closure, "Mohon maaf, status di aplikasi masih belum berubah sejak kemarin.")
	if err := d.send(t.Requester.Email, to, raw); err != nil {
		return err
	}
	if _, err := d.waitRecord(ctx, t.Number, workflow.RecordReopened); err != nil {
		return err
	}
	notice, err := d.waitNth(ctx, demoManager, tag(t), 2)
	if err != nil {
		return err
	}
	d.say(demoReopened, t.Number, notice.Subject)
	return nil
}

// summary prints the totals and fails if any email failed.
func (d *demo) summary(ctx context.Context) error {
	tickets, err := d.waitTickets(ctx, 3)
	if err != nil {
		return err
	}
	counts, err := d.daemon.store.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	d.say(demoFinal, len(tickets), counts[workflow.OutboxSent], counts[workflow.OutboxFailed])
	if counts[workflow.OutboxFailed] > 0 {
		return fmt.Errorf("%w: %d emails failed", errDemoCheck, counts[workflow.OutboxFailed])
	}
	return nil
}

// records writes the printable register and an export at the end of
// the demo, in a folder that outlives it.
func (d *demo) records(ctx context.Context) error {
	out, err := os.MkdirTemp("", "keluhan-demo-hasil-")
	if err != nil {
		return err
	}
	now := time.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, d.daemon.set.loc)
	opts := report.Options{
		From: from, To: now.Add(time.Hour), Language: d.a.p.lang, Location: d.daemon.set.loc,
		Calendar: d.daemon.set.cal, Standards: workingStandards(d.daemon.set.rules, d.daemon.set.cal.DayLength()),
		DeskName: d.daemon.set.desk.Desk.Name, Labels: d.daemon.render, Now: now,
	}
	r, err := buildReport(ctx, d.daemon.store, opts)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	reportPath := filepath.Join(out, "laporan-keluhan.html")
	if err := writeFileAtomic(reportPath, r.WriteHTML); err != nil {
		return err
	}
	d.say(demoReport, reportPath, len(r.Rows))
	exportPath := filepath.Join(out, "ekspor-keluhan.tar.gz")
	res, err := writeExport(ctx, d.daemon.core, exportPath, nil)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	d.say(demoExport, exportPath, res.Header.Counts["tickets"], res.Files)
	return nil
}
