package workflow

import (
	"errors"
	"fmt"
	"time"

	"github.com/keluhan/keluhan/workflow/calendar"
)

// ErrReopenExpired means a requester wrote on a ticket closed longer ago
// than the reopen window; the Desk opens a new ticket linked to it.
var ErrReopenExpired = errors.New("reopen window passed")

// ErrInvalidTransition means the event cannot apply to the ticket at all.
// A staff command that makes no sense in the ticket's state is not an
// error: it is refused with a reply to the sender.
var ErrInvalidTransition = errors.New("invalid transition")

// EventKind names what happened to a ticket.
type EventKind string

// Events the machine applies.
const (
	EventRequester EventKind = "requester" // the requester or a participant wrote
	EventStaff     EventKind = "staff"     // configured staff wrote
	EventIncident  EventKind = "incident"  // incident management wrote
	// EventOutsider: someone who does not belong to the ticket wrote in
	// its thread (by References); the message is kept, nothing changes.
	EventOutsider  EventKind = "outsider"
	EventAutoReply EventKind = "auto_reply"
	EventBounce    EventKind = "bounce"
	EventTimer     EventKind = "timer" // the scheduler looks at the SLA clocks
)

// EventKinds lists every event kind, for exhaustive tests.
var EventKinds = []EventKind{EventRequester, EventStaff, EventIncident, EventOutsider, EventAutoReply, EventBounce, EventTimer}

// Event is one thing that happened to a ticket.
type Event struct {
	Kind EventKind
	// Key identifies the cause (a message key, a timer run) and seeds the
	// keys of the records and mail it produces.
	Key        string
	MessageKey string
	Actor      Party
	Role       Role
	// Proof says whether a staff sender was proved; commands from an
	// unproved sender change nothing.
	Proof    Proof
	Commands []Command
	// Text is what the sender wrote, quotes and signature removed.
	Text string
	// Bounce describes the returned email of an EventBounce; BouncedKind
	// is the mail kind it was.
	Bounce *BounceView
}

// Audience is who a notice goes to; the Desk turns it into addresses.
type Audience string

// Audiences.
const (
	ToRequester         Audience = "requester"
	ToServiceDesk       Audience = "service_desk"
	ToComplaintManagers Audience = "complaint_managers"
	ToSupervisors       Audience = "supervisors"
	ToIncident          Audience = "incident_management"
	ToActor             Audience = "actor"  // whoever sent the event's message
	ToHolder            Audience = "holder" // the staff member who last acted, else the service desk
)

// Action is one thing the Desk must do after a transition: append a
// record or queue a notice.
type Action struct {
	Record *Record
	Notice *Notice
}

// Notice is an email to queue.
type Notice struct {
	Kind    string
	To      Audience
	Text    string
	Command string
	Reason  string
	SLA     *SLAView
	Bounce  *BounceView
	// Forward attaches the complaint's attachments (hand-off).
	Forward bool
}

// Rules are the procedure's settings.
type Rules struct {
	// Standards is the time standard of each step.
	Standards map[Step]calendar.Duration
	// WarnShare is the share of a standard after which the responsible
	// role is warned, between 0 and 1.
	WarnShare float64
	// ReminderEvery is the working time between reminders after a breach;
	// MaxReminders caps them.
	ReminderEvery time.Duration
	MaxReminders  int
	// ReopenWindow is how long after closing a requester's reply reopens
	// the ticket (calendar time).
	ReopenWindow time.Duration
	// RootCause is what #tutup does on a non-technical ticket with
	// similar earlier complaints but no #akar or #cegah: "require"
	// refuses, "warn" closes and reminds, "off" closes.
	RootCause string
	// Permissions lists the roles allowed each command.
	Permissions map[Verb][]Role
}

