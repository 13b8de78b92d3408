package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/store/archive"
	"github.com/keluhan/keluhan/workflow"
)

// Help and output texts of export, import and purge.
var (
	helpExport       = text{"ekspor semua data ke arsip terbuka (.tar.gz atau folder), atau periksa arsip dengan --verify", "export all data to an open archive (.tar.gz or a folder), or check an archive with --verify"}
	helpExportOut    = text{"tujuan: berkas .tar.gz atau .tgz, atau folder yang belum ada atau kosong", "destination: a .tar.gz or .tgz file, or a folder that does not exist or is empty"}
	helpExportVerify = text{"periksa arsip ini (berkas .tar.gz atau folder) terhadap manifest-nya, tanpa mengekspor", "check this archive (.tar.gz file or folder) against its manifest instead of exporting"}
	helpImport       = text{"pulihkan arsip ekspor ke penyimpanan yang kosong; arsip .tar.gz dibongkar dulu ke folder sementara ($TMPDIR)", "restore an export archive into an empty store; a .tar.gz archive is unpacked to a temporary folder ($TMPDIR) first"}
	helpForce        = text{"impor juga ke penyimpanan yang tidak kosong; dokumen yang sudah ada dibiarkan", "import into a store that is not empty too; documents that exist are left as they are"}
	helpPurge        = text{"hapus tiket yang sudah lama ditutup beserta email dan riwayatnya, setelah diekspor", "delete tickets closed long ago with their email and timeline, once they are exported"}
	helpBefore       = text{"hapus tiket yang ditutup sebelum tanggal ini (YYYY-MM-DD, zona waktu konfigurasi); bawaan: hari ini dikurangi retention.keep_closed", "delete tickets closed before this date (YYYY-MM-DD, configured time zone); default: today minus retention.keep_closed"}
	helpDryRun       = text{"hanya tampilkan tiket yang akan dihapus", "only list the tickets that would be deleted"}

	msgNeedOutOrVerify = text{"sebutkan tujuan dengan --out BERKAS.tar.gz atau --out FOLDER, atau periksa arsip dengan --verify ARSIP", "name a destination with --out FILE.tar.gz or --out FOLDER, or check an archive with --verify ARCHIVE"}
	msgOutAndVerify    = text{"--out dan --verify tidak dapat dipakai bersama", "--out and --verify cannot be used together"}
	msgExportExists    = text{"tujuan %s sudah ada dan bukan folder kosong: pilih nama baru agar arsip lama tidak tertimpa", "destination %s exists and is not an empty folder: choose a new name so that no archive is overwritten"}
	msgExportFailed    = text{"ekspor ke %s gagal", "export to %s failed"}
	msgExportUnrecord  = text{"arsip %s sudah lengkap, tetapi ekspornya tidak dapat dicatat di penyimpanan, sehingga purge belum mengakuinya", "archive %s is complete, but the export could not be recorded in the store, so purge does not count it yet"}
	msgExportDone      = text{"Ekspor selesai: %s", "Export finished: %s"}
	msgExportSize      = text{"%d berkas, %s MB; SHA-256 manifest %s", "%d files, %s MB; manifest SHA-256 %s"}
	msgExportAttachErr = text{"%d lampiran tidak dapat diurai; alasannya tercatat di messages.jsonl.", "%d attachments could not be decoded; the reasons are in messages.jsonl."}
	msgExportCheck     = text{"Periksa arsip kapan saja dengan: keluhan export --verify %s", "Check the archive at any time with: keluhan export --verify %s"}

	msgNoManifest   = text{"%s tidak memiliki manifest.json: ini bukan arsip ekspor keluhan, atau ekspornya tidak selesai", "%s has no manifest.json: it is not a keluhan export, or the export did not finish"}
	msgUnsupported  = text{"arsip %s tidak dapat dibaca versi keluhan ini: %v", "archive %s cannot be read by this keluhan version: %v"}
	msgVerifyFailed = text{"pemeriksaan %s gagal", "checking %s failed"}
	msgArchive      = text{"Arsip: %s", "Archive: %s"}
	msgArchiveMade  = text{"Dibuat %s oleh keluhan %s (format %d); SHA-256 manifest %s", "Created %s by keluhan %s (format %d); manifest SHA-256 %s"}
	msgChecked      = text{"Berkas diperiksa: %d", "Files checked: %d"}
	lblMissing      = text{"HILANG", "MISSING"}
	lblExtra        = text{"TAMBAHAN", "EXTRA"}
	lblChanged      = text{"BERUBAH", "CHANGED"}
	lblCount        = text{"JUMLAH", "COUNT"}
	msgChangedFile  = text{"%s (isi berbeda: SHA-256 tidak cocok)", "%s (content differs: SHA-256 does not match)"}
	msgResizedFile  = text{"%s (ukuran %d byte, tercatat %d)", "%s (size %d bytes, recorded %d)"}
	msgCountDiffers = text{"%s: manifest %d, arsip %d", "%s: manifest %d, archive %d"}
	msgMoreNames    = text{"… dan %d lainnya", "… and %d more"}
	msgVerifyOK     = text{"Hasil: BAIK — semua berkas dan jumlah cocok dengan manifest.", "Result: OK — every file and count matches the manifest."}
	msgVerifyBad    = text{"Hasil: RUSAK — %d hilang, %d tambahan, %d berubah, %d jumlah berbeda.", "Result: DAMAGED — %d missing, %d extra, %d changed, %d counts differ."}

	msgDaemonRunning = text{"keluhan serve sedang menjalankan basis data tertanam di data_dir ini: hentikan layanan dulu, lalu ulangi perintah ini", "keluhan serve is running the embedded database of this data_dir: stop the service first, then run this command again"}
	msgStoreNotEmpty = text{"penyimpanan sudah berisi data: impor hanya ke penyimpanan kosong (data_dir baru atau basis data baru), atau tambahkan --force untuk menggabungkan", "the store already holds data: import only into an empty store (a new data_dir or database), or add --force to merge"}
	msgImportRefused = text{"Impor dibatalkan: arsip tidak cocok dengan manifest-nya; tidak ada yang ditulis.", "Import cancelled: the archive does not match its manifest; nothing was written."}
	msgImportFailed  = text{"impor %s gagal", "import of %s failed"}
	msgImportDone    = text{"Impor selesai dari %s:", "Import finished from %s:"}
	msgImportLine    = text{"%s: %d dibaca, %d ditulis", "%s: %d read, %d written"}
	msgImportBlobs   = text{"blob: %d ditulis", "blobs: %d written"}

	msgKeepForever  = text{"retention.keep_closed kosong, artinya tiket tertutup disimpan selamanya: isi retention.keep_closed (misalnya 1825d) atau sebutkan --before YYYY-MM-DD", "retention.keep_closed is empty, which keeps closed tickets forever: set retention.keep_closed (for example 1825d) or give --before YYYY-MM-DD"}
	msgBeforeKept   = text{"--before %s melewati masa simpan retention.keep_closed (%s): tiket yang ditutup sejak %s masih harus disimpan", "--before %s is inside the retention.keep_closed period (%s): tickets closed since %s must still be kept"}
	colClosed       = text{"DITUTUP", "CLOSED"}
	msgNothingOld   = text{"Tidak ada tiket yang ditutup sebelum %s.", "No ticket was closed before %s."}
	msgPurgeList    = text{"%d tiket ditutup sebelum %s.", "%d tickets were closed before %s."}
	msgDryRun       = text{"Uji coba (--dry-run): tidak ada yang dihapus.", "Dry run (--dry-run): nothing was deleted."}
	msgNeedExport   = text{"belum ada ekspor setelah tiket terakhir di atas ditutup (%s); ekspor dulu, lalu ulangi purge:\n  keluhan export --out /media/cadangan/keluhan-%s.tar.gz", "no export was made after the last ticket above was closed (%s); export first, then run purge again:\n  keluhan export --out /media/backup/keluhan-%s.tar.gz"}
	msgLastExport   = text{"Ekspor terakhir: %s, %s (SHA-256 manifest %s).", "Last export: %s, %s (manifest SHA-256 %s)."}
	msgPurged       = text{"%d tiket dihapus: %d catatan riwayat, %d email masuk, %d email keluar, %d tautan utas, %d blob. Setiap tiket meninggalkan satu catatan \"purged\".", "%d tickets deleted: %d records, %d inbound email, %d outgoing email, %d thread links, %d blobs. Each ticket leaves one \"purged\" record."}
	msgPurgeSkipped = text{"Dilewati %s: %s", "Skipped %s: %s"}
	skipNotFound    = text{"tidak ditemukan", "not found"}
	skipOpen        = text{"dibuka kembali", "reopened"}
	skipMailPending = text{"masih ada email yang belum terkirim (lihat keluhan outbox list)", "email is still waiting to be sent (see keluhan outbox list)"}
	msgPurgedNone   = text{"Tidak ada tiket yang dihapus.", "No ticket was deleted."}
)

