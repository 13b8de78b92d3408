package mailer

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// sampleReason fills a reason format with example values: 7 for %d and
// a detail text that no shape recognises for %s and %v.
func sampleReason(format string) string {
	var args []any
	for _, verb := range regexp.MustCompile(`%[dsv]`).FindAllString(format, -1) {
		if verb == "%d" {
			args = append(args, 7)
		} else {
			args = append(args, "rincian-xyz")
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// reasonSources collects, from the Go source of packages ingest and
// workflow, every reason the code can store or append as a detail. Those
// are the constants named Reason*, the strings that the classification
// functions (*Reason in classify.go) return, and the Reason of each
// Proof literal.
// A string joined with something else ("text " + value) becomes the
// format "text %s".
func reasonSources(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../ingest", "../workflow"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			collectReasons(t, fset, f, filepath.Base(name), found)
		}
	}
	return found
}

func collectReasons(t *testing.T, fset *token.FileSet, f *ast.File, base string, found map[string]string) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if strings.HasPrefix(id.Name, "Reason") && i < len(n.Values) {
					if s, ok := stringFormat(n.Values[i]); ok {
						found[fset.Position(id.Pos()).String()] = s
					}
				}
			}
		case *ast.FuncDecl:
			if base != "classify.go" || !strings.HasSuffix(n.Name.Name, "Reason") || n.Body == nil {
				return true
			}
			ast.Inspect(n.Body, func(m ast.Node) bool {
				if ret, ok := m.(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
					if s, ok := stringFormat(ret.Results[0]); ok && s != "" {
						found[fset.Position(ret.Pos()).String()] = s
					}
				}
				return true
			})
		case *ast.CompositeLit:
			if id, ok := n.Type.(*ast.Ident); !ok || id.Name != "Proof" {
				return true
			}
			for _, elt := range n.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if key, isID := kv.Key.(*ast.Ident); !ok || !isID || key.Name != "Reason" {
					continue
				}
				if s, ok := stringFormat(kv.Value); ok {
					found[fset.Position(kv.Pos()).String()] = s
				}
			}
		}
		return true
	})
}

// stringFormat returns the format of a string literal, or of a literal
// followed by other values, which become %s.
func stringFormat(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		left, ok := stringFormat(e.X)
		if !ok {
			return "", false
		}
		right, ok := stringFormat(e.Y)
		if !ok {
			right = "%s"
		}
		return left + right, true
	}
	return "", false
}

// TestEveryReasonIsTranslated fails when the code can store a reason, or
// a detail of one, whose shape has no translation in Indonesian and in
// English.
func TestEveryReasonIsTranslated(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	sources := reasonSources(t)
	if len(sources) < 20 {
		t.Fatalf("found %d reason sources in ingest and workflow, want at least 20: is the scan broken?", len(sources))
	}
	for where, format := range sources {
		stored := sampleReason(format)
		if strings.HasPrefix(filepath.Base(where), "desk_sort.go") {
			// The desk's own reasons are stored bare or with ": detail".
			if r.Reason("id", stored) == stored {
				stored += ": " + "rincian-xyz"
			}
		}
		for _, lang := range []string{"id", "en"} {
			got := r.Reason(lang, stored)
			if lang == "id" && got == stored {
				t.Errorf("%s: reason %q (format %q) has no Indonesian translation", where, stored, format)
			}
			if strings.Contains(got, "{") {
				t.Errorf("%s: %s translation of %q leaves a placeholder: %q", where, lang, stored, got)
			}
		}
	}
}

