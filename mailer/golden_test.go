package mailer

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenDir holds the expected output of every kind in every language,
// as <language>/<kind>.subject, .txt and .html.
const goldenDir = "../testdata/golden"

func TestRenderGolden(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})

	for _, lang := range []string{"id", "en"} {
		for _, kind := range allKinds {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				got, err := r.Render(lang, kind, fixture(kind))
				if err != nil {
					t.Fatalf("Render(%q, %q) error: %v", lang, kind, err)
				}

				base := filepath.Join(goldenDir, lang, kind)
				checkGolden(t, base+".subject", got.Subject+"\n")
				checkGolden(t, base+".txt", got.Text)
				checkGolden(t, base+".html", got.HTML)
			})
		}
	}
}

// checkGolden compares got with the golden file, or rewrites the file
// when the test runs with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()

	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test ./mailer -run Golden -update)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("%s differs from the rendered output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func newTestRenderer(t *testing.T, cfg RenderConfig) *Renderer {
	t.Helper()
	r, err := NewRenderer(cfg)
	if err != nil {
		t.Fatalf("NewRenderer(%+v) error: %v", cfg, err)
	}
	return r
}
