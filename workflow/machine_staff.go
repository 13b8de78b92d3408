package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// onStaff applies a staff message: its commands one by one, or, with no
// command, an internal note. Commands of an unproved sender are refused
// and the message is kept as an unverified note.
func (m *Machine) onStaff(t *Ticket, ev Event, now time.Time) []Action {
	known, unknown := KnownCommands(ev.Commands)
	if !ev.Proof.OK {
		return m.unverified(ev, known, unknown)
	}
	if len(known) == 0 {
		acts := refuseAll(unknown, RefuseUnknown)
		if ev.Text != "" || len(unknown) == 0 {
			acts = append([]Action{record(RecordNote, ev.Actor.Email, ev.Role, ev.Text)}, acts...)
			m.followedUp(t, ev, now)
		}
		t.UpdatedAt = now
		return acts
	}

	if conflicting(known) {
		acts := []Action{record(RecordNote, ev.Actor.Email, ev.Role, ev.Text)}
		return append(acts, refuseAll(known, RefuseConflict)...)
	}
	var acts []Action
	for _, cmd := range orderCommands(known) {
		acts = append(acts, m.command(t, ev, cmd, now)...)
	}
	t.UpdatedAt = now
	return acts
}

// conflicting reports whether a message both confirms and rejects the
// technical category, as when our command list comes back unquoted; then
// none of its commands is carried out.
func conflicting(cmds []Command) bool {
	var technical, nonTechnical bool
	for _, c := range cmds {
		technical = technical || c.Verb == VerbTechnical
		nonTechnical = nonTechnical || c.Verb == VerbNonTechnical
	}
	return technical && nonTechnical
}

func (m *Machine) unverified(ev Event, known, unknown []Command) []Action {
	note := record(RecordNote, ev.Actor.Email, ev.Role, ev.Text)
	note.Record.Verified = false
	note.Record.Detail = map[string]string{"proof": ev.Proof.Reason}
	acts := []Action{note}
	if len(known) > 0 {
		acts = append(acts, refuseAll(known, RefuseUnverified)...)
	}
	return acts
}

func refuseAll(cmds []Command, reason string) []Action {
	var acts []Action
	for _, c := range cmds {
		acts = append(acts, refuse(c, reason)...)
	}
	return acts
}

// refuse records a refused command and tells the sender why.
func refuse(c Command, reason string) []Action {
	rec := record(RecordRefused, "", "", c.Line)
	rec.Record.Detail = map[string]string{"reason": reason}
	n := notice(MailRefusal, ToActor)
	n.Notice.Command = c.Line
	n.Notice.Reason = reason
	return []Action{rec, n}
}

// orderCommands puts commands that only record text (#catatan, #akar,
// #cegah) before the others, so that "#akar ...", "#cegah ..." and
// "#tutup ..." in one reply close with the root cause already on record.
func orderCommands(cmds []Command) []Command {
	out := slices.Clone(cmds)
	slices.SortStableFunc(out, func(a, b Command) int {
		return recordsOnly(a.Verb) - recordsOnly(b.Verb)
	})
	return out
}

func recordsOnly(v Verb) int {
	switch v {
	case VerbNote, VerbRootCause, VerbPrevention:
		return 0
	}
	return 1
}

// command applies one verified command, or refuses it.
func (m *Machine) command(t *Ticket, ev Event, c Command, now time.Time) []Action {
	if !slices.Contains(m.rules.Permissions[c.Verb], ev.Role) {
		return refuse(c, RefuseRole)
	}
	if c.NeedsText() && c.Arg == "" {
		return refuse(c, RefuseEmpty)
	}
	if !m.allowedIn(t, c.Verb) {
		return refuse(c, RefuseState)
	}
	if c.Verb == VerbReply || c.Verb == VerbWait {
		if t.Requester.Email == "" {
			return refuse(c, RefuseNoRequester)
		}
	}
	t.Holder = ev.Actor.Email
	return m.carryOut(t, ev, c, now)
}