// TestReasonShapesHaveLabels checks that each shape has a label in both
// catalogs, that each label uses exactly the placeholders its shape
// carries, and that each format matches its own shape.
func TestReasonShapesHaveLabels(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	for _, lang := range []string{"id", "en"} {
		labels := r.languages[lang].labels
		for _, shape := range reasonShapes {
			text, ok := labels["reason."+shape.key]
			if !ok {
				t.Errorf("%s/labels.yaml lacks reason.%s (for %q)", lang, shape.key, shape.format)
				continue
			}
			groups := shape.re.NumSubexp()
			for i := 1; i <= groups; i++ {
				if !strings.Contains(text, "{"+strconv.Itoa(i)+"}") {
					t.Errorf("%s reason.%s = %q, want the placeholder {%d}", lang, shape.key, text, i)
				}
			}
			if strings.Contains(text, "{"+strconv.Itoa(groups+1)+"}") {
				t.Errorf("%s reason.%s = %q has more placeholders than %q carries", lang, shape.key, text, shape.format)
			}
		}
		for key := range labels {
			if name, ok := strings.CutPrefix(key, "reason."); ok && !hasShape(name) {
				t.Errorf("%s/labels.yaml has reason.%s, which no shape uses", lang, name)
			}
		}
	}
	for _, shape := range reasonShapes {
		if !shape.re.MatchString(sampleReason(shape.format)) {
			t.Errorf("shape %s does not match its own format %q", shape.key, shape.format)
		}
	}
}

func hasShape(key string) bool {
	for _, shape := range reasonShapes {
		if shape.key == key {
			return true
		}
	}
	return false
}

func TestReasonTranslation(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	tests := []struct {
		lang, stored, want string
	}{
		{"id", fmt.Sprintf(ingest.ReasonTooManyAttachments, 2, 1), "jumlah lampiran 2 melebihi batas 1"},
		{"en", fmt.Sprintf(ingest.ReasonTooManyAttachments, 2, 1), "2 attachments exceed the limit of 1"},
		{"id", fmt.Sprintf(ingest.ReasonTooLarge, 30000000, 26214400), "ukuran pesan 30000000 bita melebihi batas 26214400 bita"},
		{"id", workflow.ReasonSenderLimit, "pengirim melebihi batas jumlah keluhan baru per jam"},
		{"id", fmt.Sprintf(ingest.ReasonFailedRepeatedly, 3, "processor panic: boom"),
			"pemrosesan gagal 3 kali: galat program saat memproses pesan: boom"},
		{"id", fmt.Sprintf(ingest.ReasonUnparsable, "mail: missing header"), "pesan tidak dapat dibaca: mail: missing header"},
		{"id", workflow.ReasonLoop + ": from: our address", "email dari keluhan sendiri kembali masuk (dikirim dari alamat helpdesk sendiri)"},
		{"id", workflow.ReasonNoTicket + ": auto-submitted: auto-replied", "email otomatis yang tidak terkait tiket mana pun (header Auto-Submitted: auto-replied)"},
		{"id", workflow.ReasonUnverified + ": no dmarc or aligned dkim pass for example.go.id",
			"permintaan atas nama pelapor dari alamat petugas yang keasliannya tidak terbukti (tidak ada hasil lulus DMARC atau DKIM yang selaras untuk domain example.go.id)"},
		// Unknown reasons, and unknown languages, pass through.
		{"id", "something new: 5", "something new: 5"},
		{"", "list-id", "header List-Id (milis)"},
		// A reason written before a shape changed is shown as stored.
		{"id", "too many attachments: two", "too many attachments: two"},
	}
	for _, tt := range tests {
		if got := r.Reason(tt.lang, tt.stored); got != tt.want {
			t.Errorf("Reason(%q, %q) = %q, want %q", tt.lang, tt.stored, got, tt.want)
		}
	}
}

// TestQuarantineNoticeTranslatesReason renders the notice in both
// languages and checks that the reason is shown translated.
func TestQuarantineNoticeTranslatesReason(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	stored := fmt.Sprintf(ingest.ReasonTooManyAttachments, 2, 1)
	for lang, want := range map[string]string{"id": "jumlah lampiran 2 melebihi batas 1", "en": "2 attachments exceed the limit of 1"} {
		data := &workflow.MailData{Quarantine: &workflow.QuarantineView{From: "a@example.com", Subject: "Uji", Reason: stored, MessageKey: "k1"}}
		out, err := r.Render(lang, workflow.MailQuarantineNotice, data)
		if err != nil {
			t.Fatalf("Render(%s): %v", lang, err)
		}
		for part, body := range map[string]string{"text": out.Text, "html": out.HTML} {
			if !strings.Contains(body, want) || strings.Contains(body, stored) {
				t.Errorf("%s %s part: want reason %q and not %q:\n%s", lang, part, want, stored, body)
			}
		}
	}
}
