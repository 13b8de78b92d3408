package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/store/archive"
	"github.com/keluhan/keluhan/workflow"
)

// exportEnv supplies the secrets of the test configurations.
func exportEnv(name string) string {
	if name == "KELUHAN_TOKEN_SECRET" {
		return "export-secret-0123456789"
	}
	return ""
}

// writeExportConfig writes a configuration file with its own data folder
// and returns its path.
func writeExportConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf(`
language: id
data_dir: %q
helpdesk: {address: helpdesk@layanan.example.go.id, name: Helpdesk}
roles:
  service_desk: [{name: Petugas, address: petugas@layanan.example.go.id}]
  complaint_managers: [{name: Pengelola, address: pengelola@layanan.example.go.id}]
  supervisors: [{name: Atasan, address: atasan@layanan.example.go.id}]
  incident_management: {name: Insiden, address: insiden@layanan.example.go.id}
trust: {authserv_ids: [mx.layanan.example.go.id]}
%s`, filepath.Join(dir, "data"), extra)
	path := filepath.Join(dir, "keluhan.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openRun opens the core of a configuration with a pipeline, as the
// corpus test does; close it before running a command on the same data.
func openRun(t *testing.T, configPath string) *corpusRun {
	t.Helper()
	cfg, err := LoadConfig(configPath, exportEnv)
	if err != nil {
		t.Fatal(err)
	}
	set, err := buildSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := openCore(context.Background(), set, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &corpusRun{
		t: t, c: c,
		pipe:    ingest.NewPipeline(set.pipeline, c.store, c.desk, log, time.Now),
		tickets: map[string]string{}, keys: map[string]string{},
	}
}

// runCommand runs one subcommand as the binary would and returns its
// standard output and exit code.
func runCommand(t *testing.T, configPath string, build func(*app) *cobra.Command, args ...string) (string, int) {
	t.Helper()
	out, _, code := runCommandEnv(t, configPath, exportEnv, build, args...)
	return out, code
}

// runCommandEnv is runCommand with env as the environment, and it also
// returns the standard error.
func runCommandEnv(t *testing.T, configPath string, env func(string) string, build func(*app) *cobra.Command, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, configPath: configPath, env: env, p: printer{lang: "id"}}
	cmd := build(a)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	var exit exitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.code
	}
	return out.String() + a.p.t(msgErrorPrefix) + " " + err.Error(), errOut.String(), 1
}