// kindLabels names the kinds of an archive's counts.
var kindLabels = map[string]text{
	"tickets":               {"tiket", "tickets"},
	"records":               {"catatan riwayat", "records"},
	"messages":              {"email masuk", "inbound email"},
	archive.KindEML:         {"berkas .eml", ".eml files"},
	archive.KindAttachments: {"lampiran", "attachments"},
	"outbox":                {"antrean email keluar", "outbox"},
	"sent":                  {"email keluar terkirim", "sent email"},
	"capped_sends":          {"catatan batas balasan otomatis", "automatic-reply cap entries"},
	archive.KindBlobs:       {"blob", "blobs"},
	"threads":               {"tautan utas", "thread links"},
	"outcomes":              {"hasil pemrosesan", "processing outcomes"},
	"counters":              {"blok nomor tiket", "ticket number blocks"},
	"mailboxes":             {"status kotak surat", "mailbox states"},
	"file":                  {"berkas", "files"},
}

func kindLabel(p printer, kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return p.t(l)
	}
	return kind
}

func (a *app) exportCommand() *cobra.Command {
	c := a.newCommand("export", helpExport)
	out := c.Flags().String("out", "", a.p.t(helpExportOut))
	verify := c.Flags().String("verify", "", a.p.t(helpExportVerify))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		switch {
		case *out != "" && *verify != "":
			return errors.New(a.p.t(msgOutAndVerify))
		case *verify != "":
			return a.verifyArchive(cmd.Context(), *verify)
		case *out == "":
			return errors.New(a.p.t(msgNeedOutOrVerify))
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			res, err := writeExport(cmd.Context(), c, *out, a.progressOutput())
			if err != nil && res != nil {
				return err // the archive is complete, and err names what is missing
			}
			if err != nil {
				return a.archiveError(err, msgExportFailed, *out)
			}
			a.printExport(res, *out)
			return nil
		})
	}
	return c
}