// DefaultRules returns the procedure's default settings.
func DefaultRules() Rules {
	return Rules{
		Standards: map[Step]calendar.Duration{
			StepVerify:   {Days: 1},
			StepFollowUp: {Days: 5},
			StepClose:    {Days: 14},
			StepHandoff:  {Days: 1},
		},
		WarnShare:     0.75,
		ReminderEvery: 8 * time.Hour,
		MaxReminders:  3,
		ReopenWindow:  14 * 24 * time.Hour,
		RootCause:     "warn",
		Permissions:   DefaultPermissions(),
	}
}

// DefaultPermissions returns which roles may use each command.
func DefaultPermissions() map[Verb][]Role {
	all := []Role{RoleServiceDesk, RoleComplaintManager, RoleSupervisor}
	return map[Verb][]Role{
		VerbTechnical:    {RoleServiceDesk, RoleSupervisor},
		VerbNonTechnical: {RoleServiceDesk, RoleSupervisor},
		VerbNote:         all,
		VerbReply:        all,
		VerbWait:         {RoleServiceDesk, RoleComplaintManager},
		VerbClose:        all,
		VerbReopen:       all,
		VerbEscalate:     {RoleServiceDesk, RoleComplaintManager},
		VerbRootCause:    all,
		VerbPrevention:   all,
		VerbOnBehalf:     {RoleServiceDesk},
		VerbChannel:      {RoleServiceDesk},
	}
}

// Calendar computes working time. Package workflow/calendar implements it.
type Calendar interface {
	Add(start time.Time, d calendar.Duration) time.Time
	AddWorking(start time.Time, d time.Duration) time.Time
	WorkingBetween(a, b time.Time) time.Duration
	DayLength() time.Duration
}

// Machine applies events to tickets. It is pure: the same ticket, event
// and time always give the same result. Safe for concurrent use.
type Machine struct {
	rules Rules
	cal   Calendar
}

// NewMachine returns a machine with the given rules and calendar.
func NewMachine(rules Rules, cal Calendar) (*Machine, error) {
	if cal == nil {
		return nil, errors.New("new machine: calendar is nil")
	}
	if rules.WarnShare <= 0 || rules.WarnShare >= 1 {
		return nil, fmt.Errorf("new machine: warn share %v outside (0, 1)", rules.WarnShare)
	}
	for _, step := range Steps {
		if _, ok := rules.Standards[step]; !ok {
			return nil, fmt.Errorf("new machine: no standard for step %s", step)
		}
	}
	if rules.Permissions == nil {
		rules.Permissions = DefaultPermissions()
	}
	return &Machine{rules: rules, cal: cal}, nil
}

// Rules returns the machine's rules.
func (m *Machine) Rules() Rules { return m.rules }

// Open starts a new ticket: it sets the state and clocks and returns the
// records and notices of intake (the acknowledgment to the requester and
// the triage request to the service desk).
func (m *Machine) Open(t Ticket, now time.Time) (Ticket, []Action) {
	t.State = StateNew
	t.Version = 1
	t.UpdatedAt = now
	m.startClock(&t, StepVerify, RoleServiceDesk, t.ReceivedAt)
	m.startClock(&t, StepClose, RoleServiceDesk, t.ReceivedAt)
	t.NextTimer = nextTimer(t.Clocks)

	acts := []Action{
		record(RecordReceived, t.Requester.Email, RoleRequester, t.Subject),
		record(RecordTriage, ActorSystem, RoleSystem, string(t.Triage.Category)),
	}
	if t.Requester.Email != "" {
		acts = append(acts, notice(MailAck, ToRequester))
	}
	acts = append(acts, notice(MailTriageRequest, ToServiceDesk))
	return t, acts
}

