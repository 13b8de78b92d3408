package workflow

import "time"

// OutboxStatus is where an outgoing email stands in delivery.
type OutboxStatus string

// Outbox statuses. A row moves pending → sending → sent; a temporary
// failure puts it back to pending with a later NextAttempt, a permanent
// one (or too many attempts) to failed; the per-recipient cap on automatic
// mail moves it to suppressed.
const (
	OutboxPending    OutboxStatus = "pending"
	OutboxSending    OutboxStatus = "sending"
	OutboxSent       OutboxStatus = "sent"
	OutboxFailed     OutboxStatus = "failed"
	OutboxSuppressed OutboxStatus = "suppressed"
)

// Outgoing is one email in the outbox, rendered when it was queued so that
// every retry sends the same bytes under the same Message-ID. Key is
// deterministic (the cause and the recipient), so queueing it twice stores
// it once.
type Outgoing struct {
	Key    string `bson:"_id" json:"key"`
	Ticket string `bson:"ticket,omitempty" json:"ticket,omitempty"`
	// Kind is the template that produced the email, such as "ack".
	Kind     string `bson:"kind" json:"kind"`
	Language string `bson:"language" json:"language"`
	// Role is the recipient's role, used by the per-recipient cap and
	// reports.
	Role Role  `bson:"role" json:"role"`
	To   Party `bson:"to" json:"to"`
	// From is the display name and address the email is sent from.
	From    Party  `bson:"from" json:"from"`
	ReplyTo string `bson:"reply_to,omitempty" json:"reply_to,omitempty"`

	Subject string `bson:"subject" json:"subject"`
	Text    string `bson:"text" json:"text"`
	HTML    string `bson:"html,omitempty" json:"html,omitempty"`

	// MessageID is ours, without angle brackets, fixed at queue time.
	MessageID  string   `bson:"message_id" json:"message_id"`
	InReplyTo  string   `bson:"in_reply_to,omitempty" json:"in_reply_to,omitempty"`
	References []string `bson:"references,omitempty" json:"references,omitempty"`
	// AutoSubmitted is the RFC 3834 Auto-Submitted value: "auto-replied"
	// for an automatic answer to an inbound message, "auto-generated" for
	// other mail keluhan sends on its own, empty for mail a person wrote
	// (#balas).
	AutoSubmitted string `bson:"auto_submitted,omitempty" json:"auto_submitted,omitempty"`
	// Capped marks mail that counts against the per-recipient cap on
	// automatic email: everything sent to an outside address because an
	// inbound message arrived, so that two robots cannot loop.
	Capped bool `bson:"capped" json:"capped"`

	Attachments []AttachmentRef `bson:"attachments,omitempty" json:"attachments,omitempty"`

	Status      OutboxStatus `bson:"status" json:"status"`
	Attempts    int          `bson:"attempts" json:"attempts"`
	NextAttempt time.Time    `bson:"next_attempt" json:"next_attempt"`
	LeaseOwner  string       `bson:"lease_owner,omitempty" json:"lease_owner,omitempty"`
	LeaseUntil  time.Time    `bson:"lease_until" json:"lease_until,omitzero"`
	LastError   string       `bson:"last_error,omitempty" json:"last_error,omitempty"`
	CreatedAt   time.Time    `bson:"created_at" json:"created_at"`
	SentAt      time.Time    `bson:"sent_at,omitempty" json:"sent_at,omitzero"`
}

// AttachmentRef names a file to attach to an outgoing email: either part
// Index of the stored inbound message MessageKey, or, when MessageKey is
// empty, bytes kept in the blob store under BlobName.
type AttachmentRef struct {
	MessageKey  string `bson:"message_key,omitempty" json:"message_key,omitempty"`
	Index       int    `bson:"index" json:"index"`
	BlobName    string `bson:"blob_name,omitempty" json:"blob_name,omitempty"`
	Filename    string `bson:"filename" json:"filename"`
	ContentType string `bson:"content_type" json:"content_type"`
}
