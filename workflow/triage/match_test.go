package triage

import (
	"slices"
	"testing"
)

func TestFindAll(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"longest phrase wins", "Saya tidak bisa login.", []string{"tidak bisa login"}},
		{"negative phrase beats single word", "Tidak ada error sama sekali.", []string{"tidak ada error"}},
		{"group word shown as written", "gk bs diunggah", []string{"tidak bisa unggah"}},
		{"number placeholder", "Sudah 9 bulan menunggu.", []string{"9 bulan", "menunggu"}},
		{"no match across sentences", "Tidak. Bisa login.", []string{"bisa login"}},
	}

	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range r.phrases.findAll(r.document("", tt.body)) {
				if m.pat.kind == kindCategory {
					got = append(got, m.text)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findAll(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestLocalNegation(t *testing.T) {
	tests := []struct {
		name string
		body string
		term string
		want localNegationKind
	}{
		{"plain negation", "petugasnya tidak kasar", "kasar", negationPlain},
		{"absence", "tidak ada gangguan", "gangguan", negationAbsence},
		{"english absence", "no glitch", "glitch", negationAbsence},
		{"filler between", "tidak pernah gagal", "gagal", negationPlain},
		{"no negation", "upload gagal", "gagal", negationNone},
		{"negation in another sentence", "Tidak. Gagal terus.", "gagal", negationNone},
	}

	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks := r.document("", tt.body)
			found := r.phrases.findAll(toks)
			covered := categoryCoverage(len(toks), found)

			for _, m := range found {
				if m.text != tt.term {
					continue
				}
				if got := r.localNegation(toks, m, covered); got != tt.want {
					t.Errorf("localNegation(%q, %q) = %d, want %d", tt.body, tt.term, got, tt.want)
				}
				return
			}
			t.Fatalf("findAll(%q) found no %q", tt.body, tt.term)
		})
	}
}

func TestClassifyAbsence(t *testing.T) {
	r := Default()

	missing := r.Classify("", "Di halaman pembayaran tidak ada tombol bayar.")
	if !slices.Contains(missing.Terms, "tombol") {
		t.Errorf("Classify(tidak ada tombol).Terms = %q, want it to contain %q", missing.Terms, "tombol")
	}

	absent := r.Classify("", "Tidak ada gangguan.")
	if slices.Contains(absent.Terms, "gangguan") || absent.Category == Technical {
		t.Errorf("Classify(tidak ada gangguan) = %+v, want no technical evidence from %q", absent, "gangguan")
	}
}