// Apply applies one event to a ticket at time now and returns the changed
// ticket and the actions to carry out. It returns ErrReopenExpired for a
// requester's message on a ticket closed longer than the reopen window,
// and ErrInvalidTransition for an event kind it does not know.
func (m *Machine) Apply(t Ticket, ev Event, now time.Time) (Ticket, []Action, error) {
	t.Clocks = append([]Clock(nil), t.Clocks...)
	var acts []Action
	var err error
	switch ev.Kind {
	case EventRequester:
		acts, err = m.onRequester(&t, ev, now)
	case EventStaff:
		acts = m.onStaff(&t, ev, now)
	case EventIncident:
		acts = m.onIncident(&t, ev, now)
	case EventOutsider:
		acts = []Action{record(RecordOutsider, ev.Actor.Email, RoleRequester, ev.Text)}
	case EventAutoReply:
		acts = []Action{record(RecordAutoReply, ev.Actor.Email, ev.Role, ev.Text)}
	case EventBounce:
		acts = m.onBounce(ev)
	case EventTimer:
		acts = m.onTimer(&t, now)
	default:
		return t, nil, fmt.Errorf("apply %s to %s: %w", ev.Kind, t.Number, ErrInvalidTransition)
	}
	if err != nil {
		return t, nil, err
	}
	acts = mergeRefusals(acts)
	t.NextTimer = nextTimer(t.Clocks)
	for _, a := range acts {
		if a.Record != nil && a.Record.MessageKey == "" {
			a.Record.MessageKey = ev.MessageKey
		}
	}
	return t, acts, nil
}

func (m *Machine) onRequester(t *Ticket, ev Event, now time.Time) ([]Action, error) {
	acts := []Action{record(RecordRequesterReply, ev.Actor.Email, RoleRequester, ev.Text)}
	known, _ := KnownCommands(ev.Commands)
	acts = append(acts, refuseAll(known, RefuseNotStaff)...)
	switch t.State {
	case StateClosed:
		if now.Sub(t.ClosedAt) > m.rules.ReopenWindow {
			return nil, ErrReopenExpired
		}
		m.reopen(t, now)
		acts = append(acts,
			record(RecordReopened, ev.Actor.Email, RoleRequester, ""),
			notice(MailReopenNotice, ToHolder))
	case StateWaiting:
		m.resume(t, now)
		acts = append(acts, record(RecordResumed, ev.Actor.Email, RoleRequester, ""))
	}
	t.UpdatedAt = now
	return acts, nil
}

// onIncident records incident management's answer. Only a proved answer
// stops the hand-off clock; an unproved one is kept, marked unverified.
func (m *Machine) onIncident(t *Ticket, ev Event, now time.Time) []Action {
	t.UpdatedAt = now
	rec := record(RecordIncidentReply, ev.Actor.Email, RoleIncident, ev.Text)
	if !ev.Proof.OK {
		rec.Record.Verified = false
		rec.Record.Detail = map[string]string{"proof": ev.Proof.Reason}
		return []Action{rec}
	}
	stopClock(t, StepHandoff, now)
	return []Action{rec}
}

func (m *Machine) onBounce(ev Event) []Action {
	text := ""
	if ev.Bounce != nil {
		text = ev.Bounce.Recipient + " " + ev.Bounce.Status + " " + ev.Bounce.Diagnostic
	}
	acts := []Action{record(RecordBounce, ev.Actor.Email, RoleSystem, text)}
	if ev.Bounce != nil && bounceMatters(ev.Bounce.Kind) {
		n := notice(MailBounceNotice, ToServiceDesk)
		n.Notice.Bounce = ev.Bounce
		acts = append(acts, n)
	}
	return acts
}

// bounceMatters reports whether a bounce of this mail kind needs a
// person: mail that hands the complaint on or answers the requester.
// A bounced notice to the service desk itself is only recorded, so that
// a broken service-desk address cannot loop.
func bounceMatters(kind string) bool {
	switch kind {
	case MailBounceNotice, MailQuarantineNotice, MailTriageRequest:
		return false
	}
	return true
}

func record(typ RecordType, actor string, role Role, text string) Action {
	if actor == "" {
		actor = ActorSystem
	}
	return Action{Record: &Record{Type: typ, Actor: actor, ActorRole: role, Text: text, Verified: true}}
}

func notice(kind string, to Audience) Action {
	return Action{Notice: &Notice{Kind: kind, To: to}}
}
