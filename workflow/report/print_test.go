package report

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// printTimeout bounds one Chromium run; printing the realistic report
// takes about two seconds on a 2-core machine.
const printTimeout = 90 * time.Second

// TestPrintToPDF renders a realistic report, prints it with headless
// Chromium as a browser user would, and reads the PDF back with poppler:
// A4 pages, a plausible page count, and the text that must survive
// printing.
func TestPrintToPDF(t *testing.T) {
	if os.Getenv("KELUHAN_IT") != "1" {
		t.Skip("print test: set KELUHAN_IT=1 with chromium and poppler-utils installed; testenv/test.sh does both")
	}
	chromium := requireTool(t, "chromium", "chromium-browser")
	pdfinfo := requireTool(t, "pdfinfo")
	pdftotext := requireTool(t, "pdftotext")

	cases := []struct {
		lang      string
		want      []string
		signature []string
	}{
		{
			lang: "id",
			want: []string{
				"Laporan Penanganan Keluhan", "Periode: 2 November 2026 s.d. 13 Desember 2026",
				"Keluhan per minggu menurut jenis", "Pemenuhan standar waktu per tahap", "Register keluhan",
			},
			signature: []string{"Jakarta, 14 Desember 2026", "Mengetahui,", "Kepala Pusat Data dan Informasi", "Dr. Andi Wijaya, M.Kom.", "NIP. 19750101 200012 1 001"},
		},
		{
			lang: "en",
			want: []string{
				"Complaint Handling Report", "Period: 2 November 2026 to 13 December 2026",
				"Complaints per week by category", "Time standards met per step", "Complaint register",
			},
			signature: []string{"Jakarta, 14 December 2026", "Acknowledged by,", "Kepala Pusat Data dan Informasi", "Employee ID (NIP) 19750101 200012 1 001"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			opts, tickets, records := realisticReport(t)
			opts.Language = tc.lang
			r, err := Build(opts, tickets, records)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if len(r.Rows) != 60 {
				t.Fatalf("Build rows = %d, want 60", len(r.Rows))
			}

			dir := t.TempDir()
			page := filepath.Join(dir, "laporan.html")
			var html bytes.Buffer
			if err := r.WriteHTML(&html); err != nil {
				t.Fatalf("WriteHTML: %v", err)
			}
			if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			pdf := filepath.Join(dir, "laporan.pdf")
			printPDF(t, chromium, page, pdf)

			checkPages(t, pdfinfo, pdf)

			text := run(t, pdftotext, "-layout", pdf, "-")
			for _, s := range append(tc.want, r.Rows[0].Number, r.Rows[len(r.Rows)-1].Number) {
				if !strings.Contains(text, s) {
					t.Errorf("PDF text lacks %q", s)
				}
			}
			last := lastPage(text)
			for _, s := range tc.signature {
				if !strings.Contains(last, s) {
					t.Errorf("last PDF page lacks %q; it reads:\n%s", s, last)
				}
			}
		})
	}
}

// requireTool returns the path of the first command found, and fails
// the test when none is: with KELUHAN_IT=1 a missing tool is an error of
// the test machine, not a reason to skip.
func requireTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatalf("KELUHAN_IT=1 but %s is not installed; testenv/install.sh installs chromium and poppler-utils", strings.Join(names, " or "))
	return ""
}

// printPDF prints page to pdf with headless Chromium in a fresh profile.
// Chromium runs in its own process group, which is killed when the run
// times out, because it leaves helper processes behind otherwise.
func printPDF(t *testing.T, chromium, page, pdf string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--print-to-pdf="+pdf, "--no-pdf-header-footer",
		"file://"+page)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output

	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not print within %v and was killed:\n%s", printTimeout, output.String())
	}
	if err != nil {
		t.Fatalf("chromium --print-to-pdf: %v\n%s", err, output.String())
	}
	if info, err := os.Stat(pdf); err != nil || info.Size() == 0 {
		t.Fatalf("chromium wrote no PDF (%v):\n%s", err, output.String())
	}
}

var (
	pagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	sizeLine  = regexp.MustCompile(`(?m)^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts`)
)