// allowedIn reports whether a command makes sense in the ticket's state.
func (m *Machine) allowedIn(t *Ticket, v Verb) bool {
	switch v {
	case VerbTechnical, VerbNonTechnical:
		return t.State == StateNew || (t.State == StateWaiting && t.ReturnState == StateNew)
	case VerbNote, VerbRootCause, VerbPrevention:
		return true
	case VerbReply, VerbClose, VerbEscalate:
		return t.State.Open()
	case VerbWait:
		return t.State.Open() && t.State != StateWaiting
	case VerbReopen:
		return t.State == StateClosed
	}
	// #atasnama and #saluran only open a ticket; in a reply they have no
	// meaning.
	return false
}

func (m *Machine) carryOut(t *Ticket, ev Event, c Command, now time.Time) []Action {
	actor, role := ev.Actor.Email, ev.Role
	switch c.Verb {
	case VerbTechnical:
		return m.handOff(t, actor, role, now)
	case VerbNonTechnical:
		return m.escalate(t, actor, role, now)
	case VerbNote:
		m.followedUp(t, ev, now)
		return []Action{record(RecordNote, actor, role, c.Arg)}
	case VerbRootCause:
		t.RootCause = c.Arg
		m.followedUp(t, ev, now)
		return []Action{record(RecordRootCause, actor, role, c.Arg)}
	case VerbPrevention:
		t.Prevention = c.Arg
		m.followedUp(t, ev, now)
		return []Action{record(RecordPrevention, actor, role, c.Arg)}
	case VerbReply:
		m.followedUp(t, ev, now)
		return []Action{record(RecordReply, actor, role, c.Arg), textNotice(MailReply, ToRequester, c.Arg)}
	case VerbWait:
		return m.wait(t, ev, c, now)
	case VerbClose:
		return m.close(t, ev, c, now)
	case VerbReopen:
		m.reopen(t, now)
		return []Action{record(RecordReopened, actor, role, c.Arg)}
	case VerbEscalate:
		return []Action{record(RecordSupervisor, actor, role, c.Arg), textNotice(MailSupervisorEscalation, ToSupervisors, c.Arg)}
	}
	return refuse(c, RefuseUnknown)
}

func textNotice(kind string, to Audience, text string) Action {
	n := notice(kind, to)
	n.Notice.Text = text
	return n
}

func (m *Machine) handOff(t *Ticket, actor string, role Role, now time.Time) []Action {
	m.leaveWaiting(t, now)
	t.Category = CategoryTechnical
	t.State = StateIncident
	stopClock(t, StepVerify, now)
	m.startClock(t, StepHandoff, RoleIncident, now)
	handoff := notice(MailHandoff, ToIncident)
	handoff.Notice.Forward = true
	acts := []Action{
		record(RecordConfirmed, actor, role, string(CategoryTechnical)),
		record(RecordHandedOff, actor, role, ""),
		handoff,
	}
	if t.Requester.Email != "" {
		acts = append(acts, notice(MailHandoffNotice, ToRequester))
	}
	return acts
}

func (m *Machine) escalate(t *Ticket, actor string, role Role, now time.Time) []Action {
	m.leaveWaiting(t, now)
	t.Category = CategoryNonTechnical
	t.State = StateEscalated
	stopClock(t, StepVerify, now)
	m.startClock(t, StepFollowUp, RoleComplaintManager, now)
	acts := []Action{
		record(RecordConfirmed, actor, role, string(CategoryNonTechnical)),
		record(RecordEscalated, actor, role, ""),
		notice(MailEscalation, ToComplaintManagers),
	}
	if t.Requester.Email != "" {
		acts = append(acts, notice(MailEscalationNotice, ToRequester))
	}
	return acts
}

// followedUp stops the first-follow-up clock when staff act on an
// escalated ticket, and moves it to StateFollowUp.
func (m *Machine) followedUp(t *Ticket, ev Event, now time.Time) {
	if !ev.Role.Staff() {
		return
	}
	stopClock(t, StepFollowUp, now)
	if t.State == StateEscalated {
		t.State = StateFollowUp
	}
	if t.State == StateWaiting && t.ReturnState == StateEscalated {
		t.ReturnState = StateFollowUp
	}
}

