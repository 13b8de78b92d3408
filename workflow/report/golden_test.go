package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/report")

// goldenDir holds the expected HTML, CSV and JSON of the golden tickets.
const goldenDir = "../../testdata/report"

func TestWriteGolden(t *testing.T) {
	cases := []struct {
		name   string
		adjust func(*Options)
	}{
		{name: "id", adjust: func(o *Options) { o.MaskRequester = true }},
		{name: "en", adjust: func(o *Options) {
			o.Language = "en"
			o.Official, o.Place, o.SignerName, o.SignerNIP = "", "", "", ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			tc.adjust(&opts)
			r, err := Build(opts, goldenTickets(t), goldenRecords(t))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}

			writers := map[string]func(*bytes.Buffer) error{
				"html": func(b *bytes.Buffer) error { return r.WriteHTML(b) },
				"csv":  func(b *bytes.Buffer) error { return r.WriteCSV(b) },
				"json": func(b *bytes.Buffer) error { return r.WriteJSON(b) },
			}
			for ext, write := range writers {
				var out bytes.Buffer
				if err := write(&out); err != nil {
					t.Fatalf("Write%s: %v", ext, err)
				}
				checkGolden(t, filepath.Join(goldenDir, "report."+tc.name+"."+ext), out.Bytes())
			}
		})
	}
}

// checkGolden compares got with the golden file, or rewrites the file
// when the test runs with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()

	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test ./workflow/report -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test ./workflow/report -run Golden -update and review the diff\n--- got\n%s", path, got)
	}
}
