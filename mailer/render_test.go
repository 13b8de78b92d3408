package mailer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keluhan/keluhan/workflow"
)

// writeOverride writes files into a new override folder and returns it.
func writeOverride(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRenderMissingFieldFails(t *testing.T) {
	dir := writeOverride(t, map[string]string{
		"id/ack.tmpl": `{{define "subject"}}{{.Ticket.Tag}}{{end}}` +
			`{{define "text"}}{{.Ticket.Nomor}}{{end}}` +
			`{{define "html"}}<p>{{.Ticket.Number}}</p>{{end}}`,
	})
	r := newTestRenderer(t, RenderConfig{Dir: dir})

	_, err := r.Render("id", workflow.MailAck, fixture(workflow.MailAck))
	if err == nil || !strings.Contains(err.Error(), "Nomor") {
		t.Errorf("Render(id, ack) with a missing field error = %v, want one naming the field", err)
	}
}

func TestRenderNilTicketFails(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	data := fixture(workflow.MailAck)
	data.Ticket = nil

	if _, err := r.Render("id", workflow.MailAck, data); err == nil {
		t.Error("Render(id, ack) without a ticket error = nil, want an error")
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	data := fixture(workflow.MailReply)
	data.Text = `Terima kasih <script>alert("x")</script> & salam`
	data.Ticket.Subject = `<img src=x onerror=alert(1)>`

	for _, lang := range []string{"id", "en"} {
		got, err := r.Render(lang, workflow.MailReply, data)
		if err != nil {
			t.Fatalf("Render(%s, reply): %v", lang, err)
		}
		if strings.Contains(got.HTML, "<script>") || strings.Contains(got.HTML, "<img") {
			t.Errorf("Render(%s, reply).HTML holds unescaped markup:\n%s", lang, got.HTML)
		}
		if !strings.Contains(got.HTML, "&lt;script&gt;") {
			t.Errorf("Render(%s, reply).HTML lacks the escaped text &lt;script&gt;", lang)
		}
		if !strings.Contains(got.Text, `<script>alert("x")</script>`) {
			t.Errorf("Render(%s, reply).Text = %q, want the text unchanged", lang, got.Text)
		}
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		want    string
	}{
		{"CRLF", "Tidak bisa login\r\nBcc: korban@example.com", "[KLH-2026-000123] Keluhan Anda telah kami terima: Tidak bisa login Bcc: korban@example.com"},
		{"LF and tabs", "Aplikasi\n\tlambat", "[KLH-2026-000123] Keluhan Anda telah kami terima: Aplikasi lambat"},
		{"lone CR", "Aplikasi\rlambat", "[KLH-2026-000123] Keluhan Anda telah kami terima: Aplikasi lambat"},
	}
	r := newTestRenderer(t, RenderConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := fixture(workflow.MailAck)
			data.Ticket.Subject = tt.subject

			got, err := r.Render("id", workflow.MailAck, data)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got.Subject != tt.want {
				t.Errorf("Render(subject %q).Subject = %q, want %q", tt.subject, got.Subject, tt.want)
			}
		})
	}
}

func TestRenderLanguageFallback(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	want, err := r.Render("id", workflow.MailAck, fixture(workflow.MailAck))
	if err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"jv", ""} {
		got, err := r.Render(lang, workflow.MailAck, fixture(workflow.MailAck))
		if err != nil {
			t.Fatalf("Render(%q, ack): %v", lang, err)
		}
		if got.Subject != want.Subject {
			t.Errorf("Render(%q, ack).Subject = %q, want the Indonesian %q", lang, got.Subject, want.Subject)
		}
	}
}

func TestRenderUnknownKind(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	_, err := r.Render("id", "newsletter", fixture(workflow.MailAck))
	if !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Render(id, newsletter) error = %v, want ErrUnknownKind", err)
	}
}

func TestRenderNilData(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	if _, err := r.Render("id", workflow.MailAck, nil); err == nil {
		t.Error("Render(id, ack, nil) error = nil, want an error")
	}
}

func TestRenderOverride(t *testing.T) {
	dir := writeOverride(t, map[string]string{
		"id/ack.tmpl": `{{define "subject"}}{{.Ticket.Tag}} Diterima{{end}}` +
			`{{define "text"}}Nomor {{.Ticket.Number}}{{end}}` +
			`{{define "html"}}<p>{{label "state" .Ticket.State}}</p>{{end}}`,
		"id/labels.yaml": "state:\n  new: Masuk\n",
		"jv/ack.tmpl":    `{{define "subject"}}{{.Ticket.Tag}} Sampun katampi{{end}}{{define "text"}}-{{end}}{{define "html"}}-{{end}}`,
	})
	r := newTestRenderer(t, RenderConfig{Dir: dir})

	tests := []struct {
		lang, kind  string
		wantSubject string
	}{
		{"id", workflow.MailAck, "[KLH-2026-000123] Diterima"},
		{"jv", workflow.MailAck, "[KLH-2026-000123] Sampun katampi"},
		{"jv", workflow.MailClosure, "[KLH-2026-000123] Keluhan Anda telah selesai ditangani"},
		{"en", workflow.MailAck, "[KLH-2026-000123] We have received your complaint: Tidak bisa login ke SIMPEG sejak kemarin"},
	}
	for _, tt := range tests {
		got, err := r.Render(tt.lang, tt.kind, fixture(tt.kind))
		if err != nil {
			t.Fatalf("Render(%s, %s): %v", tt.lang, tt.kind, err)
		}
		if got.Subject != tt.wantSubject {
			t.Errorf("Render(%s, %s).Subject = %q, want %q", tt.lang, tt.kind, got.Subject, tt.wantSubject)
		}
	}

	if got := r.Label("id", "state.new"); got != "Masuk" {
		t.Errorf("Label(id, state.new) with an override catalog = %q, want Masuk", got)
	}
}

