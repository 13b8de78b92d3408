package report

import (
	"testing"
	"time"

	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/calendar"
)

// Working time standards of the default rules with 8-hour working days.
var testStandards = map[workflow.Step]time.Duration{
	workflow.StepVerify:   8 * time.Hour,
	workflow.StepHandoff:  8 * time.Hour,
	workflow.StepFollowUp: 5 * 8 * time.Hour,
	workflow.StepClose:    14 * 8 * time.Hour,
}

// testCalendar is Monday to Friday, 08:00-16:00 in Jakarta, without
// holidays, so that expected working times are easy to count.
func testCalendar(t testing.TB) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.New(calendar.Config{Holidays: []calendar.Holiday{}})
	if err != nil {
		t.Fatalf("calendar.New: %v", err)
	}
	return cal
}

// jkt parses "2006-01-02 15:04" in Jakarta time.
func jkt(t testing.TB, value string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", value, jakarta())
	if err != nil {
		t.Fatalf("parse %q: %v", value, err)
	}
	return at
}

func testLabels(t testing.TB) Labeler {
	t.Helper()
	r, err := mailer.NewRenderer(mailer.RenderConfig{})
	if err != nil {
		t.Fatalf("mailer.NewRenderer: %v", err)
	}
	return r
}

// clockMaker builds clocks the way the state machine does: the due time
// is the standard added to the start in working time.
type clockMaker struct {
	t   testing.TB
	cal *calendar.Calendar
}

// done returns a clock started at start and stopped at stop ("" keeps
// it running).
func (m clockMaker) done(step workflow.Step, start, stop string) workflow.Clock {
	m.t.Helper()
	var stopped time.Time
	if stop != "" {
		stopped = jkt(m.t, stop)
	}
	return m.at(step, jkt(m.t, start), stopped)
}

// at returns a clock started at start and stopped at stop (zero keeps it
// running).
func (m clockMaker) at(step workflow.Step, start, stop time.Time) workflow.Clock {
	standard := testStandards[step]
	return workflow.Clock{Step: step, Started: start, Standard: standard, Due: m.cal.AddWorking(start, standard), Stopped: stop}
}

// paused returns a running clock paused at pausedAt.
func (m clockMaker) paused(step workflow.Step, start, pausedAt string) workflow.Clock {
	m.t.Helper()
	c := m.done(step, start, "")
	c.PausedAt = jkt(m.t, pausedAt)
	c.Remaining = m.cal.WorkingBetween(c.PausedAt, c.Due)
	return c
}

func testOptions(t testing.TB) Options {
	t.Helper()
	return Options{
		From:       jkt(t, "2026-11-23 00:00"),
		To:         jkt(t, "2026-12-08 00:00"),
		Language:   "id",
		Location:   jakarta(),
		Calendar:   testCalendar(t),
		Standards:  testStandards,
		DeskName:   "Service Desk Pusat Data dan Informasi",
		Official:   "Kepala Pusat Data dan Informasi",
		Place:      "Jakarta",
		SignerName: "Dr. Andi Wijaya, M.Kom.",
		SignerNIP:  "19750101 200012 1 001",
		Labels:     testLabels(t),
		Now:        jkt(t, "2026-12-08 10:00"),
	}
}

