package workflow

import "time"

// Mail kinds: the templates keluhan renders. Each is a template set in
// the templates folder, in every language.
const (
	MailAck                  = "ack"                   // to the requester: complaint received
	MailTriageRequest        = "triage_request"        // to the service desk: confirm the type
	MailHandoff              = "handoff"               // to incident management: the complaint
	MailHandoffNotice        = "handoff_notice"        // to the requester: handed to the technical team
	MailEscalation           = "escalation"            // to the complaint managers: the complaint
	MailEscalationNotice     = "escalation_notice"     // to the requester: escalated
	MailReply                = "reply"                 // to the requester: a staff #balas
	MailQuestion             = "question"              // to the requester: a staff #tunggu
	MailClosure              = "closure"               // to the requester: closed, with the resolution
	MailRefusal              = "refusal"               // to a staff member: a command was refused
	MailReopenNotice         = "reopen_notice"         // to the holder: the requester reopened
	MailSupervisorEscalation = "supervisor_escalation" // to the supervisors: #eskalasi
	MailSLAWarning           = "sla_warning"           // to the responsible role: 75% of a standard
	MailSLABreach            = "sla_breach"            // to the supervisors: a standard was missed
	MailSLASummary           = "sla_summary"           // to the supervisors: many breaches at once
	MailDigest               = "digest"                // to the supervisors: the weekly digest
	MailMonthlyReport        = "monthly_report"        // to the supervisors: last month's report
	MailQuarantineNotice     = "quarantine_notice"     // to the service desk: a message was quarantined
	MailBounceNotice         = "bounce_notice"         // to the service desk: our email bounced
)

// MailData is everything a template may show. Each mail kind uses the
// fields its template names; a template that names a field the Desk left
// empty renders an empty value, but one that names a field that does not
// exist fails to render. Text fields hold plain text: templates escape
// them for HTML.
type MailData struct {
	Desk      Party
	Recipient Party
	// Ticket is nil for mail that concerns no single ticket (digest,
	// summary, quarantine notice).
	Ticket *TicketView
	// Text is the free text of the mail: a staff reply, a resolution, a
	// question, a note or the #eskalasi text.
	Text  string
	Actor Party
	// Command is the refused command line; Reason is a code naming why,
	// one of the Refuse* constants.
	Command string
	Reason  string
	// Deadlines shows each step's time standard (ack, triage request).
	Deadlines []DeadlineView
	SLA       *SLAView
	// SLAItems lists the late steps of a summary.
	SLAItems []SLAView
	// History is the ticket's trail so far (escalation).
	History []HistoryItem
	// Masked is true when the requester's name and address were replaced
	// because privacy.mask_requester is on.
	Masked     bool
	Quarantine *QuarantineView
	Bounce     *BounceView
	Digest     *DigestView
	// ReplyAddress is where replies should go, shown in instructions.
	ReplyAddress string
	// ReopenUntil is, in a closure email, the last moment a reply reopens
	// the ticket; zero elsewhere.
	ReopenUntil time.Time
}

// TicketView is a ticket as templates show it.
type TicketView struct {
	Number      string
	Tag         string // "[KLH-2026-000123]"
	Subject     string
	Body        string
	Excerpt     string // the first lines of Body, for quoting
	Requester   Party
	Channel     Channel
	State       State
	Category    Category
	Application string
	ReceivedAt  time.Time
	Triage      TriageResult
	Similar     []SimilarRef
	Attachments []string
	Resolution  string
	RootCause   string
	Prevention  string
	LinkedTo    string
}

// DeadlineView is one step's time standard and due time.
type DeadlineView struct {
	Step Step
	Due  time.Time
}

// SLAView describes a step that is close to or past its time standard.
type SLAView struct {
	Ticket   string
	Subject  string
	Step     Step
	Role     Role
	Holder   string
	Due      time.Time
	Late     time.Duration // working time past Due; zero for a warning
	Reminder int           // 0 for the first notice
}

// HistoryItem is one line of a ticket's trail in an email.
type HistoryItem struct {
	At    time.Time
	Type  RecordType
	Actor string
	Text  string
}

// QuarantineView describes a message held for a person.
type QuarantineView struct {
	From       string
	Subject    string
	Reason     string
	ReceivedAt time.Time
	MessageKey string
}

// BounceView describes one of our emails that bounced.
type BounceView struct {
	Kind       string // mail kind of the bounced email
	Recipient  string
	Status     string
	Diagnostic string
}

// DigestView holds the figures of a periodic digest or monthly report.
type DigestView struct {
	From, To      time.Time
	Received      int
	Closed        int
	OpenByState   []Count
	BreachesBy    []Count // per step
	Oldest        []TicketView
	Recurring     []Count // topic and number of complaints
	ReportName    string  // attached report file name, monthly only
	ByCategory    []Count
	StandardsMet  []Count // per step: met out of Total
	StandardsOver []Count // per step: missed
}

// Count is a label with a number; Total is set where a ratio is shown.
type Count struct {
	Label string
	N     int
	Total int
}

// Refusal reasons, shown to staff in their language by the refusal
// template.
const (
	RefuseNotStaff    = "not_staff"    // the sender is not configured staff
	RefuseRole        = "role"         // the sender's role may not use the command
	RefuseState       = "state"        // the ticket is in a state where the command makes no sense
	RefuseUnverified  = "unverified"   // the sender's address could not be proved
	RefuseEmpty       = "empty"        // the command needs text and had none
	RefuseUnknown     = "unknown"      // the command is not known
	RefuseNeedsRoot   = "needs_root"   // #tutup on a recurring complaint without #akar and #cegah
	RefuseNoRequester = "no_requester" // the requester has no email address
	// RefuseConflict: #teknis and #nonteknis in one message.
	RefuseConflict = "conflict"
	// RefuseRootMissing is a warning, not a refusal: the ticket was
	// closed, but a recurring complaint still lacks #akar and #cegah.
	RefuseRootMissing = "root_missing"
)
