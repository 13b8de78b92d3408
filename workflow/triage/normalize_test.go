package triage

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"punctuation only", "?!... --", nil},
		{"lower case and punctuation", "Tidak bisa LOGIN!!!", []string{"tidak", "bisa", "login"}},
		{"negation abbreviations", "gk ga gak nggak ngga tdk tak", []string{"tidak", "tidak", "tidak", "tidak", "tidak", "tidak", "tidak"}},
		{"informal words", "sy udh bs blm", []string{"saya", "sudah", "bisa", "belum"}},
		{"abbreviation with multiple words", "dll", []string{"dan", "lain", "lain"}},
		{"abbreviation with particle", "telpnya", []string{"telepon"}},
		{"repeated letters", "bangettt tolonggg", []string{"banget", "tolong"}},
		{"repeated letters keep known double", "maaaaf", []string{"maaf"}},
		{"reduplication with 2", "masuk2", []string{"masuk"}},
		{"reduplication with hyphen", "masuk-masuk berkali-kali", []string{"masuk", "berkali"}},
		{"one-letter hyphen prefix", "e-mail m-banking", []string{"email", "mbanking"}},
		{"fullwidth letters", "Ｅｒｒｏｒ", []string{"error"}},
		{"diacritics", "café naïve", []string{"cafe", "naive"}},
		{"typographic apostrophe", "can’t log in", []string{"cannot", "log", "in"}},
		{"english contractions", "doesn't work", []string{"does", "not", "work"}},
		{"english inflection", "uploading failed", []string{"upload", "fail"}},
		{"indonesian prefixes", "mengunggah diunggah unggahan", []string{"unggah", "unggah", "unggah"}},
		{"nasal prefix", "mengirim menyimpan", []string{"kirim", "simpan"}},
		{"possessive suffix", "halamannya tombolnya", []string{"halaman", "tombol"}},
		{"kept word", "masalahnya", []string{"masalahnya"}},
		{"no stopword by prefix", "tersebut sebelumnya", []string{"tersebut", "sebelum"}},
		{"digit groups", "Rp 12.500.000", []string{"rp", "12500000"}},
		{"negated phrase kept", "tidak ada error", []string{"tidak", "ada", "error"}},
		{"tak as negation", "tak terlupakan", []string{"tidak", "lupa"}},
		{"underscore splits", "kode_billing", []string{"kode", "billing"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"line breaks", "satu\n\ndua", []string{"satu", "dua"}},
		{"full stops", "Satu. Dua! Tiga? Empat", []string{"Satu.", " Dua!", " Tiga?", " Empat"}},
		{"decimal stays", "File 1.2 MB gagal.", []string{"File 1.2 MB gagal."}},
		{"time stays", "jam 08.00 tutup", []string{"jam 08.00 tutup"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitSentences(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitSentences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripSignature(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "closing and name",
			in:   "Tombol kirim tidak berfungsi.\n\nSalam,\nRatna",
			want: "Tombol kirim tidak berfungsi.\n",
		},
		{
			name: "closing with company lines",
			in:   "Upload gagal.\n\nHormat kami,\nBudi\nPT Maju Teknik\nJl. Melati No. 1",
			want: "Upload gagal.\n",
		},
		{
			name: "closing at line end",
			in:   "Upload gagal terus. Mohon bantuannya, terima kasih.\nBudi",
			want: "Upload gagal terus. Mohon bantuannya, terima kasih.",
		},
		{
			name: "bare name block",
			in:   "Upload gagal terus sejak pagi.\n\nTri Wahyuni",
			want: "Upload gagal terus sejak pagi.\n",
		},
		{
			name: "opening thanks stays",
			in:   "Terima kasih, sistemnya cepat sekali.\nCepat sekali membuat kode billing kedaluwarsa, padahal baru saya salin nomornya.",
			want: "Terima kasih, sistemnya cepat sekali.\nCepat sekali membuat kode billing kedaluwarsa, padahal baru saya salin nomornya.",
		},
		{
			name: "separator line",
			in:   "Halaman kosong.\n-- \nBudi\nKantor",
			want: "Halaman kosong.",
		},
		{
			name: "quoted lines",
			in:   "Masih error.\n> Silakan coba lagi.\n> Salam, helpdesk",
			want: "Masih error.",
		},
		{
			name: "single paragraph stays",
			in:   "Petugas tidak ramah",
			want: "Petugas tidak ramah",
		},
	}

	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.stripSignature(tt.in)
			if got != tt.want {
				t.Errorf("stripSignature(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTruncateRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"ééé", 2, "éé"},
	}

	for _, tt := range tests {
		got := truncateRunes(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestDocumentBodyLimit(t *testing.T) {
	body := strings.Repeat("kata ", maxBodyRunes)
	toks := Default().document("", body)
	if max := maxBodyRunes / len("kata "); len(toks) > max+1 {
		t.Errorf("document(long body) has %d tokens, want at most %d", len(toks), max+1)
	}
}