// checkPages checks that every page is A4, portrait or landscape, and
// that 60 tickets take a plausible number of pages: two or three for the
// summary and charts, about a dozen register rows per landscape page.
func checkPages(t *testing.T, pdfinfo, pdf string) {
	t.Helper()
	info := run(t, pdfinfo, pdf)
	m := pagesLine.FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo output has no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(m[1])
	if pages < 5 || pages > 14 {
		t.Errorf("PDF has %d pages, want 5 to 14", pages)
	}

	sizes := sizeLine.FindAllStringSubmatch(run(t, pdfinfo, "-f", "1", "-l", strconv.Itoa(pages), pdf), -1)
	if len(sizes) != pages {
		t.Fatalf("pdfinfo lists %d page sizes, want %d", len(sizes), pages)
	}
	landscape := 0
	for _, s := range sizes {
		w, _ := strconv.ParseFloat(s[2], 64)
		h, _ := strconv.ParseFloat(s[3], 64)
		switch {
		case near(w, 595) && near(h, 842):
		case near(w, 842) && near(h, 595):
			landscape++
		default:
			t.Errorf("page %s is %.1f x %.1f pts, want A4 (595 x 842) either way", s[1], w, h)
		}
	}
	if landscape == 0 || landscape == pages {
		t.Errorf("PDF has %d landscape pages of %d, want a portrait summary and a landscape register", landscape, pages)
	}
}

func near(a, b float64) bool { return a > b-1.5 && a < b+1.5 }

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lastPage returns the text of the last non-empty page; pdftotext ends
// each page with a form feed.
func lastPage(text string) string {
	pages := strings.Split(text, "\f")
	for i := len(pages) - 1; i >= 0; i-- {
		if strings.TrimSpace(pages[i]) != "" {
			return pages[i]
		}
	}
	return ""
}

// complaint is one kind of complaint the realistic report draws from.
type complaint struct {
	subject     string
	application string
	category    workflow.Category
	terms       []string
}

var complaints = []complaint{
	{"Tidak bisa login ke SIMPEG setelah ganti kata sandi", "SIMPEG", workflow.CategoryTechnical, []string{"login", "simpeg", "kata", "sandi", "ganti"}},
	{"Login SIMPEG gagal, muncul pesan kata sandi salah", "SIMPEG", workflow.CategoryTechnical, []string{"login", "simpeg", "kata", "sandi", "pesan", "salah"}},
	{"Kode OTP tidak terkirim saat login e-Office", "e-Office", workflow.CategoryTechnical, []string{"otp", "kode", "terkirim", "login", "office"}},
	{"Tanda tangan elektronik gagal pada dokumen e-Office", "e-Office", workflow.CategoryTechnical, []string{"tanda", "tangan", "elektronik", "dokumen", "office"}},
	{"Aplikasi e-Retribusi tidak bisa dibuka sejak pagi", "e-Retribusi", workflow.CategoryTechnical, []string{"retribusi", "dibuka", "pagi", "aplikasi"}},
	{"Antrean loket perizinan terlalu lama", "", workflow.CategoryNonTechnical, []string{"antrean", "loket", "perizinan", "lama"}},
	{"Petugas loket perizinan tidak ramah", "", workflow.CategoryNonTechnical, []string{"petugas", "loket", "perizinan", "ramah"}},
	{"Data kepegawaian tidak sesuai setelah mutasi", "SIMPEG", workflow.CategoryNonTechnical, []string{"data", "kepegawaian", "mutasi", "sesuai"}},
	{"Jadwal pelatihan aplikasi belum diumumkan", "", workflow.CategoryNonTechnical, []string{"jadwal", "pelatihan", "diumumkan"}},
	{"Sertifikat elektronik kedaluwarsa dan tidak bisa diperpanjang", "e-Office", workflow.CategoryTechnical, []string{"sertifikat", "elektronik", "kedaluwarsa", "diperpanjang"}},
	{"Permohonan izin usaha belum diproses dua minggu", "SIPERIZINAN", workflow.CategoryNonTechnical, []string{"permohonan", "izin", "usaha", "diproses", "minggu"}},
	{"Tagihan retribusi ganda pada bulan November", "e-Retribusi", workflow.CategoryTechnical, []string{"tagihan", "retribusi", "ganda", "bulan"}},
}

var requesterNames = []string{
	"Budi Santoso", "Siti Aminah", "Rahmat Hidayat", "Dewi Lestari", "Yohanes Pardede", "Maria Ulfa", "Agus Salim",
	"Ni Made Ayu", "Fransiska Wuri", "Andi Saputra", "Ketut Widiasih", "Rini Handayani",
}

