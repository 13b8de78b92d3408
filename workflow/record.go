package workflow

import "time"

// RecordType names an entry of a ticket's audit trail.
type RecordType string

// Audit trail entries.
const (
	RecordReceived       RecordType = "received"
	RecordTriage         RecordType = "triage_suggested"
	RecordConfirmed      RecordType = "confirmed"
	RecordHandedOff      RecordType = "handed_off"
	RecordEscalated      RecordType = "escalated"
	RecordNote           RecordType = "note"
	RecordReply          RecordType = "reply"
	RecordRequesterReply RecordType = "requester_reply"
	RecordIncidentReply  RecordType = "incident_reply"
	RecordOutsider       RecordType = "outsider_message"
	RecordRootCause      RecordType = "root_cause"
	RecordPrevention     RecordType = "prevention"
	RecordWaiting        RecordType = "waiting"
	RecordResumed        RecordType = "resumed"
	RecordClosed         RecordType = "closed"
	RecordReopened       RecordType = "reopened"
	RecordSupervisor     RecordType = "supervisor_escalation"
	RecordRefused        RecordType = "command_refused"
	RecordAutoReply      RecordType = "auto_reply"
	RecordBounce         RecordType = "bounce"
	RecordSLAWarning     RecordType = "sla_warning"
	RecordSLABreach      RecordType = "sla_breach"
	RecordSLAReminder    RecordType = "sla_reminder"
	RecordLinked         RecordType = "linked"
	RecordPurged         RecordType = "purged"
)

// Record is one append-only entry of a ticket's audit trail. Key is
// deterministic, derived from the message or timer that caused the entry,
// so that writing the same entry twice stores it once.
type Record struct {
	Key    string     `bson:"_id" json:"key"`
	Ticket string     `bson:"ticket" json:"ticket"`
	Type   RecordType `bson:"type" json:"type"`
	At     time.Time  `bson:"at" json:"at"`
	// Actor is the address of whoever caused the entry, or "system".
	Actor     string `bson:"actor" json:"actor"`
	ActorRole Role   `bson:"actor_role,omitempty" json:"actor_role,omitempty"`
	// MessageKey is the inbound message the entry came from, if any.
	MessageKey string `bson:"message_key,omitempty" json:"message_key,omitempty"`
	Text       string `bson:"text,omitempty" json:"text,omitempty"`
	// Verified is false for a staff message whose sender could not be
	// proved; such a message changes nothing.
	Verified bool              `bson:"verified,omitempty" json:"verified,omitempty"`
	Detail   map[string]string `bson:"detail,omitempty" json:"detail,omitempty"`
}

// Role is what a person does in the procedure.
type Role string

// Roles. RoleRequester and RoleIncident are not staff and may not command.
const (
	RoleRequester        Role = "requester"
	RoleServiceDesk      Role = "service_desk"
	RoleComplaintManager Role = "complaint_manager"
	RoleSupervisor       Role = "supervisor"
	RoleIncident         Role = "incident_management"
	RoleSystem           Role = "system"
)

// Staff reports whether the role belongs to the desk's own people.
func (r Role) Staff() bool {
	return r == RoleServiceDesk || r == RoleComplaintManager || r == RoleSupervisor
}

// ActorSystem is the actor of entries keluhan makes on its own.
const ActorSystem = "system"
