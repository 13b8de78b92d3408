package workflow

import "time"

// State is where a ticket stands in the procedure.
type State string

// Ticket states. A ticket starts in StateNew and ends in StateClosed; a
// requester's reply within the reopen window or #buka takes it back to
// the open state it was closed from.
const (
	// StateNew waits for the service desk to confirm the category.
	StateNew State = "new"
	// StateIncident was handed to incident management (#teknis).
	StateIncident State = "incident"
	// StateEscalated was escalated to the complaint managers (#nonteknis)
	// and waits for their first follow-up.
	StateEscalated State = "escalated"
	// StateFollowUp is being followed up by a complaint manager.
	StateFollowUp State = "follow_up"
	// StateWaiting waits for the requester's answer (#tunggu); the SLA
	// clocks are paused.
	StateWaiting State = "waiting"
	// StateClosed is done; the closure email was sent.
	StateClosed State = "closed"
)

// States lists every state in procedure order.
var States = []State{StateNew, StateIncident, StateEscalated, StateFollowUp, StateWaiting, StateClosed}

// Open reports whether the ticket still needs work.
func (s State) Open() bool { return s != StateClosed }

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, known := range States {
		if s == known {
			return true
		}
	}
	return false
}

// Category is the complaint type the service desk confirms.
type Category string

// Complaint categories. CategoryUnsure is only ever a triage suggestion,
// never a confirmed category.
const (
	CategoryTechnical    Category = "teknis"
	CategoryNonTechnical Category = "nonteknis"
	CategoryUnsure       Category = "unsure"
)

// Channel is how a complaint reached the desk.
type Channel string

// Intake channels.
const (
	ChannelEmail    Channel = "email"
	ChannelPhone    Channel = "telepon"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelCounter  Channel = "loket"
)

// ValidChannel reports whether c is a known channel.
func ValidChannel(c Channel) bool {
	switch c {
	case ChannelEmail, ChannelPhone, ChannelWhatsApp, ChannelCounter:
		return true
	}
	return false
}

// Party is a person with an optional display name. Email is lower-case
// and may be empty for a requester who came by telephone or at the
// counter.
type Party struct {
	Name  string `bson:"name,omitempty" json:"name,omitempty"`
	Email string `bson:"email,omitempty" json:"email,omitempty"`
	Phone string `bson:"phone,omitempty" json:"phone,omitempty"`
}

// TriageResult is the keyword triage's suggestion for a complaint.
type TriageResult struct {
	Category    Category `bson:"category" json:"category"`
	Confidence  float64  `bson:"confidence" json:"confidence"`
	Terms       []string `bson:"terms,omitempty" json:"terms,omitempty"`
	Application string   `bson:"application,omitempty" json:"application,omitempty"`
}

// SimilarRef points at an earlier complaint that reads alike.
type SimilarRef struct {
	Number  string    `bson:"number" json:"number"`
	Subject string    `bson:"subject" json:"subject"`
	Score   float64   `bson:"score" json:"score"`
	State   State     `bson:"state" json:"state"`
	At      time.Time `bson:"at" json:"at"`
}

// Ticket is one complaint. Number is its identity; Version increases on
// every change and guards updates against concurrent writers.
type Ticket struct {
	Number string `bson:"_id" json:"number"`
	// SourceKey is the idempotency key of what opened the ticket: the
	// message key for email, or a key the command line made.
	SourceKey string   `bson:"source_key" json:"source_key"`
	Version   int64    `bson:"version" json:"version"`
	Channel   Channel  `bson:"channel" json:"channel"`
	EnteredBy string   `bson:"entered_by,omitempty" json:"entered_by,omitempty"`
	Requester Party    `bson:"requester" json:"requester"`
	Cc        []string `bson:"cc,omitempty" json:"cc,omitempty"`
	Language  string   `bson:"language" json:"language"`
	Subject   string   `bson:"subject" json:"subject"`
	Body      string   `bson:"body" json:"body"`
	// Attachments are the files of the complaint email, forwarded on a
	// hand-off.
	Attachments []AttachmentRef `bson:"attachments,omitempty" json:"attachments,omitempty"`
	// RootMessageID is the Message-ID of the complaint email, which every
	// message keluhan sends about the ticket references.
	RootMessageID string `bson:"root_message_id,omitempty" json:"root_message_id,omitempty"`

	State State `bson:"state" json:"state"`
	// ReturnState is the state to go back to when a waiting ticket gets
	// its answer or a closed ticket is reopened.
	ReturnState State        `bson:"return_state,omitempty" json:"return_state,omitempty"`
	Category    Category     `bson:"category,omitempty" json:"category,omitempty"`
	Triage      TriageResult `bson:"triage" json:"triage"`
	Application string       `bson:"application,omitempty" json:"application,omitempty"`

	// Terms are the normalised words used to find similar complaints.
	Terms   []string     `bson:"terms,omitempty" json:"-"`
	Similar []SimilarRef `bson:"similar,omitempty" json:"similar,omitempty"`
	// LinkedTo is the number of an earlier ticket this one continues, set
	// when a requester writes after the reopen window.
	LinkedTo string `bson:"linked_to,omitempty" json:"linked_to,omitempty"`
	// ContinuedBy is the number of the ticket that continues this closed
	// one; later messages in this one's thread join it.
	ContinuedBy string `bson:"continued_by,omitempty" json:"continued_by,omitempty"`

	Resolution string `bson:"resolution,omitempty" json:"resolution,omitempty"`
	RootCause  string `bson:"root_cause,omitempty" json:"root_cause,omitempty"`
	Prevention string `bson:"prevention,omitempty" json:"prevention,omitempty"`
	// Holder is the address of the staff member who last acted on the
	// ticket, told when the requester reopens it.
	Holder string `bson:"holder,omitempty" json:"holder,omitempty"`

	Clocks []Clock `bson:"clocks,omitempty" json:"clocks,omitempty"`
	// NextTimer is the earliest moment a clock needs attention (warning,
	// breach or reminder), or the zero time when none does.
	NextTimer time.Time `bson:"next_timer" json:"next_timer,omitzero"`

	// Applied lists the keys of the messages already applied to the
	// ticket, newest last, so that a message replayed after a crash is
	// not applied twice. Only the last AppliedLimit keys are kept.
	Applied []string `bson:"applied,omitempty" json:"-"`

	ReceivedAt time.Time `bson:"received_at" json:"received_at"`
	UpdatedAt  time.Time `bson:"updated_at" json:"updated_at"`
	ClosedAt   time.Time `bson:"closed_at,omitempty" json:"closed_at,omitzero"`
	Reopens    int       `bson:"reopens,omitempty" json:"reopens,omitempty"`
}

// AppliedLimit is how many applied message keys a ticket remembers.
const AppliedLimit = 64

// HasApplied reports whether the message with this key was already
// applied to the ticket.
func (t *Ticket) HasApplied(key string) bool {
	for _, k := range t.Applied {
		if k == key {
			return true
		}
	}
	return false
}

// MarkApplied records a message key, dropping the oldest beyond
// AppliedLimit.
func (t *Ticket) MarkApplied(key string) {
	t.Applied = append(t.Applied, key)
	if len(t.Applied) > AppliedLimit {
		t.Applied = t.Applied[len(t.Applied)-AppliedLimit:]
	}
}