// goldenTickets are eight tickets around the period of testOptions, one
// of them received before it. They cover every step status, masking,
// an unconfirmed category, a paused ticket, two recurring complaints and
// text that HTML and spreadsheets must not interpret.
func goldenTickets(t testing.TB) []*workflow.Ticket {
	t.Helper()
	m := clockMaker{t: t, cal: testCalendar(t)}
	teknis, nonteknis := workflow.CategoryTechnical, workflow.CategoryNonTechnical
	return []*workflow.Ticket{
		{
			Number: "KLH-2026-000099", ReceivedAt: jkt(t, "2026-11-20 09:00"), Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Di Luar Periode", Email: "luar@example.com"},
			Subject:   "Keluhan sebelum periode laporan", State: workflow.StateClosed, Category: nonteknis,
		},
		{
			Number: "KLH-2026-000101", ReceivedAt: jkt(t, "2026-11-23 09:00"), Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Budi Santoso", Email: "budi.santoso@example.com"},
			Subject:   "Tidak bisa login ke SIMPEG setelah ganti kata sandi",
			State:     workflow.StateClosed, Category: teknis, Application: "SIMPEG",
			Triage:     workflow.TriageResult{Category: teknis, Confidence: 0.9},
			Terms:      []string{"login", "simpeg", "kata", "sandi", "akun", "ganti"},
			ClosedAt:   jkt(t, "2026-11-25 14:00"),
			Resolution: "Kata sandi direset dan akun dibuka kembali.",
			RootCause:  "Akun terkunci setelah tiga kali gagal masuk.",
			Prevention: "Batas percobaan masuk dinaikkan menjadi lima kali.",
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-11-23 09:00", "2026-11-23 10:30"),
				m.done(workflow.StepHandoff, "2026-11-23 10:30", "2026-11-24 09:00"),
				m.done(workflow.StepClose, "2026-11-23 09:00", "2026-11-25 14:00"),
			},
		},
		{
			Number: "KLH-2026-000102", ReceivedAt: jkt(t, "2026-11-24 13:00"), Channel: workflow.ChannelWhatsApp,
			Requester: workflow.Party{Name: "Siti Aminah", Phone: "081234567890"},
			Subject:   "Login SIMPEG gagal terus sejak pagi",
			State:     workflow.StateIncident, Category: teknis, Application: "SIMPEG",
			Terms:   []string{"login", "simpeg", "gagal", "pagi"},
			Similar: []workflow.SimilarRef{{Number: "KLH-2026-000101", Score: 0.41}},
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-11-24 13:00", "2026-11-24 14:00"),
				m.done(workflow.StepHandoff, "2026-11-24 14:00", ""),
				m.done(workflow.StepClose, "2026-11-24 13:00", ""),
			},
		},
		{
			Number: "KLH-2026-000103", ReceivedAt: jkt(t, "2026-11-26 10:00"), Channel: workflow.ChannelCounter,
			Requester: workflow.Party{Name: "Rahmat Hidayat", Phone: "0217654321"},
			Subject:   "Antrean loket perizinan terlalu lama",
			State:     workflow.StateFollowUp, Category: nonteknis,
			Terms: []string{"antrean", "loket", "perizinan", "lama"},
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-11-26 10:00", "2026-11-27 11:00"),
				m.done(workflow.StepFollowUp, "2026-11-27 11:00", "2026-11-30 09:00"),
				m.done(workflow.StepClose, "2026-11-26 10:00", ""),
			},
		},
		{
			Number: "KLH-2026-000104", ReceivedAt: jkt(t, "2026-11-30 08:30"), Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Yohanes Pardede", Email: "yohanes@example.org"},
			Subject:   "Antrean loket perizinan tidak tertib dan lama",
			State:     workflow.StateWaiting, Category: nonteknis, Application: "SIPERIZINAN",
			Terms: []string{"antrean", "loket", "perizinan", "tertib", "lama"},
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-11-30 08:30", "2026-11-30 11:00"),
				m.paused(workflow.StepFollowUp, "2026-11-30 11:00", "2026-12-01 10:00"),
				m.paused(workflow.StepClose, "2026-11-30 08:30", "2026-12-01 10:00"),
			},
		},
		{
			Number: "KLH-2026-000105", ReceivedAt: jkt(t, "2026-12-01 15:00"), Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Maria Ulfa", Email: "maria.ulfa@example.net"},
			Subject:   "Pertanyaan tentang jadwal pelatihan",
			State:     workflow.StateNew,
			Triage:    workflow.TriageResult{Category: nonteknis, Confidence: 0.55},
			Terms:     []string{"jadwal", "pelatihan", "pertanyaan"},
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-12-01 15:00", ""),
				m.done(workflow.StepClose, "2026-12-01 15:00", ""),
			},
		},
		{
			Number: "KLH-2026-000106", ReceivedAt: jkt(t, "2026-12-03 09:00"), Channel: workflow.ChannelEmail,
			Requester: workflow.Party{Name: "Dewi <b>Lestari</b>", Email: "dewi@example.com"},
			Subject:   `=HYPERLINK("http://contoh.invalid","Klik") <script>alert(1)</script>`,
			State:     workflow.StateClosed, Category: teknis, Application: "e-Retribusi",
			Terms:      []string{"retribusi", "tautan"},
			ClosedAt:   jkt(t, "2026-12-07 10:00"),
			Resolution: "Tautan dibersihkan & pengirim diblokir.",
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-12-03 09:00", "2026-12-03 10:00"),
				m.done(workflow.StepHandoff, "2026-12-03 10:00", "2026-12-04 15:00"),
				m.done(workflow.StepClose, "2026-12-03 09:00", "2026-12-07 10:00"),
			},
		},
		{
			Number: "KLH-2026-000107", ReceivedAt: jkt(t, "2026-12-07 11:00"), Channel: workflow.ChannelPhone,
			Requester: workflow.Party{Name: "Agus Salim", Phone: "0812000111"},
			Subject:   "Lupa kata sandi login SIMPEG",
			State:     workflow.StateNew,
			Triage:    workflow.TriageResult{Category: teknis, Confidence: 0.8},
			Terms:     []string{"login", "simpeg", "kata", "sandi", "lupa"},
			Clocks: []workflow.Clock{
				m.done(workflow.StepVerify, "2026-12-07 11:00", ""),
				m.done(workflow.StepClose, "2026-12-07 11:00", ""),
			},
		},
	}
}

// goldenRecords are the sla_breach records of the golden tickets, with
// a note that the report ignores.
func goldenRecords(t testing.TB) map[string][]workflow.Record {
	t.Helper()
	breach := func(ticket string, step workflow.Step, at string) workflow.Record {
		return workflow.Record{
			Key: ticket + "/breach/" + string(step), Ticket: ticket, Type: workflow.RecordSLABreach, At: jkt(t, at),
			Actor: workflow.ActorSystem, Text: string(step), Detail: map[string]string{"step": string(step)},
		}
	}
	return map[string][]workflow.Record{
		"KLH-2026-000102": {breach("KLH-2026-000102", workflow.StepHandoff, "2026-11-25 14:00")},
		"KLH-2026-000103": {
			breach("KLH-2026-000103", workflow.StepVerify, "2026-11-27 10:00"),
			{Key: "KLH-2026-000103/note", Ticket: "KLH-2026-000103", Type: workflow.RecordNote, At: jkt(t, "2026-11-27 10:30"), Text: "dicek"},
		},
		"KLH-2026-000105": {breach("KLH-2026-000105", workflow.StepVerify, "2026-12-02 15:00")},
		"KLH-2026-000106": {breach("KLH-2026-000106", workflow.StepHandoff, "2026-12-04 10:00")},
	}
}