// writeExport writes everything c's store holds to an archive at out (a
// .tar.gz or .tgz file, or a new or empty folder) and records the export
// in the store, so that purge accepts it. A progress bar is drawn on
// progress when it is not nil. The error wraps archive.ErrExists when
// out is taken. When the archive is complete but recording it failed,
// both the result and an error are returned.
func writeExport(ctx context.Context, c *core, out string, progress io.Writer) (*archive.Result, error) {
	started := time.Now()
	bar, done := newProgress(progress, printer{lang: c.set.desk.Language})
	res, err := archive.Export(ctx, c.store, out, archive.ExportOptions{
		Collections:    store.ExportCollections,
		KeluhanVersion: keluhanVersion(),
		Now:            func() time.Time { return started },
		Progress:       bar,
	})
	done()
	if err != nil {
		return nil, err
	}

	location, err := filepath.Abs(out)
	if err != nil {
		location = out
	}
	rec := store.ExportRecord{ManifestSHA256: res.ManifestSHA256, At: started, Location: location, Tickets: res.Header.Counts["tickets"]}
	if err := c.store.RecordExport(ctx, rec); err != nil {
		return res, fmt.Errorf("%s: %w", printer{lang: c.set.desk.Language}.t(msgExportUnrecord, out), err)
	}
	return res, nil
}

func (a *app) printExport(res *archive.Result, out string) {
	fmt.Fprintln(a.stdout, a.p.t(msgExportDone, out))
	a.printCounts(res.Header)
	fmt.Fprintln(a.stdout, "  "+a.p.t(msgExportSize, res.Files, a.decimal(float64(res.Bytes)/1e6), res.ManifestSHA256))
	if res.AttachmentErrors > 0 {
		fmt.Fprintln(a.stdout, "  "+a.p.t(msgExportAttachErr, res.AttachmentErrors))
	}
	fmt.Fprintln(a.stdout, a.p.t(msgExportCheck, out))
}

