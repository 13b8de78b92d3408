package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// digestOptions is the week of 30 November to 6 December 2026.
func digestOptions(t *testing.T) Options {
	opts := testOptions(t)
	opts.From, opts.To = jkt(t, "2026-11-30 00:00"), jkt(t, "2026-12-07 00:00")
	return opts
}

func digestRecords(t *testing.T) []workflow.Record {
	var out []workflow.Record
	for _, list := range goldenRecords(t) {
		out = append(out, list...)
	}
	return out
}

func TestDigest(t *testing.T) {
	view, err := Digest(digestOptions(t), goldenTickets(t), digestRecords(t))
	if err != nil {
		t.Fatalf("Digest: %v", err)
	}

	if !view.From.Equal(jkt(t, "2026-11-30 00:00")) || view.To.Format("2006-01-02") != "2026-12-06" {
		t.Errorf("From, To = %v, %v, want 30 November and the last instant of 6 December", view.From, view.To)
	}
	// Received in the week: 104, 105 and 106. Closed in the week: none,
	// because 106 closed on 7 December.
	if view.Received != 3 || view.Closed != 0 {
		t.Errorf("Received, Closed = %d, %d, want 3, 0", view.Received, view.Closed)
	}

	cases := []struct {
		name string
		got  []workflow.Count
		want string
	}{
		{"OpenByState", view.OpenByState, "[{new 2 0} {incident 1 0} {follow_up 1 0} {waiting 1 0}]"},
		// The breaches of 2 and 4 December; those of 25 and 27 November
		// fall before the week.
		{"BreachesBy", view.BreachesBy, "[{verification 1 0} {handoff_ack 1 0}]"},
		{"ByCategory", view.ByCategory, "[{teknis 1 0} {nonteknis 1 0} {unsure 1 0}]"},
		// Stopped in the week: verification of 103 (no, 27 November), of
		// 104 and 106 (met); hand-off of 106 (late); follow-up of 103
		// (met, 30 November).
		{"StandardsMet", view.StandardsMet, "[{verification 2 2} {handoff_ack 0 1} {first_follow_up 1 1}]"},
		{"StandardsOver", view.StandardsOver, "[{handoff_ack 1 0}]"},
		// Only 103 and 104 of the recurring pairs lie in the week, and
		// 103 does not.
		{"Recurring", view.Recurring, "[]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(tc.got); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}

	var oldest []string
	for _, v := range view.Oldest {
		oldest = append(oldest, v.Number)
		if v.Requester != (workflow.Party{}) {
			t.Errorf("Oldest %s has requester %+v, want none", v.Number, v.Requester)
		}
	}
	if got := fmt.Sprint(oldest); got != "[KLH-2026-000102 KLH-2026-000103 KLH-2026-000104 KLH-2026-000105 KLH-2026-000107]" {
		t.Errorf("Oldest = %s", got)
	}
}

func TestDigestLimits(t *testing.T) {
	opts := digestOptions(t)
	var tickets []*workflow.Ticket
	// Fourteen open tickets in six recurring topics, added newest first.
	for i := 13; i >= 0; i-- {
		topic := i % 6
		tickets = append(tickets, &workflow.Ticket{
			Number:     fmt.Sprintf("KLH-2026-%06d", 200-i),
			ReceivedAt: opts.From.Add(time.Duration(i) * time.Hour),
			State:      workflow.StateFollowUp,
			Terms:      []string{fmt.Sprintf("topik%d", topic), fmt.Sprintf("kata%d", topic)},
		})
	}
	view, err := Digest(opts, tickets, nil)
	if err != nil {
		t.Fatalf("Digest: %v", err)
	}

	if got := fmt.Sprint(view.Recurring); got != "[{topik0, kata0 3 0} {topik1, kata1 3 0} {topik2, kata2 2 0} {topik3, kata3 2 0} {topik4, kata4 2 0}]" {
		t.Errorf("Recurring = %s, want the five largest topics", got)
	}
	if len(view.Oldest) != oldestOpen {
		t.Fatalf("Oldest = %d tickets, want %d", len(view.Oldest), oldestOpen)
	}
	if first, last := view.Oldest[0].Number, view.Oldest[oldestOpen-1].Number; first != "KLH-2026-000200" || last != "KLH-2026-000191" {
		t.Errorf("Oldest runs %s..%s, want KLH-2026-000200..KLH-2026-000191", first, last)
	}
}

func TestDigestBuilderIgnores(t *testing.T) {
	d, err := NewDigestBuilder(digestOptions(t))
	if err != nil {
		t.Fatalf("NewDigestBuilder: %v", err)
	}
	tk := goldenTickets(t)[4]
	d.AddTicket(nil)
	d.AddTicket(tk)
	d.AddTicket(tk)
	d.AddRecord(nil)
	d.AddRecord(&workflow.Record{Type: workflow.RecordNote, At: jkt(t, "2026-12-01 09:00")})
	view := d.View()
	if view.Received != 1 {
		t.Errorf("View().Received = %d, want 1", view.Received)
	}
	if got := fmt.Sprint(view.OpenByState); got != "[{waiting 1 0}]" {
		t.Errorf("View().OpenByState = %s, want [{waiting 1 0}]", got)
	}
	if view.BreachesBy != nil {
		t.Errorf("View().BreachesBy = %v, want none", view.BreachesBy)
	}

	if _, err := NewDigestBuilder(Options{}); err == nil {
		t.Errorf("NewDigestBuilder(zero options) error = nil, want an error")
	}
}