// realisticReport returns 60 tickets received on working days over the
// six weeks from Monday 2 November 2026, in every state and channel,
// with clocks the way the state machine leaves them, and their breach
// records. The random choices are seeded, so every run is the same.
func realisticReport(t *testing.T) (Options, []*workflow.Ticket, map[string][]workflow.Record) {
	t.Helper()
	opts := testOptions(t)
	opts.From, opts.To = jkt(t, "2026-11-02 00:00"), jkt(t, "2026-12-14 00:00")
	opts.Now = jkt(t, "2026-12-14 09:00")
	cal := testCalendar(t)
	m := clockMaker{t: t, cal: cal}
	rng := rand.New(rand.NewPCG(2026, 11))
	channels := []workflow.Channel{workflow.ChannelEmail, workflow.ChannelEmail, workflow.ChannelEmail, workflow.ChannelPhone, workflow.ChannelWhatsApp, workflow.ChannelCounter}

	var tickets []*workflow.Ticket
	records := map[string][]workflow.Record{}
	var days []time.Time
	for day := opts.From; day.Before(opts.To); day = day.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(day) {
			days = append(days, day)
		}
	}
	for i := range 60 {
		day := days[i*len(days)/60]
		received := day.Add(time.Duration(8*60+rng.IntN(8*60)) * time.Minute)
		c := complaints[rng.IntN(len(complaints))]
		name := requesterNames[rng.IntN(len(requesterNames))]
		tk := &workflow.Ticket{
			Number:     fmt.Sprintf("KLH-2026-%06d", 301+i),
			ReceivedAt: received,
			Channel:    channels[rng.IntN(len(channels))],
			Requester:  workflow.Party{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.go.id"},
			Subject:    c.subject,
			Terms:      c.terms,
			Triage:     workflow.TriageResult{Category: c.category, Confidence: 0.8},
		}
		age := opts.Now.Sub(received)
		verified := cal.AddWorking(received, time.Duration(30+rng.IntN(600))*time.Minute)
		tk.Clocks = append(tk.Clocks, m.at(workflow.StepVerify, received, time.Time{}))
		if verified.After(opts.Now) || (age < 5*24*time.Hour && rng.IntN(3) == 0) {
			tk.State = workflow.StateNew
			tk.Clocks = append(tk.Clocks, m.at(workflow.StepClose, received, time.Time{}))
			addBreaches(tk, records, opts.Now)
			tickets = append(tickets, tk)
			continue
		}
		tk.Clocks[0].Stopped = verified
		tk.Category, tk.Application = c.category, c.application

		second := workflow.StepFollowUp
		tk.State = workflow.StateFollowUp
		if c.category == workflow.CategoryTechnical {
			second, tk.State = workflow.StepHandoff, workflow.StateIncident
		}
		answered := cal.AddWorking(verified, time.Duration(1+rng.IntN(12))*time.Hour)
		secondClock := m.at(second, verified, time.Time{})
		if !answered.After(opts.Now) {
			secondClock.Stopped = answered
		}
		tk.Clocks = append(tk.Clocks, secondClock)

		closeClock := m.at(workflow.StepClose, received, time.Time{})
		closed := cal.AddWorking(received, time.Duration(4+rng.IntN(130))*time.Hour)
		if !closed.After(opts.Now) && !secondClock.Stopped.IsZero() {
			closeClock.Stopped, tk.ClosedAt, tk.State = closed, closed, workflow.StateClosed
			tk.Resolution = "Permasalahan telah ditangani dan pelapor sudah dikonfirmasi."
			if rng.IntN(2) == 0 {
				tk.RootCause = "Konfigurasi layanan belum diperbarui setelah pemeliharaan."
				tk.Prevention = "Daftar periksa pemeliharaan ditambah langkah verifikasi konfigurasi."
			}
		}
		tk.Clocks = append(tk.Clocks, closeClock)
		addBreaches(tk, records, opts.Now)
		tickets = append(tickets, tk)
	}
	return opts, tickets, records
}

// addBreaches adds the sla_breach record the scheduler would have made
// by now for every clock of the ticket that ran past its due time.
func addBreaches(tk *workflow.Ticket, records map[string][]workflow.Record, now time.Time) {
	for _, c := range tk.Clocks {
		end := c.Stopped
		if end.IsZero() {
			end = now
		}
		if end.After(c.Due) {
			records[tk.Number] = append(records[tk.Number], workflow.Record{
				Key: tk.Number + "/breach/" + string(c.Step), Ticket: tk.Number, Type: workflow.RecordSLABreach,
				At: c.Due, Detail: map[string]string{"step": string(c.Step)},
			})
		}
	}
}