// decimal formats v with one decimal, with a decimal comma in
// Indonesian.
func (a *app) decimal(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if a.p.lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// printCounts writes the count of every kind of the archive on one
// line, the main kinds first.
func (a *app) printCounts(h archive.Header) {
	order := []string{"tickets", "records", "messages", archive.KindEML, archive.KindAttachments, "outbox", "sent", archive.KindBlobs}
	for _, k := range slices.Sorted(maps.Keys(h.Counts)) {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %d", kindLabel(a.p, k), h.Counts[k]))
	}
	fmt.Fprintln(a.stdout, "  "+strings.Join(parts, ", "))
}

// verifyArchive runs `export --verify`: it prints the report and fails
// with exit code 1 when the archive does not match its manifest.
func (a *app) verifyArchive(ctx context.Context, path string) error {
	bar, done := newProgress(a.progressOutput(), a.p)
	report, err := archive.Verify(ctx, path, archive.VerifyOptions{Progress: bar})
	done()
	if err != nil {
		return a.archiveError(err, msgVerifyFailed, path)
	}
	a.printReport(path, report)
	if !report.OK() {
		return exitError{code: 1}
	}
	return nil
}

func (a *app) printReport(path string, r *archive.Report) {
	w := a.stdout
	fmt.Fprintln(w, a.p.t(msgArchive, path))
	h := r.Header
	fmt.Fprintln(w, a.p.t(msgArchiveMade, h.CreatedAt.In(a.loc()).Format("2006-01-02 15:04 MST"), h.KeluhanVersion, h.FormatVersion, r.ManifestSHA256))
	a.printCounts(h)
	fmt.Fprintln(w, a.p.t(msgChecked, r.Checked))

	a.printNames(lblMissing, r.Missing, r.MissingCount)
	a.printNames(lblExtra, r.Extra, r.ExtraCount)
	for _, c := range r.Changed {
		line := a.p.t(msgChangedFile, c.Want.Name)
		if c.Got.Size != c.Want.Size {
			line = a.p.t(msgResizedFile, c.Want.Name, c.Got.Size, c.Want.Size)
		}
		fmt.Fprintf(w, "%-9s %s\n", a.p.t(lblChanged), line)
	}
	if more := r.ChangedCount - len(r.Changed); more > 0 {
		fmt.Fprintf(w, "%-9s %s\n", a.p.t(lblChanged), a.p.t(msgMoreNames, more))
	}
	for _, c := range r.Counts {
		fmt.Fprintf(w, "%-9s %s\n", a.p.t(lblCount), a.p.t(msgCountDiffers, kindLabel(a.p, c.Kind), c.Want, c.Got))
	}

	if r.OK() {
		fmt.Fprintln(w, a.p.t(msgVerifyOK))
		return
	}
	fmt.Fprintln(w, a.p.t(msgVerifyBad, r.MissingCount, r.ExtraCount, r.ChangedCount, len(r.Counts)))
}

func (a *app) printNames(label text, names []string, total int) {
	for _, n := range names {
		fmt.Fprintf(a.stdout, "%-9s %s\n", a.p.t(label), n)
	}
	if more := total - len(names); more > 0 {
		fmt.Fprintf(a.stdout, "%-9s %s\n", a.p.t(label), a.p.t(msgMoreNames, more))
	}
}

// archiveError turns an archive error into a message for people, in
// the command line's language.
func (a *app) archiveError(err error, failed text, path string) error {
	switch {
	case errors.Is(err, archive.ErrExists):
		return errors.New(a.p.t(msgExportExists, path))
	case errors.Is(err, archive.ErrNoManifest):
		return errors.New(a.p.t(msgNoManifest, path))
	case errors.Is(err, archive.ErrUnsupported):
		return errors.New(a.p.t(msgUnsupported, path, err))
	}
	return fmt.Errorf("%s: %w", a.p.t(failed, path), err)
}

func (a *app) importCommand() *cobra.Command {
	c := a.newCommand("import ARSIP", helpImport)
	force := c.Flags().Bool("force", false, a.p.t(helpForce))
	c.Args = cobra.ExactArgs(1)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withNewCore(cmd.Context(), func(c *core) error {
			return a.runImport(cmd.Context(), c, args[0], *force)
		})
	}
	return c
}