// fillFromCorpus feeds every corpus email through the real pipeline and
// Desk, closes two tickets by staff reply, sends some outgoing mail and
// stores a blob.
func fillFromCorpus(t *testing.T, r *corpusRun) {
	t.Helper()
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil || len(files) < 30 {
		t.Fatalf("corpus files: %d, %v", len(files), err)
	}
	for _, f := range files {
		r.feed(filepath.Base(f))
	}
	r.closeTicketOf("B03-andi-thunderbird-petugas.eml")
	r.closeTicketOf("B01-budi-gmail-login.eml")
	for range 5 {
		row, err := r.c.store.ClaimOutgoing(ctx, "test", time.Now().Add(time.Minute), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.c.store.MarkSent(ctx, row.Key, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.c.store.PutBlob(ctx, "manual/uji/0-surat.pdf", strings.NewReader("%PDF-1.4 surat")); err != nil {
		t.Fatal(err)
	}
}

// commandStep is one command run and what it must print.
type commandStep struct {
	name     string
	config   string
	build    func(*app) *cobra.Command
	args     []string
	wantCode int
	want     string
}

func runSteps(t *testing.T, steps []commandStep) {
	t.Helper()
	for _, s := range steps {
		out, code := runCommand(t, s.config, s.build, s.args...)
		if code != s.wantCode || !strings.Contains(out, s.want) {
			t.Fatalf("%s: exit %d, output:\n%s\nwant exit %d and %q", s.name, code, out, s.wantCode, s.want)
		}
	}
}

func TestExportImportCommands(t *testing.T) {
	original := writeExportConfig(t, "")
	r := openRun(t, original)
	fillFromCorpus(t, r)
	r.c.close()
	restored := writeExportConfig(t, "")
	dir := t.TempDir()
	tarball := filepath.Join(dir, "keluhan.tar.gz")
	folder := filepath.Join(dir, "pulih")

	runSteps(t, []commandStep{
		{"export tar", original, (*app).exportCommand, []string{"--out", tarball}, 0, "Ekspor selesai"},
		{"export taken", original, (*app).exportCommand, []string{"--out", tarball}, 1, "sudah ada"},
		{"no destination", original, (*app).exportCommand, nil, 1, "--out"},
		{"verify tar", original, (*app).exportCommand, []string{"--verify", tarball}, 0, "Hasil: BAIK"},
		{"import", restored, (*app).importCommand, []string{tarball}, 0, "Impor selesai"},
		{"import again", restored, (*app).importCommand, []string{tarball}, 1, "penyimpanan sudah berisi data"},
		{"import forced", restored, (*app).importCommand, []string{"--force", tarball}, 0, "0 ditulis"},
		{"export restored", restored, (*app).exportCommand, []string{"--out", folder}, 0, "Ekspor selesai"},
	})

	compareArchives(t, tarball, folder)
	compareRestored(t, original, restored)
}

// compareArchives checks that two exports list identical files and
// counts, apart from creation time.
func compareArchives(t *testing.T, first, second string) {
	t.Helper()
	h1, files1 := manifestOf(t, first)
	h2, files2 := manifestOf(t, second)
	h1.CreatedAt, h2.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(h1, h2) {
		t.Errorf("manifest headers differ:\n first  %+v\n second %+v", h1, h2)
	}
	if len(files1) != len(files2) {
		t.Errorf("manifests list %d and %d files", len(files1), len(files2))
	}
	for i := range min(len(files1), len(files2)) {
		if files1[i] != files2[i] {
			t.Errorf("manifest file %d = %+v, then %+v", i, files1[i], files2[i])
		}
	}
	t.Logf("archive: %d files, counts %v", len(files1), h1.Counts)
	if h1.Counts["tickets"] < 20 || h1.Counts[archive.KindEML] < 40 || h1.Counts[archive.KindAttachments] == 0 || h1.Counts[archive.KindBlobs] != 1 {
		t.Errorf("counts %v: want a realistic store", h1.Counts)
	}
}

// manifestOf reads the manifest of a folder or tar archive.
func manifestOf(t *testing.T, path string) (archive.Header, []archive.File) {
	t.Helper()
	r := manifestReader(t, path)
	var files []archive.File
	h, err := archive.ReadManifest(r, func(f archive.File) error { files = append(files, f); return nil })
	if err != nil {
		t.Fatalf("ReadManifest(%s): %v", path, err)
	}
	return h, files
}

func manifestReader(t *testing.T, path string) io.Reader {
	t.Helper()
	if !strings.HasSuffix(path, ".tar.gz") {
		data, err := os.ReadFile(filepath.Join(path, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(data)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var last string
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no manifest in %s (last entry %s): %v", path, last, err)
		}
		if hdr.Name != "manifest.json" {
			last = hdr.Name
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Next(); err != io.EOF {
			t.Errorf("manifest.json of %s is not the last entry", path)
		}
		return bytes.NewReader(data)
	}
}

// compareRestored checks that the restored store holds every ticket with
// the same timeline, finds tickets by thread, keeps outbox statuses and
// continues the ticket numbers.
func compareRestored(t *testing.T, original, restored string) {
	t.Helper()
	ctx := context.Background()
	want := snapshotStore(t, original)
	got := snapshotStore(t, restored)
	if len(want.tickets) < 20 || !reflect.DeepEqual(got.tickets, want.tickets) {
		t.Errorf("restored tickets differ: %d restored, %d original", len(got.tickets), len(want.tickets))
	}
	for number, records := range want.timelines {
		if !reflect.DeepEqual(got.timelines[number], records) {
			t.Errorf("timeline of %s:\n got  %+v\n want %+v", number, got.timelines[number], records)
		}
	}
	if !reflect.DeepEqual(got.threads, want.threads) || len(want.threads) == 0 {
		t.Errorf("TicketsByMessageID() = %v, want %v", got.threads, want.threads)
	}
	if !reflect.DeepEqual(got.outbox, want.outbox) || want.outbox[workflow.OutboxSent] == 0 {
		t.Errorf("OutboxCounts() = %v, want %v", got.outbox, want.outbox)
	}

	r := openRun(t, restored)
	defer r.c.close()
	o := r.feed("B02-siti-outlook-pnbp.eml")
	raw := message("Rina", "rina@contoh.go.id", "", "Permohonan baru", "Formulir tidak bisa dikirim.", "baru-1@contoh.go.id", nil)
	outcomes, err := r.pipe.HandleRaw(ctx, [][]byte{raw})
	if err != nil || outcomes[0].Ticket == "" {
		t.Fatalf("HandleRaw(new complaint) = %+v, %v", outcomes, err)
	}
	if next := nextNumber(want.tickets); outcomes[0].Ticket != next {
		t.Errorf("new ticket after import = %s, want %s (a redelivered message joined %s)", outcomes[0].Ticket, next, o.Ticket)
	}
}

// storeSnapshot is what compareRestored compares.
type storeSnapshot struct {
	tickets   map[string]*workflow.Ticket
	timelines map[string][]workflow.Record
	threads   map[string]string
	outbox    map[workflow.OutboxStatus]int
}

func snapshotStore(t *testing.T, configPath string) storeSnapshot {
	t.Helper()
	ctx := context.Background()
	r := openRun(t, configPath)
	defer r.c.close()
	st := r.c.store
	snap := storeSnapshot{tickets: map[string]*workflow.Ticket{}, timelines: map[string][]workflow.Record{}}

	err := st.EachTicket(ctx, func(tk *workflow.Ticket) error {
		snap.tickets[tk.Number] = tk
		records, err := st.Records(ctx, tk.Number)
		snap.timelines[tk.Number] = records
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	var ids []string
	err = st.EachMessage(ctx, func(d *store.MessageDoc) error {
		if d.MessageID != "" {
			ids = append(ids, d.MessageID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if snap.threads, err = st.TicketsByMessageID(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if snap.outbox, err = st.OutboxCounts(ctx); err != nil {
		t.Fatal(err)
	}
	return snap
}

// nextNumber returns the number after the highest of tickets.
func nextNumber(tickets map[string]*workflow.Ticket) string {
	highest := ""
	for n := range tickets {
		highest = max(highest, n)
	}
	var prefix string
	var seq int
	i := strings.LastIndexByte(highest, '-')
	prefix = highest[:i+1]
	fmt.Sscanf(highest[i+1:], "%d", &seq)
	return fmt.Sprintf("%s%06d", prefix, seq+1)
}

func TestExportVerifyFindsDamage(t *testing.T) {
	config := writeExportConfig(t, "")
	r := openRun(t, config)
	for _, f := range []string{"B01-budi-gmail-login.eml", "X05-forward-as-attachment.eml", "C37-rfc2231-filename-continuation.eml"} {
		r.feed(f)
	}
	r.c.close()
	clean := filepath.Join(t.TempDir(), "arsip")
	runSteps(t, []commandStep{{"export", config, (*app).exportCommand, []string{"--out", clean}, 0, "Ekspor selesai"}})

	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   string
	}{
		{"flipped byte", func(t *testing.T, dir string) { flipFileByte(t, filepath.Join(dir, "tickets.jsonl")) }, "BERUBAH   tickets.jsonl"},
		{"missing file", func(t *testing.T, dir string) { removeGlob(t, filepath.Join(dir, "attachments", "*", "*")) }, "HILANG    attachments/"},
		{"extra file", func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "catatan.txt")) }, "TAMBAHAN  catatan.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "arsip")
			if err := os.CopyFS(dir, os.DirFS(clean)); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			fresh := writeExportConfig(t, "")
			runSteps(t, []commandStep{
				{"verify", config, (*app).exportCommand, []string{"--verify", dir}, 1, tc.want},
				{"verify summary", config, (*app).exportCommand, []string{"--verify", dir}, 1, "Hasil: RUSAK"},
				{"import", fresh, (*app).importCommand, []string{dir}, 1, "Impor dibatalkan"},
			})
			r := openRun(t, fresh)
			defer r.c.close()
			if empty, err := r.c.store.Empty(context.Background()); err != nil || !empty {
				t.Errorf("Empty() after refused import = %v, %v, want true", empty, err)
			}
		})
	}
}

func flipFileByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func removeGlob(t *testing.T, pattern string) {
	t.Helper()
	matches, err := filepath.Glob(pattern)
	if err != nil || len(matches) == 0 {
		t.Fatalf("no file matches %s: %v", pattern, err)
	}
	if err := os.Remove(matches[0]); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("catatan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestPurgeCommand(t *testing.T) {
	config := writeExportConfig(t, "")
	r := openRun(t, config)
	r.feed("B01-budi-gmail-login.eml")
	r.feed("B03-andi-thunderbird-petugas.eml")
	r.closeTicketOf("B03-andi-thunderbird-petugas.eml")
	closed, open := r.tickets["B03-andi-thunderbird-petugas.eml"], r.tickets["B01-budi-gmail-login.eml"]
	r.c.close()
	cutoffDay := time.Now().Add(48 * time.Hour).Format("2006-01-02") // a day ahead in any time zone
	archivePath := filepath.Join(t.TempDir(), "arsip.tar.gz")

	runSteps(t, []commandStep{
		{"no retention", config, (*app).purgeCommand, nil, 1, "retention.keep_closed kosong"},
		{"bad date", config, (*app).purgeCommand, []string{"--before", "kemarin"}, 1, "tanggal tidak valid"},
		{"dry run", config, (*app).purgeCommand, []string{"--before", cutoffDay, "--dry-run"}, 0, "Uji coba"},
		{"dry run lists", config, (*app).purgeCommand, []string{"--before", cutoffDay, "--dry-run"}, 0, closed},
		{"no export", config, (*app).purgeCommand, []string{"--before", cutoffDay}, 1, "keluhan export --out"},
		{"export", config, (*app).exportCommand, []string{"--out", archivePath}, 0, "Ekspor selesai"},
		{"closure mail pending", config, (*app).purgeCommand, []string{"--before", cutoffDay}, 0, "masih ada email yang belum terkirim"},
	})

	r = openRun(t, config)
	sendAll(t, r.c.store)
	r.c.close()
	runSteps(t, []commandStep{
		{"purge", config, (*app).purgeCommand, []string{"--before", cutoffDay}, 0, "1 tiket dihapus"},
		{"nothing left", config, (*app).purgeCommand, []string{"--before", cutoffDay}, 0, "Tidak ada tiket"},
	})

	r = openRun(t, config)
	defer r.c.close()
	checkPurgedTicket(t, r.c.store, closed, open)
}

// sendAll marks every due outbox row sent.
func sendAll(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for {
		row, err := st.ClaimOutgoing(ctx, "test", time.Now().Add(time.Minute), time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := st.MarkSent(ctx, row.Key, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPurgedTicket checks that purged left only its purge record, which
// names the export, and that the open ticket is whole.
func checkPurgedTicket(t *testing.T, st *store.Store, purged, open string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Ticket(ctx, purged); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Ticket(%s) error = %v, want ErrNotFound", purged, err)
	}
	records, err := st.Records(ctx, purged)
	if err != nil || len(records) != 1 || records[0].Type != workflow.RecordPurged {
		t.Fatalf("Records(%s) = %+v, %v, want one purge record", purged, records, err)
	}
	last, err := st.LastExport(ctx)
	if err != nil || records[0].Detail["export_manifest_sha256"] != last.ManifestSHA256 || records[0].Detail["closed_at"] == "" {
		t.Errorf("purge record detail = %v, want the export %+v and the closing time", records[0].Detail, last)
	}
	messages, err := st.MessagesByTicket(ctx, purged)
	if err != nil || len(messages) != 0 {
		t.Errorf("MessagesByTicket(%s) = %d, %v, want none", purged, len(messages), err)
	}
	if tk, err := st.Ticket(ctx, open); err != nil || tk.State == workflow.StateClosed {
		t.Errorf("Ticket(%s) = %+v, %v, want the open ticket kept", open, tk, err)
	}
}

func TestPurgeRespectsRetention(t *testing.T) {
	config := writeExportConfig(t, "retention: {keep_closed: 30d}\n")
	openRun(t, config).c.close()                                     // a store exists, as after a first serve
	cutoffDay := time.Now().Add(48 * time.Hour).Format("2006-01-02") // a day ahead in any time zone
	runSteps(t, []commandStep{
		{"inside retention", config, (*app).purgeCommand, []string{"--before", cutoffDay}, 1, "masa simpan retention.keep_closed (30d)"},
		{"default cutoff", config, (*app).purgeCommand, nil, 0, "Tidak ada tiket yang ditutup sebelum"},
	})
}

func TestImportWhileServing(t *testing.T) {
	config := writeExportConfig(t, "")
	dir := t.TempDir()
	r := openRun(t, config)
	r.feed("B01-budi-gmail-login.eml")
	defer r.c.close()

	// The open core runs the embedded database, as keluhan serve would;
	// the commands connect to it as clients.
	runSteps(t, []commandStep{
		{"export", config, (*app).exportCommand, []string{"--out", filepath.Join(dir, "arsip")}, 0, "Ekspor selesai"},
		{"import", config, (*app).importCommand, []string{"--force", filepath.Join(dir, "arsip")}, 1, "hentikan layanan dulu"},
	})
}
