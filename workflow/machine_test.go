package workflow

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow/calendar"
)

var jakarta = time.FixedZone("WIB", 7*3600)

// monday10 is a working Monday morning with no holiday near it.
var monday10 = time.Date(2026, 11, 2, 10, 0, 0, 0, jakarta)

func testMachine(t *testing.T) *Machine {
	t.Helper()
	cal, err := calendar.New(calendar.Config{Location: jakarta, Holidays: []calendar.Holiday{}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMachine(DefaultRules(), cal)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ticketIn returns an opened ticket moved into state s.
func ticketIn(t *testing.T, m *Machine, s State) Ticket {
	t.Helper()
	tk := Ticket{Number: "KLH-2026-000001", Requester: Party{Name: "Budi", Email: "budi@contoh.go.id"}, ReceivedAt: monday10}
	tk, _ = m.Open(tk, monday10)
	at := monday10.Add(time.Hour)
	staff := func(cmd string, role Role) {
		var acts []Action
		var err error
		tk, acts, err = m.Apply(tk, staffEvent(cmd, role), at)
		if err != nil || hasRefusal(acts) {
			t.Fatalf("moving to %s: %s refused or failed: %v", s, cmd, err)
		}
	}
	switch s {
	case StateNew:
	case StateIncident:
		staff("#teknis", RoleServiceDesk)
	case StateEscalated:
		staff("#nonteknis", RoleServiceDesk)
	case StateFollowUp:
		staff("#nonteknis", RoleServiceDesk)
		staff("#catatan dicek", RoleComplaintManager)
	case StateWaiting:
		staff("#tunggu Mohon kirim nomor permohonan.", RoleServiceDesk)
	case StateClosed:
		staff("#tutup Sudah diperbaiki.", RoleServiceDesk)
	}
	if tk.State != s {
		t.Fatalf("setup: state = %s, want %s", tk.State, s)
	}
	return tk
}

func staffEvent(body string, role Role) Event {
	return Event{
		Kind: EventStaff, Key: "mid:" + body, Role: role,
		Actor:    Party{Email: "petugas@layanan.example.go.id"},
		Proof:    Proof{OK: true, Method: "token"},
		Commands: ParseCommands(body), Text: body,
	}
}

func hasRefusal(acts []Action) bool {
	for _, a := range acts {
		if a.Notice != nil && a.Notice.Kind == MailRefusal && a.Notice.Reason != RefuseRootMissing {
			return true
		}
	}
	return false
}

func noticeKinds(acts []Action) []string {
	var kinds []string
	for _, a := range acts {
		if a.Notice != nil {
			kinds = append(kinds, a.Notice.Kind+">"+string(a.Notice.To))
		}
	}
	return kinds
}

func recordTypes(acts []Action) []RecordType {
	var types []RecordType
	for _, a := range acts {
		if a.Record != nil {
			types = append(types, a.Record.Type)
		}
	}
	return types
}

// TestApplyEveryStateAndEvent covers each state with each event kind:
// the resulting state and the first record.
func TestApplyEveryStateAndEvent(t *testing.T) {
	m := testMachine(t)
	later := monday10.Add(3 * time.Hour)
	events := map[EventKind]Event{
		EventRequester: {Kind: EventRequester, Key: "r", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"}, Text: "Tambahan info"},
		EventStaff:     {Kind: EventStaff, Key: "s", Role: RoleComplaintManager, Actor: Party{Email: "pengelola@layanan.example.go.id"}, Proof: Proof{OK: true}, Text: "dicek"},
		EventIncident:  {Kind: EventIncident, Key: "i", Role: RoleIncident, Actor: Party{Email: "insiden@layanan.example.go.id"}, Text: "Diterima"},
		EventOutsider:  {Kind: EventOutsider, Key: "o", Role: RoleRequester, Actor: Party{Email: "eko@example.net"}, Text: "Saya juga"},
		EventAutoReply: {Kind: EventAutoReply, Key: "a", Role: RoleSystem, Actor: Party{Email: "budi@contoh.go.id"}, Text: "Sedang cuti"},
		EventBounce:    {Kind: EventBounce, Key: "b", Role: RoleSystem, Bounce: &BounceView{Kind: MailEscalation, Recipient: "x@example.com", Status: "5.1.1"}},
		EventTimer:     {Kind: EventTimer, Key: "t", Role: RoleSystem},
	}
	// want[state][event] is the state after the event; every event
	// leaves the state alone except a requester writing on a waiting or
	// closed ticket, and a staff note on an escalated one.
	want := map[State]map[EventKind]State{}
	for _, s := range States {
		want[s] = map[EventKind]State{}
		for _, k := range EventKinds {
			want[s][k] = s
		}
	}
	want[StateWaiting][EventRequester] = StateNew
	want[StateClosed][EventRequester] = StateNew
	want[StateEscalated][EventStaff] = StateFollowUp
	firstRecord := map[EventKind]RecordType{
		EventRequester: RecordRequesterReply, EventStaff: RecordNote, EventIncident: RecordIncidentReply, EventOutsider: RecordOutsider,
		EventAutoReply: RecordAutoReply, EventBounce: RecordBounce,
	}
	for _, s := range States {
		for _, k := range EventKinds {
			t.Run(string(s)+"/"+string(k), func(t *testing.T) {
				tk := ticketIn(t, m, s)
				got, acts, err := m.Apply(tk, events[k], later)
				if err != nil {
					t.Fatalf("Apply(%s, %s) error = %v", s, k, err)
				}
				if got.State != want[s][k] {
					t.Errorf("Apply(%s, %s) state = %s, want %s", s, k, got.State, want[s][k])
				}
				if rec, ok := firstRecord[k]; ok {
					if types := recordTypes(acts); len(types) == 0 || types[0] != rec {
						t.Errorf("Apply(%s, %s) records = %v, want first %s", s, k, types, rec)
					}
				}
			})
		}
	}
}

func TestApplyUnknownEventKind(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	_, _, err := m.Apply(tk, Event{Kind: "nonsense"}, monday10)
	if !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("Apply(nonsense) error = %v, want ErrInvalidTransition", err)
	}
}

// TestCommandsByState checks which commands each state accepts.
func TestCommandsByState(t *testing.T) {
	m := testMachine(t)
	cmds := []string{"#teknis", "#nonteknis", "#catatan x", "#balas x", "#tunggu x", "#tutup x", "#buka", "#eskalasi x", "#akar x", "#cegah x", "#atasnama Budi <b@x.id>"}
	accepted := map[State][]string{
		StateNew:       {"#teknis", "#nonteknis", "#catatan x", "#balas x", "#tunggu x", "#tutup x", "#eskalasi x", "#akar x", "#cegah x"},
		StateIncident:  {"#catatan x", "#balas x", "#tunggu x", "#tutup x", "#eskalasi x", "#akar x", "#cegah x"},
		StateEscalated: {"#catatan x", "#balas x", "#tunggu x", "#tutup x", "#eskalasi x", "#akar x", "#cegah x"},
		StateFollowUp:  {"#catatan x", "#balas x", "#tunggu x", "#tutup x", "#eskalasi x", "#akar x", "#cegah x"},
		StateWaiting:   {"#teknis", "#nonteknis", "#catatan x", "#balas x", "#tutup x", "#eskalasi x", "#akar x", "#cegah x"},
		StateClosed:    {"#catatan x", "#buka", "#akar x", "#cegah x"},
	}
	for _, s := range States {
		for _, c := range cmds {
			t.Run(string(s)+"/"+c, func(t *testing.T) {
				tk := ticketIn(t, m, s)
				_, acts, err := m.Apply(tk, staffEvent(c, RoleServiceDesk), monday10.Add(2*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				wantOK := slices.Contains(accepted[s], c)
				if refused := hasRefusal(acts); refused == wantOK {
					t.Errorf("Apply(%s, %q) refused = %v, want %v (notices %v)", s, c, refused, !wantOK, noticeKinds(acts))
				}
			})
		}
	}
}

func TestCommandRefusals(t *testing.T) {
	m := testMachine(t)
	cases := []struct {
		name   string
		state  State
		ev     Event
		reason string
	}{
		{"unverified sender", StateNew, func() Event {
			e := staffEvent("#tutup selesai", RoleServiceDesk)
			e.Proof = Proof{Reason: "no proof"}
			return e
		}(), RefuseUnverified},
		{"role may not", StateNew, staffEvent("#teknis", RoleComplaintManager), RefuseRole},
		{"empty text", StateNew, staffEvent("#tutup", RoleServiceDesk), RefuseEmpty},
		{"wrong state", StateClosed, staffEvent("#teknis", RoleServiceDesk), RefuseState},
		{"teknis and nonteknis together", StateNew, staffEvent("#teknis\n#nonteknis", RoleServiceDesk), RefuseConflict},
		{"misspelt word only", StateNew, staffEvent("#tutp semua", RoleServiceDesk), RefuseUnknown},
		{"requester command", StateNew, Event{Kind: EventRequester, Key: "r", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"}, Commands: ParseCommands("#tutup beres")}, RefuseNotStaff},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tk := ticketIn(t, m, tc.state)
			got, acts, err := m.Apply(tk, tc.ev, monday10.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, a := range acts {
				if a.Notice != nil && a.Notice.Kind == MailRefusal {
					reasons = append(reasons, a.Notice.Reason)
				}
			}
			if !slices.Contains(reasons, tc.reason) {
				t.Errorf("refusal reasons = %v, want %s", reasons, tc.reason)
			}
			if got.State != tk.State {
				t.Errorf("state = %s, want unchanged %s", got.State, tk.State)
			}
		})
	}
}

func TestUnverifiedKeptAsNote(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	ev := staffEvent("#tutup Sudah beres", RoleServiceDesk)
	ev.Proof = Proof{Reason: "authentication-results from untrusted server evil"}
	_, acts, _ := m.Apply(tk, ev, monday10)
	if acts[0].Record == nil || acts[0].Record.Type != RecordNote || acts[0].Record.Verified {
		t.Fatalf("first action = %+v, want an unverified note", acts[0])
	}
}

func TestTechnicalBranch(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	got, acts, _ := m.Apply(tk, staffEvent("#teknis", RoleServiceDesk), monday10.Add(time.Hour))
	if got.State != StateIncident || got.Category != CategoryTechnical {
		t.Fatalf("state, category = %s, %s; want incident, teknis", got.State, got.Category)
	}
	want := []string{"handoff>incident_management", "handoff_notice>requester"}
	if kinds := noticeKinds(acts); !slices.Equal(kinds, want) {
		t.Errorf("notices = %v, want %v", kinds, want)
	}
	if !clockOf(got, StepVerify).Met() {
		t.Error("verification clock not met after #teknis within a day")
	}
	unproved, _, _ := m.Apply(got, Event{Kind: EventIncident, Key: "i0", Role: RoleIncident}, monday10.Add(2*time.Hour))
	if !clockOf(unproved, StepHandoff).Stopped.IsZero() {
		t.Error("hand-off clock stopped by an unproved answer")
	}
	got, _, _ = m.Apply(got, Event{Kind: EventIncident, Key: "i", Role: RoleIncident, Proof: Proof{OK: true}}, monday10.Add(2*time.Hour))
	if !clockOf(got, StepHandoff).Met() {
		t.Error("hand-off clock not stopped by incident management's answer")
	}
}

func TestNonTechnicalToClosureAndReopen(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	at := monday10.Add(time.Hour)
	steps := []struct {
		ev      Event
		state   State
		notices []string
	}{
		{staffEvent("#nonteknis", RoleServiceDesk), StateEscalated, []string{"escalation>complaint_managers", "escalation_notice>requester"}},
		{staffEvent("#catatan Sudah dicek", RoleComplaintManager), StateFollowUp, nil},
		{staffEvent("#balas Sedang kami proses.", RoleComplaintManager), StateFollowUp, []string{"reply>requester"}},
		{staffEvent("#tutup Sudah dijelaskan.", RoleComplaintManager), StateClosed, []string{"closure>requester"}},
		{Event{Kind: EventRequester, Key: "r2", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"}, Text: "Belum beres"}, StateFollowUp, []string{"reopen_notice>holder"}},
	}
	for i, s := range steps {
		var acts []Action
		var err error
		tk, acts, err = m.Apply(tk, s.ev, at.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if tk.State != s.state {
			t.Fatalf("step %d: state = %s, want %s", i, tk.State, s.state)
		}
		if kinds := noticeKinds(acts); !slices.Equal(kinds, s.notices) {
			t.Errorf("step %d: notices = %v, want %v", i, kinds, s.notices)
		}
	}
	if tk.Reopens != 1 || tk.Resolution != "Sudah dijelaskan." {
		t.Errorf("reopens, resolution = %d, %q", tk.Reopens, tk.Resolution)
	}
}

func TestReopenWindowPassed(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateClosed)
	ev := Event{Kind: EventRequester, Key: "late", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"}}
	_, _, err := m.Apply(tk, ev, tk.ClosedAt.Add(15*24*time.Hour))
	if !errors.Is(err, ErrReopenExpired) {
		t.Errorf("Apply after 15 days error = %v, want ErrReopenExpired", err)
	}
}

func TestCloseRecurringNeedsRootCause(t *testing.T) {
	for _, mode := range []string{"require", "warn", "off"} {
		t.Run(mode, func(t *testing.T) {
			m := testMachine(t)
			m.rules.RootCause = mode
			tk := ticketIn(t, m, StateEscalated)
			tk.Similar = []SimilarRef{{Number: "KLH-2026-000000", Score: 0.8}}
			got, acts, _ := m.Apply(tk, staffEvent("#tutup Sudah.", RoleComplaintManager), monday10.Add(3*time.Hour))
			closed := got.State == StateClosed
			if closed == (mode == "require") {
				t.Errorf("mode %s: closed = %v", mode, closed)
			}
			warned := false
			for _, a := range acts {
				if a.Notice != nil && a.Notice.Reason == RefuseRootMissing {
					warned = true
				}
			}
			if warned != (mode == "warn") {
				t.Errorf("mode %s: warned = %v", mode, warned)
			}
			got, _, _ = m.Apply(tk, staffEvent("#akar Antrean tidak terlihat.\n#cegah Dasbor antrean.\n#tutup Sudah.", RoleComplaintManager), monday10.Add(3*time.Hour))
			if got.State != StateClosed || got.RootCause == "" || got.Prevention == "" {
				t.Errorf("mode %s: with root cause, state = %s root = %q prevention = %q", mode, got.State, got.RootCause, got.Prevention)
			}
		})
	}
}

func clockOf(t Ticket, step Step) *Clock {
	for i := range t.Clocks {
		if t.Clocks[i].Step == step {
			return &t.Clocks[i]
		}
	}
	return &Clock{}
}

// TestRefusalsMerged sends many refused command lines in one message and
// expects one refusal email and one record per reason.
func TestRefusalsMerged(t *testing.T) {
	m := testMachine(t)
	tk := ticketIn(t, m, StateNew)
	ev := Event{Kind: EventRequester, Key: "flood", Role: RoleRequester, Actor: Party{Email: "budi@contoh.go.id"},
		Commands: ParseCommands(strings.Repeat("#tutup palsu\n", 200))}
	_, acts, _ := m.Apply(tk, ev, monday10)
	var notices, records int
	for _, a := range acts {
		if a.Notice != nil && a.Notice.Kind == MailRefusal {
			notices++
			if lines := strings.Count(a.Notice.Command, "\n"); lines != maxRefusedLines {
				t.Errorf("refusal shows %d line breaks, want %d", lines, maxRefusedLines)
			}
		}
		if a.Record != nil && a.Record.Type == RecordRefused {
			records++
		}
	}
	if notices != 1 || records != 1 {
		t.Errorf("refusal notices, records = %d, %d; want 1, 1", notices, records)
	}
}
