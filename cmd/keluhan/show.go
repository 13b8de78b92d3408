package main

import (
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/keluhan/keluhan/workflow"
)

// Column headings and labels of the ticket views.
var (
	colNumber    = text{"NOMOR", "NUMBER"}
	colReceived  = text{"DITERIMA", "RECEIVED"}
	colState     = text{"STATUS", "STATE"}
	colCategory  = text{"JENIS", "CATEGORY"}
	colRequester = text{"PELAPOR", "REQUESTER"}
	colSubject   = text{"PERIHAL", "SUBJECT"}
	colCreated   = text{"DIBUAT", "CREATED"}
	colStatus    = text{"STATUS", "STATUS"}
	colAttempts  = text{"PERCOBAAN", "ATTEMPTS"}
	colKind      = text{"JENIS", "KIND"}
	colTo        = text{"KEPADA", "TO"}
	colError     = text{"GALAT", "ERROR"}
	colKey       = text{"KUNCI", "KEY"}
	colFrom      = text{"DARI", "FROM"}
	colReason    = text{"ALASAN", "REASON"}
	colStep      = text{"LANGKAH", "STEP"}
	colDue       = text{"TENGGAT", "DEADLINE"}
	colMet       = text{"KETERANGAN", "STATUS"}

	lblTicket      = text{"Tiket", "Ticket"}
	lblChannel     = text{"Saluran", "Channel"}
	lblApplication = text{"Aplikasi", "Application"}
	lblTriage      = text{"Usulan triase", "Triage suggestion"}
	lblTerms       = text{"kata kunci", "terms"}
	lblSimilar     = text{"Keluhan serupa", "Similar complaints"}
	lblResolution  = text{"Penyelesaian", "Resolution"}
	lblRootCause   = text{"Akar masalah", "Root cause"}
	lblPrevention  = text{"Pencegahan", "Prevention"}
	lblLinked      = text{"Lanjutan dari", "Continues"}
	lblDeadlines   = text{"Tenggat tiap langkah", "Deadline of each step"}
	lblTimeline    = text{"Riwayat", "Timeline"}
	lblAttachment  = text{"Lampiran", "Attachment"}
	lblEnteredBy   = text{"Dicatat oleh", "Entered by"}
	lblUnverified  = text{"(pengirim tidak terverifikasi)", "(sender not verified)"}
	lblNoEmail     = text{"tanpa email: petugas menghubungi pelapor langsung", "no email: staff contact the requester directly"}

	metOnTime  = text{"terpenuhi (%s)", "met (%s)"}
	metLate    = text{"terlambat %s (selesai %s)", "late by %s (done %s)"}
	metRunning = text{"berjalan", "running"}
	metOverdue = text{"LEWAT TENGGAT %s", "OVERDUE by %s"}
	metPaused  = text{"dijeda (menunggu pelapor)", "paused (waiting for requester)"}
)

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

func (t *table) row(cols ...string) {
	for i, c := range cols {
		cols[i] = strings.ReplaceAll(strings.ReplaceAll(c, "\t", " "), "\n", " ")
	}
	fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
}

func (t *table) flush() {
	_ = t.tw.Flush() // writes to the terminal; a failure has no one to tell
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func partyText(p workflow.Party) string {
	switch {
	case p.Name != "" && p.Email != "":
		return p.Name + " <" + p.Email + ">"
	case p.Email != "":
		return p.Email
	case p.Phone != "":
		return strings.TrimSpace(p.Name + " " + p.Phone)
	}
	return p.Name
}

// localTime formats an instant in the desk's time zone.
func (c *core) localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(c.set.loc).Format("2006-01-02 15:04")
}

// label returns the catalog's word for a code of group, or the code
// itself when the catalog has none.
func (c *core) label(lang, group, key string) string {
	full := group + "." + key
	if text := c.render.Label(lang, full); text != full {
		return text
	}
	return key
}

func (c *core) categoryLabel(lang string, t *workflow.Ticket) string {
	if t.Category != "" {
		return c.label(lang, "category", string(t.Category))
	}
	return "(" + c.label(lang, "category", string(t.Triage.Category)) + "?)"
}

