package workflow

import "time"

// Step is a step of the procedure that has a time standard.
type Step string

// Steps with a time standard.
const (
	// StepVerify runs from receipt until the service desk confirms the
	// category.
	StepVerify Step = "verification"
	// StepFollowUp runs from escalation until a complaint manager's first
	// follow-up (note, reply, question, root cause or closure).
	StepFollowUp Step = "first_follow_up"
	// StepClose runs from receipt until the ticket is closed.
	StepClose Step = "closure"
	// StepHandoff runs from the hand-off until incident management
	// answers the forwarded complaint.
	StepHandoff Step = "handoff_ack"
)

// Steps lists every step in procedure order.
var Steps = []Step{StepVerify, StepHandoff, StepFollowUp, StepClose}

// Clock is the SLA clock of one step on one ticket.
type Clock struct {
	Step Step `bson:"step" json:"step"`
	// Role is who must act before Due.
	Role    Role      `bson:"role" json:"role"`
	Started time.Time `bson:"started" json:"started"`
	// Standard is the step's time standard as working time.
	Standard time.Duration `bson:"standard" json:"standard"`
	Due      time.Time     `bson:"due" json:"due"`
	// Stopped is when the step was done, zero while the clock runs.
	Stopped time.Time `bson:"stopped,omitempty" json:"stopped,omitzero"`
	// PausedAt is set while the ticket waits for the requester; Remaining
	// is the working time that was left on the clock at that moment.
	PausedAt  time.Time     `bson:"paused_at,omitempty" json:"paused_at,omitzero"`
	Remaining time.Duration `bson:"remaining,omitempty" json:"remaining,omitempty"`
	// WarnAt is when the warning is due (a share of the standard).
	WarnAt     time.Time `bson:"warn_at" json:"warn_at"`
	WarnedAt   time.Time `bson:"warned_at,omitempty" json:"warned_at,omitzero"`
	BreachedAt time.Time `bson:"breached_at,omitempty" json:"breached_at,omitzero"`
	// Reminders counts the reminders sent after the breach notice.
	Reminders    int       `bson:"reminders,omitempty" json:"reminders,omitempty"`
	NextReminder time.Time `bson:"next_reminder,omitempty" json:"next_reminder,omitzero"`
}

// Running reports whether the clock counts: started, not stopped and not
// paused.
func (c *Clock) Running() bool {
	return c.Stopped.IsZero() && c.PausedAt.IsZero()
}

// Met reports whether the step was done by its due time. A clock that
// still runs has not been met.
func (c *Clock) Met() bool {
	return !c.Stopped.IsZero() && !c.Stopped.After(c.Due)
}