// runImport checks that the store is empty, which is quick, before the
// archive is verified, which reads all of it.
func (a *app) runImport(ctx context.Context, c *core, path string, force bool) error {
	if err := a.requireOwner(c); err != nil {
		return err
	}
	if !force {
		empty, err := c.store.Empty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			return errors.New(a.p.t(msgStoreNotEmpty))
		}
	}

	bar, done := newProgress(a.progressOutput(), a.p)
	res, err := archive.Import(ctx, c.store, path, archive.ImportOptions{Collections: store.ExportCollections, Progress: bar})
	done()
	if errors.Is(err, archive.ErrVerify) {
		a.printReport(path, res.Report)
		fmt.Fprintln(a.stdout, a.p.t(msgImportRefused))
		return exitError{code: 1}
	}
	if err != nil {
		return a.archiveError(err, msgImportFailed, path)
	}

	fmt.Fprintln(a.stdout, a.p.t(msgImportDone, path))
	for _, coll := range res.Report.Header.Collections {
		fmt.Fprintln(a.stdout, "  "+a.p.t(msgImportLine, kindLabel(a.p, coll), res.Read[coll], res.Inserted[coll]))
	}
	fmt.Fprintln(a.stdout, "  "+a.p.t(msgImportBlobs, res.Blobs))
	return nil
}

func (a *app) purgeCommand() *cobra.Command {
	c := a.newCommand("purge", helpPurge)
	before := c.Flags().String("before", "", a.p.t(helpBefore))
	dryRun := c.Flags().Bool("dry-run", false, a.p.t(helpDryRun))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		return a.withCore(cmd.Context(), func(c *core) error {
			return a.runPurge(cmd.Context(), c, *before, *dryRun, time.Now())
		})
	}
	return c
}

// runPurge lists the tickets closed before the cutoff and, unless
// dryRun, deletes them once an export taken after the last of them
// closed is recorded.
func (a *app) runPurge(ctx context.Context, c *core, before string, dryRun bool, now time.Time) error {
	cutoff, err := a.purgeCutoff(c, before, now)
	if err != nil {
		return err
	}
	day := cutoff.Format("2006-01-02")
	tickets, err := c.store.ClosedTicketsBefore(ctx, cutoff)
	if err != nil {
		return err
	}
	if len(tickets) == 0 {
		fmt.Fprintln(a.stdout, a.p.t(msgNothingOld, day))
		return nil
	}
	a.printPurgeList(c, tickets, day)
	if dryRun {
		fmt.Fprintln(a.stdout, a.p.t(msgDryRun))
		return nil
	}

	last, err := a.exportCovering(ctx, c, tickets, now)
	if err != nil {
		return err
	}
	if err := a.requireOwner(c); err != nil {
		return err
	}
	return a.purge(ctx, c, tickets, last, now)
}

// requireOwner rejects a write that the store only accepts from the
// process that runs the embedded database, while keluhan serve runs it.
func (a *app) requireOwner(c *core) error {
	if c.store.Embedded() && !c.store.OwnsServer() {
		return errors.New(a.p.t(msgDaemonRunning))
	}
	return nil
}

// purgeCutoff returns the start of the --before day in the configured
// time zone, or now less retention.keep_closed. A --before day inside
// the retention period is rejected.
func (a *app) purgeCutoff(c *core, before string, now time.Time) (time.Time, error) {
	var kept time.Time
	if c.set.keep > 0 {
		kept = now.Add(-c.set.keep)
	}
	if before == "" {
		if kept.IsZero() {
			return time.Time{}, errors.New(a.p.t(msgKeepForever))
		}
		return kept, nil
	}
	cutoff, err := time.ParseInLocation("2006-01-02", before, c.set.loc)
	if err != nil {
		return time.Time{}, errors.New(a.p.t(msgBadDate, before))
	}
	if !kept.IsZero() && cutoff.After(kept) {
		return time.Time{}, errors.New(a.p.t(msgBeforeKept, before, formatDays(c.set.keep), kept.In(c.set.loc).Format("2006-01-02")))
	}
	return cutoff, nil
}

