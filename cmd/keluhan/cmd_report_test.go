package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

func TestReportPeriod(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.December, 8, 10, 0, 0, 0, loc)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }

	cases := []struct {
		name, from, to string
		wantFrom       time.Time
		wantTo         time.Time
		wantErr        string
	}{
		{"defaults", "", "", day(time.December, 1), day(time.December, 9), ""},
		{"to is included", "2026-11-01", "2026-11-30", day(time.November, 1), day(time.December, 1), ""},
		{"one day", "2026-11-05", "2026-11-05", day(time.November, 5), day(time.November, 6), ""},
		{"from only", "2026-10-01", "", day(time.October, 1), day(time.December, 9), ""},
		{"to before from", "2026-11-30", "2026-11-01", time.Time{}, time.Time{}, "periode tidak valid: --to 2026-11-01 lebih awal dari --from 2026-11-30"},
		{"invalid date", "2026-13-01", "", time.Time{}, time.Time{}, `tanggal tidak valid "2026-13-01": gunakan YYYY-MM-DD`},
	}
	a := &app{p: printer{lang: "id"}}
	for _, tc := range cases {
		from, to, err := a.reportPeriod(tc.from, tc.to, now, loc)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("reportPeriod(%s) error = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("reportPeriod(%s) error = %v", tc.name, err)
			continue
		}
		if !from.Equal(tc.wantFrom) || !to.Equal(tc.wantTo) {
			t.Errorf("reportPeriod(%s) = %v, %v, want %v, %v", tc.name, from, to, tc.wantFrom, tc.wantTo)
		}
	}
}

func TestReportWriter(t *testing.T) {
	cases := []struct {
		lang, format, wantErr string
	}{
		{"id", "html", ""},
		{"id", "csv", ""},
		{"id", "json", ""},
		{"id", "pdf", `format tidak dikenal "pdf": gunakan html, csv atau json`},
		{"en", "HTML", `unknown format "HTML": use html, csv or json`},
	}
	for _, tc := range cases {
		a := &app{p: printer{lang: tc.lang}}
		write, err := a.reportWriter(tc.format)
		switch {
		case tc.wantErr == "" && (err != nil || write == nil):
			t.Errorf("reportWriter(%q) = %v, want a writer", tc.format, err)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("reportWriter(%q) error = %v, want %q", tc.format, err, tc.wantErr)
		}
	}
}

func TestRecurrenceMinInvalid(t *testing.T) {
	for _, value := range []string{"0", "-0.2", "1.5"} {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, configPath: filepath.Join(t.TempDir(), "absent.yaml"), env: func(string) string { return "" }, p: printer{lang: "id"}}
		cmd := a.reportCommand()
		cmd.SetArgs([]string{"recurrence", "--min", value})
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "nilai --min tidak valid") {
			t.Errorf("recurrence --min %s error = %v, want the invalid --min message", value, err)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "laporan.html")

	if err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "lengkap")
		return err
	}); err != nil {
		t.Fatalf("writeFileAtomic: %v", err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "lengkap" {
		t.Errorf("file = %q, %v, want %q", got, err, "lengkap")
	}

	failed := errors.New("disk full")
	err := writeFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "separuh")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("writeFileAtomic error = %v, want it to wrap %v", err, failed)
	}
	if got, _ := os.ReadFile(path); string(got) != "lengkap" {
		t.Errorf("file after a failed write = %q, want the earlier content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries after a failed write, want 1 (no temporary file left)", len(entries))
	}
}

