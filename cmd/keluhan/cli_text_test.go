package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keluhan/keluhan/workflow"
)

// runIn runs the command line with KELUHAN_LANGUAGE set to lang and no
// configuration file, and returns the exit code and both streams.
func runIn(t *testing.T, lang string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("KELUHAN_LANGUAGE", lang)
	t.Setenv("KELUHAN_CONFIG", filepath.Join(t.TempDir(), "none.yaml"))
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCobraErrorsInIndonesian checks that cobra's and pflag's English
// messages about a wrong command line are rewritten in Indonesian.
func TestCobraErrorsInIndonesian(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"foo"}, `perintah "foo" tidak dikenal di keluhan (lihat keluhan --help)`},
		{[]string{"tiket"}, `perintah "tiket" tidak dikenal di keluhan; mungkin maksud Anda ticket? (lihat keluhan --help)`},
		{[]string{"ticket", "list", "--bogus"}, "opsi --bogus tidak dikenal (lihat keluhan ticket list --help)"},
		{[]string{"ticket", "list", "-z"}, "opsi singkat -z (dalam -z) tidak dikenal"},
		{[]string{"ticket", "list", "--limit"}, "opsi --limit memerlukan nilai"},
		{[]string{"ticket", "list", "--limit", "banyak"}, `nilai "banyak" tidak valid untuk opsi --limit: isi dengan bilangan bulat`},
		{[]string{"ticket", "show"}, "keluhan ticket show memerlukan tepat 1 argumen, tetapi diberi 0 (penggunaan: keluhan ticket show NOMOR [opsi])"},
		{[]string{"outbox", "retry", "a", "b"}, "keluhan outbox retry menerima paling banyak 1 argumen, tetapi diberi 2"},
		{[]string{"ticket", "list", "extra"}, `perintah "extra" tidak dikenal di keluhan ticket list`},
		{[]string{"ticket", "lst"}, `perintah "lst" tidak dikenal di keluhan ticket; mungkin maksud Anda list? (lihat keluhan ticket --help)`},
	}
	for _, tt := range tests {
		code, _, stderr := runIn(t, "id", tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("keluhan %s: exit %d, stderr %q; want non-zero and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
		for _, english := range []string{"unknown", "accepts", "requires", "invalid argument", "flag needs", "Did you mean", "did you mean", "[flags]"} {
			if strings.Contains(stderr, english) {
				t.Errorf("keluhan %s: stderr has English %q: %q", strings.Join(tt.args, " "), english, stderr)
			}
		}
	}
}

func TestCobraErrorsInEnglish(t *testing.T) {
	code, _, stderr := runIn(t, "en", "ticket", "show")
	want := "keluhan ticket show takes exactly 1 argument, but got 0 (usage: keluhan ticket show NOMOR [flags])"
	if code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want %q", code, stderr, want)
	}
	code, _, stderr = runIn(t, "en", "ticket", "lst")
	if code == 0 || !strings.Contains(stderr, `unknown command "lst" for keluhan ticket`) || !strings.Contains(stderr, "did you mean list? (see keluhan ticket --help)") {
		t.Errorf("ticket lst: exit %d, stderr %q", code, stderr)
	}
}

// TestCobraMessageLeavesOthers checks that a message of no cobra shape
// is kept.
func TestCobraMessageLeavesOthers(t *testing.T) {
	a := &app{p: printer{lang: "id"}}
	root := a.rootCommand()
	for _, msg := range []string{"tiket KLH-1 tidak ditemukan", "open x.eml: no such file or directory"} {
		if got := a.cobraMessage(root, msg); got != msg {
			t.Errorf("cobraMessage(%q) = %q, want it unchanged", msg, got)
		}
	}
}

// TestGroupCommandsRejectUnknownSubcommands runs a mistyped subcommand
// of every command that groups others. Each must fail with the unknown
// command error, and the group alone must still print its help.
func TestGroupCommandsRejectUnknownSubcommands(t *testing.T) {
	a := &app{p: printer{lang: "id"}, env: func(string) string { return "" }, configPath: "none.yaml"}
	var groups []string
	for _, c := range a.rootCommand().Commands() {
		if c.HasSubCommands() {
			groups = append(groups, c.Name())
		}
	}
	if len(groups) < 5 {
		t.Fatalf("group commands = %v, want ticket, outbox, config, report, triage at least", groups)
	}
	for _, g := range groups {
		code, stdout, stderr := runIn(t, "id", g, "lst")
		want := `perintah "lst" tidak dikenal di keluhan ` + g
		if code == 0 || !strings.Contains(stderr, want) || strings.Contains(stdout, "Penggunaan:") {
			t.Errorf("keluhan %s lst: exit %d, stdout %q, stderr %q; want non-zero and %q", g, code, stdout, stderr, want)
		}
		if g == "report" {
			continue // report alone runs the report
		}
		code, stdout, _ = runIn(t, "id", g)
		if code != 0 || !strings.Contains(stdout, "Penggunaan:") {
			t.Errorf("keluhan %s: exit %d, stdout %q; want its help", g, code, stdout)
		}
	}
}