func TestNewRendererReportsBadTemplate(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantText string
	}{
		{"syntax error", map[string]string{"id/ack.tmpl": `{{define "subject"}}{{.Ticket.Tag}{{end}}`}, "id/ack.tmpl"},
		{"missing html", map[string]string{"id/ack.tmpl": `{{define "subject"}}x{{end}}{{define "text"}}x{{end}}`}, `id/ack.tmpl: missing {{define "html"}}`},
		{"unknown function", map[string]string{"en/reply.tmpl": `{{define "subject"}}{{shout .Text}}{{end}}`}, "en/reply.tmpl"},
		{"bad catalog", map[string]string{"id/labels.yaml": "state: [unclosed\n"}, "id/labels.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRenderer(RenderConfig{Dir: writeOverride(t, tt.files)})
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("NewRenderer(%s) error = %v, want one containing %q", tt.name, err, tt.wantText)
			}
		})
	}
}

func TestNewRendererMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	if _, err := NewRenderer(RenderConfig{Dir: dir}); err == nil {
		t.Errorf("NewRenderer(Dir: %s) error = nil, want an error for the missing folder", dir)
	}
}

func TestLabel(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	tests := []struct {
		lang, key, want string
	}{
		{"id", "state.new", "Baru"},
		{"en", "state.new", "New"},
		{"id", "category.nonteknis", "Non-teknis"},
		{"en", "role.complaint_manager", "Complaint manager"},
		{"fr", "state.closed", "Selesai"},
		{"id", "state.unknown", "state.unknown"},
	}
	for _, tt := range tests {
		if got := r.Label(tt.lang, tt.key); got != tt.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

// TestLabelCatalogsComplete checks that every code the workflow defines
// has a label in every language.
func TestLabelCatalogsComplete(t *testing.T) {
	var keys []string
	for _, s := range workflow.States {
		keys = append(keys, "state."+string(s))
	}
	for _, c := range []workflow.Category{workflow.CategoryTechnical, workflow.CategoryNonTechnical, workflow.CategoryUnsure} {
		keys = append(keys, "category."+string(c))
	}
	for _, s := range workflow.Steps {
		keys = append(keys, "step."+string(s))
	}
	for _, role := range []workflow.Role{workflow.RoleRequester, workflow.RoleServiceDesk, workflow.RoleComplaintManager,
		workflow.RoleSupervisor, workflow.RoleIncident, workflow.RoleSystem} {
		keys = append(keys, "role."+string(role))
	}
	for _, c := range []workflow.Channel{workflow.ChannelEmail, workflow.ChannelPhone, workflow.ChannelWhatsApp, workflow.ChannelCounter} {
		keys = append(keys, "channel."+string(c))
	}
	for _, reason := range []string{workflow.RefuseNotStaff, workflow.RefuseRole, workflow.RefuseState, workflow.RefuseUnverified,
		workflow.RefuseEmpty, workflow.RefuseUnknown, workflow.RefuseNeedsRoot, workflow.RefuseNoRequester} {
		keys = append(keys, "refusal."+reason, "refusal_hint."+reason)
	}
	for _, record := range []workflow.RecordType{workflow.RecordReceived, workflow.RecordTriage, workflow.RecordConfirmed,
		workflow.RecordHandedOff, workflow.RecordEscalated, workflow.RecordNote, workflow.RecordReply, workflow.RecordRequesterReply,
		workflow.RecordIncidentReply, workflow.RecordRootCause, workflow.RecordPrevention, workflow.RecordWaiting, workflow.RecordResumed,
		workflow.RecordClosed, workflow.RecordReopened, workflow.RecordSupervisor, workflow.RecordRefused, workflow.RecordAutoReply,
		workflow.RecordBounce, workflow.RecordSLAWarning, workflow.RecordSLABreach, workflow.RecordSLAReminder, workflow.RecordLinked,
		workflow.RecordPurged} {
		keys = append(keys, "record."+string(record))
	}
	for _, kind := range allKinds {
		keys = append(keys, "mail."+kind)
	}

	r := newTestRenderer(t, RenderConfig{})
	for _, lang := range []string{"id", "en"} {
		for _, key := range keys {
			if got := r.Label(lang, key); got == key || got == "" {
				t.Errorf("Label(%q, %q) = %q, want a catalog entry", lang, key, got)
			}
		}
	}
}

func BenchmarkRenderTriageRequest(b *testing.B) {
	r, err := NewRenderer(RenderConfig{})
	if err != nil {
		b.Fatal(err)
	}
	data := fixture(workflow.MailTriageRequest)

	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render("id", workflow.MailTriageRequest, data); err != nil {
			b.Fatal(err)
		}
	}
}