func (m *Machine) wait(t *Ticket, ev Event, c Command, now time.Time) []Action {
	m.followedUp(t, ev, now)
	t.ReturnState = t.State
	t.State = StateWaiting
	m.pause(t, now)
	return []Action{
		record(RecordWaiting, ev.Actor.Email, ev.Role, c.Arg),
		textNotice(MailQuestion, ToRequester, c.Arg),
	}
}

func (m *Machine) close(t *Ticket, ev Event, c Command, now time.Time) []Action {
	missingRoot := t.Category == CategoryNonTechnical && len(t.Similar) > 0 &&
		(t.RootCause == "" || t.Prevention == "")
	if missingRoot && m.rules.RootCause == "require" {
		return refuse(c, RefuseNeedsRoot)
	}
	m.followedUp(t, ev, now)
	m.leaveWaiting(t, now)
	t.ReturnState = t.State
	t.State = StateClosed
	t.Resolution = c.Arg
	t.ClosedAt = now
	stopAllClocks(t, now)
	acts := []Action{record(RecordClosed, ev.Actor.Email, ev.Role, c.Arg)}
	if t.Requester.Email != "" {
		acts = append(acts, textNotice(MailClosure, ToRequester, c.Arg))
	}
	if missingRoot && m.rules.RootCause == "warn" {
		warn := notice(MailRefusal, ToActor)
		warn.Notice.Command = c.Line
		warn.Notice.Reason = RefuseRootMissing
		acts = append(acts, warn)
	}
	return acts
}

func (m *Machine) reopen(t *Ticket, now time.Time) {
	t.State = t.ReturnState
	if !t.State.Open() || t.State == "" {
		t.State = StateFollowUp
	}
	t.ReturnState = ""
	t.ClosedAt = time.Time{}
	t.Reopens++
	m.restartClock(t, StepClose, now)
}

// leaveWaiting resumes the clocks of a waiting ticket before another
// command moves it on.
func (m *Machine) leaveWaiting(t *Ticket, now time.Time) {
	if t.State == StateWaiting {
		m.resume(t, now)
	}
}

// maxRefusedLines bounds the command lines one refusal shows.
const maxRefusedLines = 10

// mergeRefusals folds the refusals of one message into one record and
// one email per reason, so that a message with thousands of command
// lines, forged or not, costs one email per reason and not one per line.
// Other actions keep their order; each merged refusal takes the place of
// the first refusal of its reason.
func mergeRefusals(acts []Action) []Action {
	type group struct {
		rec, note *Action
		lines     []string
	}
	groups := map[string]*group{}
	var out []Action
	for _, a := range acts {
		reason, ok := refusalReason(a)
		if !ok || reason == RefuseRootMissing {
			out = append(out, a)
			continue
		}
		g := groups[reason]
		if g == nil {
			g = &group{}
			groups[reason] = g
		}
		if a.Record != nil {
			if g.rec == nil {
				out = append(out, a)
				g.rec = &out[len(out)-1]
			}
			g.lines = append(g.lines, a.Record.Text)
			continue
		}
		if g.note == nil {
			out = append(out, a)
			g.note = &out[len(out)-1]
		}
	}
	for _, g := range groups {
		shown := joinRefused(g.lines)
		if g.rec != nil {
			g.rec.Record.Text = shown
		}
		if g.note != nil {
			g.note.Notice.Command = shown
		}
	}
	return out
}

// refusalReason returns the reason of a refusal record or notice.
func refusalReason(a Action) (string, bool) {
	switch {
	case a.Record != nil && a.Record.Type == RecordRefused:
		return a.Record.Detail["reason"], true
	case a.Notice != nil && a.Notice.Kind == MailRefusal:
		return a.Notice.Reason, true
	}
	return "", false
}

func joinRefused(lines []string) string {
	if len(lines) <= maxRefusedLines {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:maxRefusedLines], "\n") + fmt.Sprintf("\n… (+%d)", len(lines)-maxRefusedLines)
}