// TestReportCommand runs keluhan report and keluhan report recurrence
// against the embedded store holding three tickets of November 2026.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	configPath := filepath.Join(dir, "keluhan.yaml")
	config := fmt.Sprintf(`
language: id
data_dir: %q
helpdesk: {address: helpdesk@layanan.example.go.id, name: "Service Desk Uji"}
roles:
  service_desk: [{name: Petugas, address: petugas@layanan.example.go.id}]
  complaint_managers: [{name: Pengelola, address: pengelola@layanan.example.go.id}]
  supervisors: [{name: Atasan, address: atasan@layanan.example.go.id}]
  incident_management: {name: Insiden, address: insiden@layanan.example.go.id}
trust: {authserv_ids: [mx.layanan.example.go.id]}
privacy: {mask_requester: true}
`, filepath.Join(dir, "data"))
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(name string) string {
		if name == "KELUHAN_TOKEN_SECRET" {
			return "report-test-secret-0123456789"
		}
		return ""
	}
	seedReportStore(t, configPath, env)

	run := func(t *testing.T, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, configPath: configPath, env: env, p: printer{lang: "id"}}
		cmd := a.reportCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("keluhan report %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}

	t.Run("json to a file", func(t *testing.T) {
		out := filepath.Join(dir, "laporan.json")
		msg := run(t, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json", "--out", out)
		if want := "Laporan 2 keluhan (2026-11-01 s.d. 2026-11-30) ditulis ke " + out + ".\n"; msg != want {
			t.Errorf("message = %q, want %q", msg, want)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Register []struct {
				Number    string         `json:"number"`
				Requester workflow.Party `json:"requester"`
				Steps     []struct {
					Step     string `json:"step"`
					Breaches int    `json:"breach_notices"`
				} `json:"steps"`
			} `json:"register"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("report JSON: %v", err)
		}
		if len(doc.Register) != 2 || doc.Register[0].Number != "KLH-2026-000001" || doc.Register[1].Number != "KLH-2026-000002" {
			t.Fatalf("register = %+v, want KLH-2026-000001 and KLH-2026-000002", doc.Register)
		}
		if got := doc.Register[0].Requester.Email; got != "b***@example.com" {
			t.Errorf("requester email = %q, want it masked by privacy.mask_requester", got)
		}
		if got := doc.Register[0].Steps[0]; got.Step != "verification" || got.Breaches != 1 {
			t.Errorf("first step = %+v, want verification with 1 breach notice from the records", got)
		}
	})

	t.Run("csv unmasked", func(t *testing.T) {
		out := run(t, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv", "--mask=false")
		if !strings.HasPrefix(out, "\uFEFFNomor;Diterima;") {
			t.Errorf("CSV starts %q, want a BOM and the Indonesian header", out[:min(len(out), 40)])
		}
		if !strings.Contains(out, "budi@example.com") {
			t.Errorf("CSV lacks the unmasked address with --mask=false")
		}
	})

	t.Run("html", func(t *testing.T) {
		out := run(t, "--from", "2026-11-01", "--to", "2026-11-30", "--official", "Kepala Pusat Data dan Informasi", "--place", "Jakarta")
		for _, want := range []string{"<!DOCTYPE html>", "Periode: 1 November 2026 s.d. 30 November 2026", "Service Desk Uji", "KLH-2026-000002", "Kepala Pusat Data dan Informasi"} {
			if !strings.Contains(out, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		if strings.Contains(out, "KLH-2026-000003") {
			t.Errorf("HTML lists KLH-2026-000003, received after the period")
		}
	})

	t.Run("recurrence", func(t *testing.T) {
		out := run(t, "recurrence", "--since", "2026-11-01")
		if !strings.HasPrefix(out, "Kelompok 1: login, simpeg, sandi (3 keluhan)\n") {
			t.Errorf("recurrence output:\n%s\nwant group 1 of three tickets", out)
		}
		var groups []recurrenceGroup
		if err := json.Unmarshal([]byte(run(t, "recurrence", "--since", "2026-11-10", "--json")), &groups); err != nil {
			t.Fatalf("recurrence JSON: %v", err)
		}
		if len(groups) != 1 || len(groups[0].Members) != 2 || groups[0].Members[0].Number != "KLH-2026-000002" {
			t.Errorf("recurrence since 10 November = %+v, want one group of KLH-2026-000002 and KLH-2026-000003", groups)
		}
	})
}

// seedReportStore stores three tickets about the same complaint, two in
// November 2026 and one in December, and a breach record.
func seedReportStore(t *testing.T, configPath string, env func(string) string) {
	t.Helper()
	cfg, err := LoadConfig(configPath, env)
	if err != nil {
		t.Fatal(err)
	}
	set, err := buildSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := openCore(ctx, set, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()

	received := []time.Time{
		time.Date(2026, time.November, 3, 9, 0, 0, 0, set.loc),
		time.Date(2026, time.November, 17, 10, 0, 0, 0, set.loc),
		time.Date(2026, time.December, 1, 11, 0, 0, 0, set.loc),
	}
	var tickets []*workflow.Ticket
	for i, at := range received {
		number := fmt.Sprintf("KLH-2026-%06d", i+1)
		tickets = append(tickets, &workflow.Ticket{
			Number: number, SourceKey: "test:" + number, Version: 1, Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Budi", Email: "budi@example.com"}, Language: "id",
			Subject: "Tidak bisa login SIMPEG", State: workflow.StateNew, ReceivedAt: at, UpdatedAt: at,
			Triage: workflow.TriageResult{Category: workflow.CategoryTechnical, Confidence: 0.9},
			Terms:  []string{"login", "simpeg", "sandi"},
			Clocks: []workflow.Clock{{Step: workflow.StepVerify, Started: at, Standard: 8 * time.Hour, Due: set.cal.AddWorking(at, 8*time.Hour)}},
		})
	}
	if _, err := c.store.InsertTickets(ctx, tickets); err != nil {
		t.Fatalf("InsertTickets: %v", err)
	}
	breach := workflow.Record{
		Key: "test:breach", Ticket: "KLH-2026-000001", Type: workflow.RecordSLABreach, At: received[0].Add(24 * time.Hour),
		Actor: workflow.ActorSystem, Text: string(workflow.StepVerify), Detail: map[string]string{"step": string(workflow.StepVerify)},
	}
	if err := c.store.AppendRecords(ctx, []workflow.Record{breach}); err != nil {
		t.Fatalf("AppendRecords: %v", err)
	}
}
