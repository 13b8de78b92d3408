package report

import (
	"slices"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

func TestMeasure(t *testing.T) {
	cal := testCalendar(t)
	m := clockMaker{t: t, cal: cal}
	opts := Options{Calendar: cal, Standards: testStandards, Now: jkt(t, "2026-12-08 10:00")}

	noDue := m.done(workflow.StepVerify, "2026-12-07 09:00", "")
	noDue.Due, noDue.Standard = time.Time{}, 0

	resumed := m.done(workflow.StepVerify, "2026-12-07 09:00", "")
	// Waited two working hours for the requester: resuming moved the due
	// time from 8 December 09:00 to 11:00.
	resumed.Due = jkt(t, "2026-12-08 11:00")

	cases := []struct {
		name        string
		clock       workflow.Clock
		wantStatus  StepStatus
		wantWorking time.Duration
	}{
		{"met", m.done(workflow.StepVerify, "2026-12-07 09:00", "2026-12-07 11:30"), StepMet, 150 * time.Minute},
		{"met at due time", m.done(workflow.StepVerify, "2026-12-07 09:00", "2026-12-08 09:00"), StepMet, 8 * time.Hour},
		{"late", m.done(workflow.StepVerify, "2026-12-04 09:00", "2026-12-07 12:00"), StepLate, 11 * time.Hour},
		{"running", m.done(workflow.StepVerify, "2026-12-07 14:00", ""), StepRunning, 4 * time.Hour},
		{"overdue", m.done(workflow.StepVerify, "2026-12-04 15:00", ""), StepOverdue, 11 * time.Hour},
		{"started on saturday", m.done(workflow.StepVerify, "2026-12-05 10:00", "2026-12-07 09:00"), StepMet, time.Hour},
		{"paused within standard", m.paused(workflow.StepVerify, "2026-12-07 09:00", "2026-12-07 12:00"), StepRunning, 3 * time.Hour},
		{"paused after due time", m.paused(workflow.StepVerify, "2026-12-03 09:00", "2026-12-07 12:00"), StepOverdue, 19 * time.Hour},
		{"resumed without the wait", resumed, StepRunning, 7 * time.Hour},
		{"no due time counts from start", noDue, StepOverdue, 9 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := measure(&opts, &tc.clock)
			if got.Status != tc.wantStatus {
				t.Errorf("measure(%s).Status = %s, want %s", tc.name, got.Status, tc.wantStatus)
			}
			if got.Working != tc.wantWorking {
				t.Errorf("measure(%s).Working = %v, want %v", tc.name, got.Working, tc.wantWorking)
			}
		})
	}
}