func TestPluralForms(t *testing.T) {
	en, id := printer{lang: "en"}, printer{lang: "id"}
	tests := []struct {
		p    printer
		args []any
		want string
	}{
		{en, []any{"typo.yaml", 1, 0}, "Configuration typo.yaml: 1 error, 0 warnings."},
		{en, []any{"typo.yaml", 2, 1}, "Configuration typo.yaml: 2 errors, 1 warning."},
		{id, []any{"typo.yaml", 1, 1}, "Konfigurasi typo.yaml: 1 galat, 1 peringatan."},
	}
	for _, tt := range tests {
		if got := tt.p.t(msgCheckProblems, tt.args...); got != tt.want {
			t.Errorf("t(msgCheckProblems, %v) in %s = %q, want %q", tt.args, tt.p.lang, got, tt.want)
		}
	}
}

func TestOutboxStatusNames(t *testing.T) {
	for _, lang := range []string{"id", "en"} {
		a := &app{p: printer{lang: lang}}
		for _, st := range []workflow.OutboxStatus{workflow.OutboxPending, workflow.OutboxSending, workflow.OutboxSent, workflow.OutboxFailed, workflow.OutboxSuppressed} {
			name := a.outboxStatusName(st)
			// What the list shows, --status must accept.
			if back, ok := outboxStatus(name); !ok || back != st {
				t.Errorf("%s: status %s shows as %q, which --status reads as %q, %v", lang, st, name, back, ok)
			}
			if lang == "id" && name == string(st) {
				t.Errorf("status %s has no Indonesian name", st)
			}
		}
	}
}

func TestInspectIsReadable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.eml")
	raw := "From: Budi <budi@example.com>\r\nTo: helpdesk@layanan.example.go.id\r\nSubject: Aplikasi error\r\n" +
		"Date: Fri, 04 Dec 2026 09:05:00 +0000\r\nMessage-ID: <a1@example.com>\r\n\r\nAplikasi tidak bisa dibuka.\r\n"
	auto := strings.Replace(raw, "Message-ID:", "Auto-Submitted: auto-replied\r\nIn-Reply-To: <x@layanan.example.go.id>\r\nMessage-ID:", 1)
	if err := os.WriteFile(file, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	autoFile := filepath.Join(dir, "auto.eml")
	if err := os.WriteFile(autoFile, []byte(auto), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runIn(t, "id", "inspect", file)
	if code != 0 {
		t.Fatalf("inspect: exit %d, %s", code, stderr)
	}
	for _, want := range []string{"Pengirim: Budi <budi@example.com>", "Tanggal: 2026-12-04 16:05:00 WIB", "Penilaian: keluhan baru\n", "Petunjuk utas: tidak ada\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"()", "Date:", "in-reply-to/references=", "tokens=", "thread-index="} {
		if strings.Contains(out, bad) {
			t.Errorf("inspect output has %q:\n%s", bad, out)
		}
	}

	_, out, _ = runIn(t, "id", "inspect", autoFile)
	for _, want := range []string{"(dasarnya: header Auto-Submitted: auto-replied)", "Petunjuk utas: merujuk 1 email sebelumnya (In-Reply-To/References)"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runIn(t, "en", "inspect", autoFile)
	for _, want := range []string{"Date: 2026-12-04 16:05:00 WIB", "(because: Auto-Submitted header: auto-replied)", "Thread hints: refers to 1 earlier email (In-Reply-To/References)"} {
		if !strings.Contains(out, want) {
			t.Errorf("English inspect output lacks %q:\n%s", want, out)
		}
	}
}

// TestInspectAppliesLimits checks that inspect reports what serve would
// decide under the configured limits: a message with more attachments
// than allowed is quarantined, with the reason in Indonesian.
func TestInspectAppliesLimits(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "keluhan.yaml")
	if err := os.WriteFile(config, []byte("limits: {max_attachments: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "lampiran.eml")
	if err := os.WriteFile(file, withFiles("budi@example.com", "helpdesk@layanan.example.go.id", "Dua lampiran", "two@example.com", 2), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KELUHAN_LANGUAGE", "id")
	t.Setenv("KELUHAN_CONFIG", config)
	var out, errOut bytes.Buffer
	if code := run([]string{"inspect", file}, &out, &errOut); code != 0 {
		t.Fatalf("inspect: exit %d, %s", code, errOut.String())
	}
	want := "Penilaian: dikarantina menurut batas konfigurasi (jumlah lampiran 2 melebihi batas 1)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("inspect output lacks %q:\n%s", want, out.String())
	}
}
