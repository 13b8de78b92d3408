package triage

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		body    string
		want    []string
	}{
		{"empty", "", "", nil},
		{"only stopwords", "Halo", "Selamat pagi, terima kasih.", nil},
		{
			name:    "subject first, stopwords and signature dropped",
			subject: "OTP tidak masuk",
			body:    "Selamat pagi,\n\nKode OTP tidak masuk ke HP saya.\n\nSalam,\nBudi Santoso",
			want:    []string{"otp", "masuk", "kode"},
		},
		{
			name: "abbreviations and affixes normalised",
			body: "sy gk bs mengunggah dokumen, unggahan selalu gagal",
			want: []string{"unggah", "dokumen", "gagal"},
		},
		{
			name: "short numbers dropped, long ones kept after rule words",
			body: "Kode billing 820260119900112 ditolak 3 kali",
			want: []string{"kode", "billing", "tolak", "kali", "820260119900112"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Terms(tt.subject, tt.body)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Terms(%q, %q) = %q, want %q", tt.subject, tt.body, got, tt.want)
			}
		})
	}
}

func TestTermsLimit(t *testing.T) {
	var words []string
	for i := range 100 {
		words = append(words, fmt.Sprintf("istilah%c%c", 'a'+i/26, 'a'+i%26))
	}

	got := Terms("", strings.Join(words, " "))
	if len(got) != maxTerms {
		t.Fatalf("Terms(100 distinct words) returned %d terms, want %d", len(got), maxTerms)
	}
	if got[0] != words[0] {
		t.Errorf("Terms(100 distinct words)[0] = %q, want the first word %q", got[0], words[0])
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want float64
	}{
		{"both empty", nil, nil, 0},
		{"one empty", []string{"otp"}, nil, 0},
		{"equal", []string{"otp", "login"}, []string{"login", "otp"}, 1},
		{"disjoint", []string{"otp"}, []string{"petugas"}, 0},
		{"half shared", []string{"otp", "login"}, []string{"otp", "sms"}, 0.5},
		{"duplicates count once", []string{"otp", "otp", "login"}, []string{"otp", "login"}, 1},
		{"different sizes", []string{"otp"}, []string{"otp", "login", "sms", "kode"}, 0.5},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Similarity(tt.a, tt.b)
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Similarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if back := Similarity(tt.b, tt.a); back != got {
				t.Errorf("Similarity(%q, %q) = %v, want %v (symmetric)", tt.b, tt.a, back, got)
			}
		})
	}
}

// TestSimilarityParaphrases checks that two wordings of one complaint
// score higher than either does against an unrelated complaint.
func TestSimilarityParaphrases(t *testing.T) {
	type complaint struct{ subject, body string }
	tests := []struct {
		name      string
		a, b      complaint
		unrelated complaint
	}{
		{
			name:      "otp formal and informal",
			a:         complaint{"Kode OTP tidak masuk", "Saya sudah meminta kode OTP berkali-kali untuk login, tetapi SMS tidak pernah masuk."},
			b:         complaint{"OTP gk masuk2", "min otp nya ga masuk2 ke hp sy, udh request ulang tetep ga ada sms nya. jd ga bs login"},
			unrelated: complaint{"Biaya pendaftaran merek", "Berapa biaya pendaftaran merek untuk usaha kecil?"},
		},
		{
			name:      "rude staff indonesian",
			a:         complaint{"Petugas loket tidak ramah", "Petugas di loket layanan berbicara kasar dan tidak mau menjelaskan."},
			b:         complaint{"Sikap petugas", "Petugasnya kasar waktu saya bertanya di loket."},
			unrelated: complaint{"Upload gagal", "Unggah lampiran PDF selalu gagal dengan pesan error."},
		},
		{
			name:      "certificate download english and indonesian",
			a:         complaint{"Cannot download certificate", "Clicking Download Certificate opens a blank page."},
			b:         complaint{"Sertifikat tidak bisa didownload", "Tombol download sertifikat hanya membuka halaman kosong (blank)."},
			unrelated: complaint{"Refund", "How do I get a refund for a double payment?"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Terms(tt.a.subject, tt.a.body)
			b := Terms(tt.b.subject, tt.b.body)
			u := Terms(tt.unrelated.subject, tt.unrelated.body)

			same := Similarity(a, b)
			for _, other := range [][]string{a, b} {
				if diff := Similarity(other, u); diff >= same {
					t.Errorf("Similarity(%q, unrelated %q) = %.3f, want below paraphrase score %.3f", other, u, diff, same)
				}
			}
			if same <= 0 {
				t.Errorf("Similarity(%q, %q) = %.3f, want > 0", a, b, same)
			}
		})
	}
}
