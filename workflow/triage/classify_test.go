package triage

import (
	"os"
	"slices"
	"sync"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		subject  string
		body     string
		want     string
		wantTerm string // a term that must be listed, or ""
	}{
		{"login failure", "Tidak bisa login", "Sejak pagi saya tidak bisa login ke akun, selalu muncul pesan gagal.", Technical, "tidak bisa login"},
		{"informal upload error", "", "gk bs upload dokumen, muncul error 500 trs", Technical, "error"},
		{"otp not arriving", "OTP", "OTP tidak masuk padahal nomor HP sudah benar.", Technical, "otp"},
		{"billing code missing", "Kode billing", "Kode billing tidak muncul setelah saya klik ajukan.", Technical, "tidak muncul"},
		{"english crash", "Upload crash", "The website keeps crashing when I upload my logo.", Technical, "crash"},
		{"english blank page", "", "After I log in I only see a blank page.", Technical, "blank page"},
		{"download spinning", "", "Saya tidak bisa mengunduh sertifikat paten, halamannya loading terus.", Technical, "loading terus"},
		{"sarcasm with error message", "Sarkas", "Wah keren banget, udah seminggu tiap mau bayar keluar tulisan \"terjadi kesalahan\". Mantap.", Technical, "terjadi kesalahan"},
		{"sarcasm with lost data", "Hebat", "Hebat sekali sistemnya, tiap klik simpan datanya hilang semua.", Technical, "hilang"},
		{"disclaimed fee then pivot", "Pembayaran", "Saya tidak mempermasalahkan biaya. Masalahnya, halaman pembayaran selalu error.", Technical, "error"},
		{"search finds nothing", "PDKI", "Pencarian di PDKI tidak menemukan merek saya padahal sudah terdaftar.", Technical, "tidak ditemukan"},
		{"rude staff", "Petugas tidak sopan", "Petugas loket berbicara kasar kepada saya.", NonTechnical, "kasar"},
		{"fee question", "Biaya merek", "Berapa biaya pendaftaran merek untuk UMKM?", NonTechnical, "biaya"},
		{"not about the application", "Perpanjangan merek", "Bukan masalah aplikasi, saya hanya ingin tahu syarat perpanjangan merek.", NonTechnical, "syarat"},
		{"explicitly no error", "", "Aplikasinya tidak ada error, saya cuma mau tanya prosedur pengalihan hak cipta.", NonTechnical, "tidak ada error"},
		{"refund", "Refund", "I would like a refund for a duplicate payment.", NonTechnical, "refund"},
		{"fixed bug then real question", "Question", "Thanks for fixing the upload bug last week. My question is about the examination timeline for my patent.", NonTechnical, "timeline"},
		{"months without news", "Paten", "Permohonan paten saya sudah 9 bulan belum ada kabar.", NonTechnical, "belum ada kabar"},
		{"unanswered phone", "Telepon", "Call center tidak pernah mengangkat telepon saya.", NonTechnical, "call center"},
		{"objection to decision", "", "Saya tidak mengeluhkan aplikasinya. Saya keberatan dengan keputusan penolakan merek saya.", NonTechnical, "keberatan"},
		{"appointment", "Konsultasi", "Saya ingin membuat janji konsultasi tatap muka minggu depan.", NonTechnical, "konsultasi"},
		{"greeting only", "Halo", "Terima kasih.", Unsure, ""},
		{"empty", "", "", Unsure, ""},
	}

	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Classify(tt.subject, tt.body)
			if got.Category != tt.want {
				t.Errorf("Classify(%q, %q).Category = %q (%.2f, %q), want %q",
					tt.subject, tt.body, got.Category, got.Confidence, got.Terms, tt.want)
			}
			if tt.wantTerm != "" && !slices.Contains(got.Terms, tt.wantTerm) {
				t.Errorf("Classify(%q, %q).Terms = %q, want it to contain %q", tt.subject, tt.body, got.Terms, tt.wantTerm)
			}
		})
	}
}

func TestClassifyConfidence(t *testing.T) {
	r := Default()

	empty := r.Classify("", "")
	if empty.Confidence != 0.5 || empty.Terms != nil || empty.Application != OtherApplication {
		t.Errorf("Classify(empty) = %+v, want confidence 0.5, no terms, application %q", empty, OtherApplication)
	}

	strong := r.Classify("Error 500", "Tidak bisa login, muncul error 500 dan halaman kosong.")
	if strong.Confidence < r.unsureBelow || strong.Confidence >= 1 {
		t.Errorf("Classify(strong technical).Confidence = %v, want in [%v, 1)", strong.Confidence, r.unsureBelow)
	}
}

func TestClassifyNegation(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		notTerm string // a term that must not be listed
	}{
		{"negated problem word is not listed", "Tidak ada gangguan, saya hanya ingin tanya syarat pendaftaran.", NonTechnical, "gangguan"},
		{"negation of staff action still counts", "Email saya tidak pernah dibalas oleh petugas.", NonTechnical, ""},
		{"dismissed earlier clause", "Website sempat tidak bisa diakses, dan itu wajar. Saya minta kebijakan perpanjangan batas waktu.", NonTechnical, "tidak bisa akses"},
		{"resolved sentence", "Login sudah normal lagi. Saya ingin bertanya prosedur pengalihan hak.", NonTechnical, "login"},
	}

	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Classify("", tt.body)
			if got.Category != tt.want {
				t.Errorf("Classify(%q).Category = %q (%q), want %q", tt.body, got.Category, got.Terms, tt.want)
			}
			if tt.notTerm != "" && slices.Contains(got.Terms, tt.notTerm) {
				t.Errorf("Classify(%q).Terms = %q, want no %q", tt.body, got.Terms, tt.notTerm)
			}
		})
	}
}

func TestClassifyApplication(t *testing.T) {
	tests := []struct {
		subject, body string
		want          string
	}{
		{"Kode billing", "Kode billing tidak muncul setelah saya klik ajukan.", "pembayaran"},
		{"OTP", "OTP tidak masuk ke email.", "akun"},
		{"Hak cipta", "Sertifikat hak cipta tidak bisa diunduh.", "hakcipta"},
		{"Merek", "Permohonan merek JID2026001234 belum diperiksa.", "merek"},
		{"Paten", "Klaim paten gagal disimpan.", "paten"},
		{"Desain", "Dropdown klasifikasi Locarno kosong.", "desain"},
		{"Pencarian", "Pencarian di PDKI kosong.", "pdki"},
		{"Petugas", "Petugas tidak ramah.", OtherApplication},
		{"", "", OtherApplication},
	}

	r := Default()
	for _, tt := range tests {
		got := r.Classify(tt.subject, tt.body).Application
		if got != tt.want {
			t.Errorf("Classify(%q, %q).Application = %q, want %q", tt.subject, tt.body, got, tt.want)
		}
	}
}

func TestClassifyConcurrent(t *testing.T) {
	r := Default()
	want := r.Classify("Tidak bisa login", "Selalu muncul error.")

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got := r.Classify("Tidak bisa login", "Selalu muncul error.")
			if got.Category != want.Category || got.Confidence != want.Confidence {
				t.Errorf("concurrent Classify = %+v, want %+v", got, want)
			}
		})
	}
	wg.Wait()
}

func BenchmarkClassify(b *testing.B) {
	f, err := os.Open("../../testdata/triage/labeled-dev.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()

	items, err := ReadJSONL(f)
	if err != nil {
		b.Fatal(err)
	}

	r := Default()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		it := items[i%len(items)]
		r.Classify(it.Subject, it.Body)
	}
}
