package workflow

import "time"

// startClock starts the clock of a step at start, replacing a stopped
// clock of the same step. A running clock of the step is left alone.
func (m *Machine) startClock(t *Ticket, step Step, role Role, start time.Time) {
	standard := m.rules.Standards[step].Working(m.cal.DayLength())
	c := Clock{Step: step, Role: role, Started: start, Standard: standard}
	c.Due = m.cal.AddWorking(start, standard)
	c.WarnAt = m.cal.AddWorking(start, time.Duration(float64(standard)*m.rules.WarnShare))
	if t.State == StateWaiting {
		c.PausedAt = start
		c.Remaining = standard
	}
	for i := range t.Clocks {
		if t.Clocks[i].Step == step {
			if t.Clocks[i].Stopped.IsZero() {
				return
			}
			t.Clocks[i] = c
			return
		}
	}
	t.Clocks = append(t.Clocks, c)
}

// restartClock starts a step's clock again from now, as after a reopen.
func (m *Machine) restartClock(t *Ticket, step Step, now time.Time) {
	for i := range t.Clocks {
		if t.Clocks[i].Step == step {
			role := t.Clocks[i].Role
			t.Clocks[i].Stopped = now
			m.startClock(t, step, role, now)
			return
		}
	}
	m.startClock(t, step, RoleServiceDesk, now)
}

// stopClock marks a step done at now. A stopped or missing clock is left
// alone.
func stopClock(t *Ticket, step Step, now time.Time) {
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if c.Step == step && c.Stopped.IsZero() {
			c.Stopped = now
			c.PausedAt = time.Time{}
		}
	}
}

func stopAllClocks(t *Ticket, now time.Time) {
	for _, c := range t.Clocks {
		stopClock(t, c.Step, now)
	}
}

// pause stops the running clocks while the ticket waits for the
// requester, keeping the working time each had left.
func (m *Machine) pause(t *Ticket, now time.Time) {
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if !c.Running() {
			continue
		}
		c.PausedAt = now
		c.Remaining = m.cal.WorkingBetween(now, c.Due)
		if now.After(c.Due) {
			c.Remaining = 0
		}
	}
}

// resume takes a waiting ticket back to the state it waited in and moves
// each paused clock's due time by the time spent waiting.
func (m *Machine) resume(t *Ticket, now time.Time) {
	t.State = t.ReturnState
	if t.State == "" || t.State == StateWaiting {
		t.State = StateFollowUp
	}
	t.ReturnState = ""
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if c.PausedAt.IsZero() || !c.Stopped.IsZero() {
			continue
		}
		warnLeft := c.Remaining - time.Duration(float64(c.Standard)*(1-m.rules.WarnShare))
		c.Due = m.cal.AddWorking(now, c.Remaining)
		if warnLeft > 0 {
			c.WarnAt = m.cal.AddWorking(now, warnLeft)
		} else if c.WarnAt.After(now) {
			c.WarnAt = now
		}
		c.PausedAt = time.Time{}
		c.Remaining = 0
	}
}

// onTimer checks every running clock: a warning at the warn time, a
// breach notice at the due time, and reminders after it.
func (m *Machine) onTimer(t *Ticket, now time.Time) []Action {
	var acts []Action
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if !c.Running() {
			continue
		}
		acts = append(acts, m.checkClock(t, c, now)...)
	}
	return acts
}

func (m *Machine) checkClock(t *Ticket, c *Clock, now time.Time) []Action {
	switch {
	case now.Before(c.WarnAt):
		return nil
	case now.Before(c.Due):
		if !c.WarnedAt.IsZero() {
			return nil
		}
		c.WarnedAt = now
		return []Action{slaRecord(RecordSLAWarning, c), slaNotice(MailSLAWarning, roleAudience(c.Role), t, c, now, m.cal)}
	case c.BreachedAt.IsZero():
		c.BreachedAt = now
		c.NextReminder = m.nextReminder(c, now)
		return []Action{slaRecord(RecordSLABreach, c), slaNotice(MailSLABreach, ToSupervisors, t, c, now, m.cal)}
	case c.Reminders < m.rules.MaxReminders && !now.Before(c.NextReminder):
		c.Reminders++
		c.NextReminder = m.nextReminder(c, now)
		acts := []Action{slaRecord(RecordSLAReminder, c), slaNotice(MailSLABreach, ToSupervisors, t, c, now, m.cal)}
		acts[1].Notice.SLA.Reminder = c.Reminders
		return acts
	}
	return nil
}

// nextReminder returns when the next reminder is due, or the zero time
// once the cap is reached.
func (m *Machine) nextReminder(c *Clock, now time.Time) time.Time {
	if c.Reminders >= m.rules.MaxReminders {
		return time.Time{}
	}
	return m.cal.AddWorking(now, m.rules.ReminderEvery)
}

func slaRecord(typ RecordType, c *Clock) Action {
	a := record(typ, ActorSystem, RoleSystem, string(c.Step))
	a.Record.Detail = map[string]string{"step": string(c.Step), "due": c.Due.UTC().Format(time.RFC3339)}
	return a
}

func slaNotice(kind string, to Audience, t *Ticket, c *Clock, now time.Time, cal Calendar) Action {
	n := notice(kind, to)
	view := &SLAView{Ticket: t.Number, Subject: t.Subject, Step: c.Step, Role: c.Role, Holder: t.Holder, Due: c.Due}
	if now.After(c.Due) {
		view.Late = cal.WorkingBetween(c.Due, now)
	}
	n.Notice.SLA = view
	return n
}

// roleAudience maps the role that holds a step to who is warned.
func roleAudience(r Role) Audience {
	switch r {
	case RoleComplaintManager:
		return ToComplaintManagers
	case RoleIncident:
		return ToIncident
	case RoleSupervisor:
		return ToSupervisors
	}
	return ToServiceDesk
}

// nextTimer returns the earliest moment a running clock needs a look, or
// the zero time when none does.
func nextTimer(clocks []Clock) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, c := range clocks {
		if !c.Running() {
			continue
		}
		switch {
		case c.WarnedAt.IsZero() && c.BreachedAt.IsZero():
			consider(c.WarnAt)
		case c.BreachedAt.IsZero():
			consider(c.Due)
		default:
			consider(c.NextReminder)
		}
	}
	return next
}

// Deadlines returns each clock's step and due time, for templates and
// the command line.
func Deadlines(t *Ticket) []DeadlineView {
	var out []DeadlineView
	for _, c := range t.Clocks {
		out = append(out, DeadlineView{Step: c.Step, Due: c.Due})
	}
	return out
}