// printTicket writes one ticket: its facts, each step's deadline and
// whether it was met, and the timeline.
func (a *app) printTicket(c *core, t *workflow.Ticket, records []workflow.Record) {
	w, lang := a.stdout, a.p.lang
	fmt.Fprintf(w, "%s %s — %s\n", a.p.t(lblTicket), t.Number, c.label(lang, "state", string(t.State)))
	fmt.Fprintf(w, "%s: %s\n", a.p.t(colSubject), t.Subject)
	requester := partyText(t.Requester)
	if t.Requester.Email == "" {
		requester += " — " + a.p.t(lblNoEmail)
	}
	fmt.Fprintf(w, "%s: %s\n", a.p.t(colRequester), requester)
	fmt.Fprintf(w, "%s: %s   %s: %s\n", a.p.t(colReceived), c.localTime(t.ReceivedAt), a.p.t(lblChannel), c.label(lang, "channel", string(t.Channel)))
	if t.EnteredBy != "" {
		fmt.Fprintf(w, "%s: %s\n", a.p.t(lblEnteredBy), t.EnteredBy)
	}
	fmt.Fprintf(w, "%s: %s   %s: %s\n", a.p.t(colCategory), c.categoryLabel(lang, t), a.p.t(lblApplication), t.Application)
	fmt.Fprintf(w, "%s: %s (%.0f%%; %s: %s)\n", a.p.t(lblTriage), c.label(lang, "category", string(t.Triage.Category)),
		t.Triage.Confidence*100, a.p.t(lblTerms), strings.Join(t.Triage.Terms, ", "))
	a.printOptional(t)
	for _, f := range t.Attachments {
		fmt.Fprintf(w, "%s: %s (%s)\n", a.p.t(lblAttachment), f.Filename, f.ContentType)
	}
	for _, s := range t.Similar {
		fmt.Fprintf(w, "%s: %s %s (%.0f%%)\n", a.p.t(lblSimilar), s.Number, clip(s.Subject, 60), s.Score*100)
	}
	a.printDeadlines(c, t)
	a.printTimeline(c, records)
}

func (a *app) printOptional(t *workflow.Ticket) {
	for _, f := range []struct {
		label text
		value string
	}{
		{lblLinked, t.LinkedTo}, {lblResolution, t.Resolution},
		{lblRootCause, t.RootCause}, {lblPrevention, t.Prevention},
	} {
		if f.value != "" {
			fmt.Fprintf(a.stdout, "%s: %s\n", a.p.t(f.label), f.value)
		}
	}
}

func (a *app) printDeadlines(c *core, t *workflow.Ticket) {
	if len(t.Clocks) == 0 {
		return
	}
	fmt.Fprintf(a.stdout, "\n%s:\n", a.p.t(lblDeadlines))
	tw := newTable(a.stdout)
	tw.row("  "+a.p.t(colStep), a.p.t(colDue), a.p.t(colMet))
	for _, clock := range clocksInOrder(t.Clocks) {
		tw.row("  "+c.label(a.p.lang, "step", string(clock.Step)), c.localTime(clock.Due), a.clockStatus(c, clock))
	}
	tw.flush()
}

// clocksInOrder sorts clocks by the procedure's order of steps.
func clocksInOrder(clocks []workflow.Clock) []workflow.Clock {
	out := slices.Clone(clocks)
	slices.SortStableFunc(out, func(a, b workflow.Clock) int {
		return slices.Index(workflow.Steps, a.Step) - slices.Index(workflow.Steps, b.Step)
	})
	return out
}

// clockStatus says whether a step met its standard, how late it is, or
// that it still runs.
func (a *app) clockStatus(c *core, clock workflow.Clock) string {
	now := c.now()
	switch {
	case !clock.Stopped.IsZero() && clock.Met():
		return a.p.t(metOnTime, c.localTime(clock.Stopped))
	case !clock.Stopped.IsZero():
		late := c.set.cal.WorkingBetween(clock.Due, clock.Stopped)
		return a.p.t(metLate, formatWorking(a.p.lang, late, c.set.cal.DayLength()), c.localTime(clock.Stopped))
	case !clock.PausedAt.IsZero():
		return a.p.t(metPaused)
	case now.After(clock.Due):
		late := c.set.cal.WorkingBetween(clock.Due, now)
		return a.p.t(metOverdue, formatWorking(a.p.lang, late, c.set.cal.DayLength()))
	}
	return a.p.t(metRunning)
}

// formatWorking writes a working duration as days and hours of work.
func formatWorking(lang string, d, dayLength time.Duration) string {
	days := int(d / dayLength)
	hours := int((d % dayLength) / time.Hour)
	minutes := int((d % time.Hour) / time.Minute)
	unitDay, unitHour, unitMin := "hari kerja", "jam", "menit"
	if lang == "en" {
		unitDay, unitHour, unitMin = "working days", "h", "min"
	}
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, unitDay))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, unitHour))
	}
	if minutes > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", minutes, unitMin))
	}
	return strings.Join(parts, " ")
}

func (a *app) printTimeline(c *core, records []workflow.Record) {
	fmt.Fprintf(a.stdout, "\n%s:\n", a.p.t(lblTimeline))
	for _, r := range records {
		actor := r.Actor
		if actor == workflow.ActorSystem {
			actor = c.label(a.p.lang, "actor", actor)
		}
		line := fmt.Sprintf("  %s  %s — %s", c.localTime(r.At), c.label(a.p.lang, "record", string(r.Type)), actor)
		if !r.Verified && r.Type == workflow.RecordNote {
			line += " " + a.p.t(lblUnverified)
		}
		fmt.Fprintln(a.stdout, line)
		text := strings.TrimSpace(r.Text)
		if text != "" && (r.Type == workflow.RecordTriage || r.Type == workflow.RecordConfirmed) {
			// These entries hold a category code.
			text = c.label(a.p.lang, "category", text)
		}
		if text != "" {
			for _, l := range strings.Split(clip(text, 400), "\n") {
				fmt.Fprintln(a.stdout, "      "+l)
			}
		}
	}
}

func addressText(a *mail.Address) string {
	if a == nil {
		return ""
	}
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}
