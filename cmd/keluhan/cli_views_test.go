package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// viewCore is a core with the embedded templates and no store, enough
// for the list and ticket views.
func viewCore(t *testing.T) *core {
	t.Helper()
	r, err := mailer.NewRenderer(mailer.RenderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("WIB", 7*3600)
	return &core{set: &settings{loc: loc}, render: r, now: time.Now}
}

func viewApp(lang string) (*app, *bytes.Buffer) {
	var out bytes.Buffer
	return &app{stdout: &out, stderr: &out, p: printer{lang: lang}}, &out
}

func TestQuarantineListTranslatesReasons(t *testing.T) {
	c := viewCore(t)
	docs := []*store.MessageDoc{{Key: "k1", Subject: "Uji", FetchedAt: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}}
	docs[0].Reason = fmt.Sprintf(ingest.ReasonTooManyAttachments, 2, 1)
	for lang, want := range map[string]string{"id": "jumlah lampiran 2 melebihi batas 1", "en": "2 attachments exceed the limit of 1"} {
		a, out := viewApp(lang)
		a.printHeld(c, docs, false)
		if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "too many attachments") {
			t.Errorf("%s quarantine list: want %q:\n%s", lang, want, out)
		}
	}
}

func TestHeldListsHaveTheirOwnEmptyMessage(t *testing.T) {
	c := viewCore(t)
	a, out := viewApp("id")
	a.printHeld(c, nil, false)
	if got := strings.TrimSpace(out.String()); got != a.p.t(msgNoQuarantine) {
		t.Errorf("empty quarantine list = %q", got)
	}
	out.Reset()
	a.printHeld(c, nil, true)
	if got := strings.TrimSpace(out.String()); got != a.p.t(msgNoIgnored) || got == a.p.t(msgNoQuarantine) {
		t.Errorf("empty ignored list = %q, want %q", got, a.p.t(msgNoIgnored))
	}
}

func TestOutboxListShowsLabels(t *testing.T) {
	c := viewCore(t)
	rows := []*workflow.Outgoing{
		{Key: "k1", Status: workflow.OutboxSent, Kind: workflow.MailReopenNotice, Subject: "s"},
		{Key: "k2", Status: workflow.OutboxFailed, Kind: workflow.MailHandoff, Subject: "s"},
	}
	a, out := viewApp("id")
	a.printOutbox(c, rows)
	for _, want := range []string{"terkirim", "gagal", "Pemberitahuan keluhan dibuka kembali", "Penerusan keluhan ke tim pengelolaan insiden"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("outbox list lacks %q:\n%s", want, out)
		}
	}
	for _, code := range []string{" sent ", "reopen_notice", " handoff ", " failed "} {
		if strings.Contains(out.String()+" ", code) {
			t.Errorf("outbox list shows the code %q:\n%s", code, out)
		}
	}
	a, out = viewApp("en")
	a.printOutbox(c, rows)
	if !strings.Contains(out.String(), "sent") || strings.Contains(out.String(), "reopen_notice") {
		t.Errorf("English outbox list:\n%s", out)
	}
}

// TestEveryMailKindHasALabel keeps the outbox list free of raw kinds.
func TestEveryMailKindHasALabel(t *testing.T) {
	c := viewCore(t)
	kinds := []string{workflow.MailAck, workflow.MailTriageRequest, workflow.MailHandoff, workflow.MailHandoffNotice,
		workflow.MailEscalation, workflow.MailEscalationNotice, workflow.MailReply, workflow.MailQuestion, workflow.MailClosure,
		workflow.MailRefusal, workflow.MailReopenNotice, workflow.MailSupervisorEscalation, workflow.MailSLAWarning,
		workflow.MailSLABreach, workflow.MailSLASummary, workflow.MailDigest, workflow.MailMonthlyReport,
		workflow.MailQuarantineNotice, workflow.MailBounceNotice}
	for _, lang := range []string{"id", "en"} {
		for _, k := range kinds {
			if got := c.label(lang, "mail", k); got == k {
				t.Errorf("%s: mail kind %s has no label", lang, k)
			}
		}
	}
}

func TestTimelineShowsCategoryLabels(t *testing.T) {
	c := viewCore(t)
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	records := []workflow.Record{
		{Type: workflow.RecordTriage, Actor: workflow.ActorSystem, At: at, Text: string(workflow.CategoryTechnical)},
		{Type: workflow.RecordConfirmed, Actor: "sd@example.go.id", At: at, Text: string(workflow.CategoryNonTechnical)},
	}
	a, out := viewApp("id")
	a.printTimeline(c, records)
	lines := out.String()
	for _, want := range []string{"      Teknis\n", "      Non-teknis\n"} {
		if !strings.Contains(lines, want) {
			t.Errorf("timeline lacks %q:\n%s", want, lines)
		}
	}
	if strings.Contains(lines, "      teknis\n") || strings.Contains(lines, "      nonteknis\n") {
		t.Errorf("timeline shows a category code:\n%s", lines)
	}
}

// TestReadCommandsNeedStore checks that a command reading the desk
// refuses a data folder that holds no store, as a wrong data_dir would,
// instead of showing an empty desk, and creates nothing there.
func TestReadCommandsNeedStore(t *testing.T) {
	config := writeExportConfig(t, "")
	out, code := runCommand(t, config, (*app).ticketCommand, "list")
	if code != 1 || !strings.Contains(out, "belum berisi data keluhan") {
		t.Errorf("ticket list on an empty data folder = exit %d, %q; want exit 1 naming the folder", code, out)
	}
	cfg, err := LoadConfig(config, exportEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.DataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%s) = %v, want the data folder not created", cfg.DataDir, err)
	}
}

// TestReadCommandsWithoutTokenSecret checks that commands which queue no
// mail run without the reply-token secret, while ticket open, which
// queues an acknowledgment with reply tokens, still requires it.
func TestReadCommandsWithoutTokenSecret(t *testing.T) {
	config := writeExportConfig(t, "")
	openRun(t, config).c.close()
	noSecret := func(string) string { return "" }
	if out, _, code := runCommandEnv(t, config, noSecret, (*app).ticketCommand, "list"); code != 0 {
		t.Errorf("ticket list without the token secret = exit %d, %q; want exit 0", code, out)
	}
	_, stderr, code := runCommandEnv(t, config, noSecret, (*app).ticketCommand, "open", "--from", "Budi", "--phone", "0812", "--subject", "Uji", "--body", "Isi")
	if code != 2 || !strings.Contains(stderr, "helpdesk.token_secret") {
		t.Errorf("ticket open without the token secret = exit %d, %q; want exit 2 naming helpdesk.token_secret", code, stderr)
	}
}
