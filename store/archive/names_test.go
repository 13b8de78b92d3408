package archive

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestKeyName(t *testing.T) {
	tests := []struct {
		name, key, wantPrefix string
	}{
		{"message id", "mid:abc.123@contoh.go.id", "mid_abc.123@contoh.go.id-"},
		{"brackets slash and hash", "mid:<a/b>#c@x", "mid__a_b__c@x-"},
		{"leading dot", ".hidden", "_hidden-"},
		{"unicode", "mid:pesan-ñ@x", "mid_pesan-__@x-"},
		{"long", "sha256:" + strings.Repeat("a", 200), "sha256_" + strings.Repeat("a", maxKeyStem-7) + "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keyName(tc.key)
			if !strings.HasPrefix(got, tc.wantPrefix) || len(got) != len(tc.wantPrefix)+16 {
				t.Errorf("keyName(%q) = %q, want %q and 16 hex digits", tc.key, got, tc.wantPrefix)
			}
			if !isPlainName(got) || strings.Contains(got, "/") {
				t.Errorf("keyName(%q) = %q, not a plain file name", tc.key, got)
			}
		})
	}
}

func TestKeyNameDistinct(t *testing.T) {
	pairs := [][2]string{
		{"mid:A@x", "mid:a@x"},
		{"mid:a/b@x", "mid:a#b@x"},
		{"sha256:" + strings.Repeat("a", 100) + "1", "sha256:" + strings.Repeat("a", 100) + "2"},
	}
	for _, p := range pairs {
		a, b := keyName(p[0]), keyName(p[1])
		if strings.EqualFold(a, b) {
			t.Errorf("keyName(%q) = %q and keyName(%q) = %q, want names that differ ignoring case", p[0], a, p[1], b)
		}
	}
}

func TestSafeFilename(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "laporan.pdf", "laporan.pdf"},
		{"spaces and brackets", "bukti (1).png", "bukti__1_.png"},
		{"path", "../../etc/passwd", "_.._etc_passwd"},
		{"windows reserved characters", `a:b*c?"d<e>f|g\h.txt`, "a_b_c__d_e_f_g_h.txt"},
		{"unicode letters kept", "surat_pernyataan_ñ.pdf", "surat_pernyataan_ñ.pdf"},
		{"empty", "", "attachment"},
		{"only dots", "...", "attachment"},
		{"trailing dot", "data.", "data"},
		{"long keeps extension", strings.Repeat("x", 100) + ".pdf", strings.Repeat("x", maxFilenameStem-4) + ".pdf"},
		{"long multibyte cut on rune", strings.Repeat("é", 60), strings.Repeat("é", maxFilenameStem/2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeFilename(tc.in); got != tc.want {
				t.Errorf("safeFilename(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsPlainName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"tickets.jsonl", true},
		{"messages/a.eml", true},
		{"", false},
		{"/etc/passwd", false},
		{"../x", false},
		{"a/../../x", false},
		{"a//b", false},
		{`a\b`, false},
		{"./a", false},
	}
	for _, tc := range tests {
		if got := isPlainName(tc.in); got != tc.want {
			t.Errorf("isPlainName(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestReadManifestRejectsFormat(t *testing.T) {
	tests := []struct{ name, manifest string }{
		{"newer version", `{"format":"keluhan-export","format_version":2,"files":[]}`},
		{"other format", `{"format":"lain","format_version":1,"files":[]}`},
		{"no format", `{"files":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadManifest(strings.NewReader(tc.manifest), func(File) error { return nil })
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("ReadManifest(%s) error = %v, want ErrUnsupported", tc.manifest, err)
			}
		})
	}
}

func TestManifestRoundTrip(t *testing.T) {
	h := Header{Format: FormatName, FormatVersion: FormatVersion, KeluhanVersion: "v1",
		Collections: []string{"tickets"}, Counts: map[string]int64{"tickets": 2}}
	tests := []struct {
		name  string
		files []File
	}{
		{"no files", nil},
		{"two files", []File{{Name: "tickets.jsonl", Size: 10, SHA256: "aa"}, {Name: "messages/x.eml", Size: 3, SHA256: "bb"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var list strings.Builder
			for _, f := range tc.files {
				list.WriteString(`{"name":"` + f.Name + `","size":` + strconv.FormatInt(f.Size, 10) + `,"sha256":"` + f.SHA256 + "\"}\n")
			}
			var out strings.Builder
			if err := writeManifest(&out, h, strings.NewReader(list.String())); err != nil {
				t.Fatal(err)
			}
			var got []File
			gotH, err := ReadManifest(strings.NewReader(out.String()), func(f File) error { got = append(got, f); return nil })
			if err != nil {
				t.Fatalf("ReadManifest(%s) error: %v", out.String(), err)
			}
			if gotH.KeluhanVersion != "v1" || gotH.Counts["tickets"] != 2 || len(got) != len(tc.files) {
				t.Errorf("ReadManifest() = %+v, %v, want %+v, %v", gotH, got, h, tc.files)
			}
			for i := range got {
				if got[i] != tc.files[i] {
					t.Errorf("file %d = %+v, want %+v", i, got[i], tc.files[i])
				}
			}
		})
	}
}