func TestBuildRows(t *testing.T) {
	opts := testOptions(t)
	opts.MaskRequester = true
	r, err := Build(opts, goldenTickets(t), goldenRecords(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	var numbers []string
	for _, row := range r.Rows {
		numbers = append(numbers, row.Number)
	}
	want := []string{"KLH-2026-000101", "KLH-2026-000102", "KLH-2026-000103", "KLH-2026-000104", "KLH-2026-000105", "KLH-2026-000106", "KLH-2026-000107"}
	if !slices.Equal(numbers, want) {
		t.Fatalf("Build rows = %v, want %v (received order, without KLH-2026-000099)", numbers, want)
	}

	first := r.Rows[0]
	if first.Requester.Name != "B*** S***" || first.Requester.Email != "b***@example.com" {
		t.Errorf("masked requester = %+v, want B*** S*** <b***@example.com>", first.Requester)
	}
	if got := r.Rows[4]; got.Category != workflow.CategoryNonTechnical || !got.Suggested {
		t.Errorf("row 5 category = %s suggested %v, want nonteknis suggested", got.Category, got.Suggested)
	}
	if got := r.Rows[0]; got.Suggested {
		t.Errorf("row 1 suggested = true, want the confirmed category")
	}

	steps := r.Rows[2].Steps // KLH-2026-000103: verification late, no hand-off
	wantSteps := []StepStatus{StepLate, StepNone, StepMet, StepRunning}
	for i, st := range steps {
		if st.Step != workflow.Steps[i] || st.Status != wantSteps[i] {
			t.Errorf("row 3 step %d = %s %s, want %s %s", i, st.Step, st.Status, workflow.Steps[i], wantSteps[i])
		}
	}
	if steps[0].Breaches != 1 {
		t.Errorf("row 3 verification breaches = %d, want 1", steps[0].Breaches)
	}
}

func TestBuildUnmasked(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := r.Rows[1].Requester; got.Name != "Siti Aminah" || got.Phone != "081234567890" {
		t.Errorf("requester = %+v, want Siti Aminah 081234567890", got)
	}
	for _, row := range r.Rows {
		for _, st := range row.Steps {
			if st.Breaches != 0 {
				t.Errorf("%s %s breaches = %d without records, want 0", row.Number, st.Step, st.Breaches)
			}
		}
	}
}

func TestBuilderIgnores(t *testing.T) {
	b, err := NewBuilder(testOptions(t))
	if err != nil {
		t.Fatalf("NewBuilder: %v", err)
	}
	tickets := goldenTickets(t)

	cases := []struct {
		name   string
		ticket *workflow.Ticket
		want   bool
	}{
		{"nil", nil, false},
		{"before the period", tickets[0], false},
		{"in the period", tickets[1], true},
		{"same number again", tickets[1], false},
		{"at To", &workflow.Ticket{Number: "KLH-X", ReceivedAt: jkt(t, "2026-12-08 00:00")}, false},
		{"at From", &workflow.Ticket{Number: "KLH-Y", ReceivedAt: jkt(t, "2026-11-23 00:00")}, true},
	}
	for _, tc := range cases {
		if got := b.AddTicket(tc.ticket); got != tc.want {
			t.Errorf("AddTicket(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}

	// A breach of a ticket that was not added, and a breach naming an
	// unknown step, change nothing.
	b.AddRecord(&workflow.Record{Ticket: "KLH-2026-000099", Type: workflow.RecordSLABreach, Text: string(workflow.StepVerify)})
	b.AddRecord(&workflow.Record{Ticket: "KLH-2026-000101", Type: workflow.RecordSLABreach, Text: "unknown"})
	b.AddRecord(&workflow.Record{Ticket: "KLH-2026-000101", Type: workflow.RecordSLABreach, Text: string(workflow.StepClose)})
	r := b.Finish()
	if len(r.Rows) != 2 {
		t.Fatalf("Finish rows = %d, want 2", len(r.Rows))
	}
	if got := r.Rows[1].Steps[stepIndex(workflow.StepClose)].Breaches; got != 1 {
		t.Errorf("breaches from Text = %d, want 1", got)
	}
}

func TestOptionsCheck(t *testing.T) {
	cases := []struct {
		name   string
		adjust func(*Options)
		want   error
	}{
		{"valid", func(*Options) {}, nil},
		{"no calendar", func(o *Options) { o.Calendar = nil }, errNoCalendar},
		{"no now", func(o *Options) { o.Now = time.Time{} }, errNoNow},
		{"no from", func(o *Options) { o.From = time.Time{} }, errPeriod},
		{"to before from", func(o *Options) { o.To = o.From.Add(-time.Hour) }, errPeriod},
		{"to equals from", func(o *Options) { o.To = o.From }, errPeriod},
	}
	for _, tc := range cases {
		opts := testOptions(t)
		tc.adjust(&opts)
		if got := opts.check(); got != tc.want {
			t.Errorf("check(%s) = %v, want %v", tc.name, got, tc.want)
		}
		if _, err := NewBuilder(opts); (err != nil) != (tc.want != nil) {
			t.Errorf("NewBuilder(%s) error = %v, want error %v", tc.name, err, tc.want != nil)
		}
	}
}