func formatDays(d time.Duration) string {
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

func (a *app) printPurgeList(c *core, tickets []*workflow.Ticket, day string) {
	tw := newTable(a.stdout)
	tw.row(a.p.t(colNumber), a.p.t(colClosed), a.p.t(colSubject))
	for _, t := range tickets {
		tw.row(t.Number, c.localTime(t.ClosedAt), clip(t.Subject, 60))
	}
	tw.flush()
	fmt.Fprintln(a.stdout, a.p.t(msgPurgeList, len(tickets), day))
}

// exportCovering returns the last recorded export if it started after
// every one of tickets was closed, and otherwise an error that names
// the command to run.
func (a *app) exportCovering(ctx context.Context, c *core, tickets []*workflow.Ticket, now time.Time) (store.ExportRecord, error) {
	var newest time.Time
	for _, t := range tickets {
		newest = maxTime(newest, t.ClosedAt)
	}
	need := errors.New(a.p.t(msgNeedExport, c.localTime(newest), now.In(c.set.loc).Format("2006-01-02")))

	last, err := c.store.LastExport(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return last, need
	}
	if err != nil {
		return last, err
	}
	fmt.Fprintln(a.stdout, a.p.t(msgLastExport, c.localTime(last.At), last.Location, last.ManifestSHA256))
	if !last.At.After(newest) {
		return last, need
	}
	return last, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// purge deletes the tickets and prints what was deleted and skipped.
func (a *app) purge(ctx context.Context, c *core, tickets []*workflow.Ticket, last store.ExportRecord, now time.Time) error {
	numbers := make([]string, len(tickets))
	for i, t := range tickets {
		numbers[i] = t.Number
	}
	stats, err := c.store.PurgeTickets(ctx, numbers, purgeRecord(last, now, currentUser()))
	if err != nil {
		return err
	}
	if stats.Tickets > 0 {
		fmt.Fprintln(a.stdout, a.p.t(msgPurged, stats.Tickets, stats.Records, stats.Messages, stats.Outgoing, stats.Threads, stats.Blobs))
	} else {
		fmt.Fprintln(a.stdout, a.p.t(msgPurgedNone))
	}
	reasons := map[store.PurgeSkipReason]text{
		store.PurgeSkipNotFound: skipNotFound, store.PurgeSkipOpen: skipOpen, store.PurgeSkipMailPending: skipMailPending,
	}
	for _, s := range stats.Skipped {
		fmt.Fprintln(a.stdout, a.p.t(msgPurgeSkipped, s.Number, a.p.t(reasons[s.Reason])))
	}
	return nil
}

// purgeRecord returns the audit record a purged ticket leaves: who
// purged it and when, its dates and category, and the export that keeps
// its data. It names no person of the complaint.
func purgeRecord(last store.ExportRecord, now time.Time, by string) func(*workflow.Ticket) workflow.Record {
	return func(t *workflow.Ticket) workflow.Record {
		return workflow.Record{
			Key:       "purge:" + t.Number,
			At:        now,
			Actor:     workflow.ActorSystem,
			ActorRole: workflow.RoleSystem,
			Detail: map[string]string{
				"received_at":            t.ReceivedAt.UTC().Format(time.RFC3339),
				"closed_at":              t.ClosedAt.UTC().Format(time.RFC3339),
				"category":               string(t.Category),
				"purged_by":              by,
				"export_at":              last.At.UTC().Format(time.RFC3339),
				"export_location":        last.Location,
				"export_manifest_sha256": last.ManifestSHA256,
			},
		}
	}
}

// progressOutput returns standard error when it is a terminal, where a
// progress bar helps, and nil otherwise, so that logs and pipes stay
// clean.
func (a *app) progressOutput() io.Writer {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// newProgress returns a progress function that draws a bar on w, with
// the kind of item in hand as its description, and the function that
// clears the bar. With w nil both do nothing.
func newProgress(w io.Writer, p printer) (archive.Progress, func()) {
	if w == nil {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	current := ""
	update := func(kind string, n int) {
		if kind != current {
			current = kind
			bar.Describe(kindLabel(p, kind))
		}
		// A bar that cannot draw only loses the picture.
		_ = bar.Add(n)
	}
	// See update: a bar that cannot draw only loses the picture.
	return update, func() { _ = bar.Finish() }
}

// keluhanVersion returns the module version this binary was built from,
// with the commit when the build recorded one.
func keluhanVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	version := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			version += " " + s.Value[:12]
		}
	}
	return version
}
