package workflow

import (
	"slices"
	"testing"
	"time"
)

// TestTimerWarnBreachRemind walks the verification clock of a ticket
// received Monday 10:00 (1 working day: due Tuesday 10:00, warning at 75%,
// Tuesday 08:00).
func TestTimerWarnBreachRemind(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, jakarta) }
	steps := []struct {
		at      time.Time
		notices []string
	}{
		{day(2, 15), nil},
		{day(3, 8), []string{"sla_warning>service_desk"}},
		{day(3, 9), nil},
		{day(3, 10), []string{"sla_breach>supervisors"}},
		{day(3, 15), nil},
		{day(4, 10), []string{"sla_breach>supervisors"}},
		{day(5, 10), []string{"sla_breach>supervisors"}},
		{day(6, 10), []string{"sla_breach>supervisors"}},
		{day(9, 10), nil},
	}
	for _, s := range steps {
		var acts []Action
		tk, acts, _ = m.Apply(tk, Event{Kind: EventTimer, Key: "t"}, s.at)
		got := onlySLA(noticeKinds(acts), StepVerify, acts)
		if !slices.Equal(got, s.notices) {
			t.Errorf("at %s: notices = %v, want %v", s.at.Format("Mon 02 15:04"), got, s.notices)
		}
	}
	if c := clockOf(tk, StepVerify); c.Reminders != 3 || !c.NextReminder.IsZero() {
		t.Errorf("reminders = %d, next = %v; want 3 and none", c.Reminders, c.NextReminder)
	}
}

// onlySLA keeps the notices about one step, since the closure clock of
// the same ticket runs alongside.
func onlySLA(kinds []string, step Step, acts []Action) []string {
	var out []string
	i := 0
	for _, a := range acts {
		if a.Notice == nil {
			continue
		}
		if a.Notice.SLA != nil && a.Notice.SLA.Step == step {
			out = append(out, kinds[i])
		}
		i++
	}
	return out
}

func TestWaitingPausesClock(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	due := clockOf(tk, StepVerify).Due
	// Asked at Monday 12:00 (6 working hours left), answered Wednesday
	// 12:00: the due time moves to Thursday 10:00.
	tk, _, _ = m.Apply(tk, staffEvent("#tunggu Nomor permohonan?", RoleServiceDesk), time.Date(2026, 11, 2, 12, 0, 0, 0, jakarta))
	if tk.State != StateWaiting || !tk.NextTimer.IsZero() {
		t.Fatalf("waiting: state %s next timer %v, want waiting and no timer", tk.State, tk.NextTimer)
	}
	tk, acts, _ := m.Apply(tk, Event{Kind: EventTimer}, time.Date(2026, 11, 4, 9, 0, 0, 0, jakarta))
	if len(acts) != 0 {
		t.Errorf("timer while waiting produced %v", noticeKinds(acts))
	}
	tk, _, _ = m.Apply(tk, Event{Kind: EventRequester, Key: "answer", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"}}, time.Date(2026, 11, 4, 12, 0, 0, 0, jakarta))
	got := clockOf(tk, StepVerify).Due
	want := time.Date(2026, 11, 5, 10, 0, 0, 0, jakarta)
	if !got.Equal(want) || got.Equal(due) {
		t.Errorf("due after pause = %v, want %v (was %v)", got, want, due)
	}
	if tk.State != StateNew {
		t.Errorf("state after answer = %s, want new", tk.State)
	}
}

func TestNextTimer(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	want := clockOf(tk, StepVerify).WarnAt
	if !tk.NextTimer.Equal(want) {
		t.Errorf("NextTimer = %v, want the verification warning %v", tk.NextTimer, want)
	}
	tk = ticketIn(t, m, StateClosed)
	if !tk.NextTimer.IsZero() {
		t.Errorf("closed NextTimer = %v, want zero", tk.NextTimer)
	}
}
