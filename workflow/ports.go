package workflow

import (
	"context"
	"errors"
	"time"
)

// Errors the persistence behind the Desk returns. Implementations wrap
// them so that errors.Is finds them.
var (
	// ErrNotFound means no document matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the ticket changed since it was read: its Version
	// no longer matches. The caller reloads and applies again.
	ErrConflict = errors.New("ticket changed concurrently")
)

// Tickets stores tickets. Safe for concurrent use.
type Tickets interface {
	// TicketsBySource returns the tickets whose SourceKey is one of keys,
	// keyed by SourceKey. Missing keys are absent from the map.
	TicketsBySource(ctx context.Context, keys []string) (map[string]*Ticket, error)
	// InsertTickets inserts new tickets. A ticket whose SourceKey already
	// exists is skipped and its SourceKey returned in dup.
	InsertTickets(ctx context.Context, tickets []*Ticket) (dup []string, err error)
	// Ticket returns one ticket by number, or an error wrapping
	// ErrNotFound.
	Ticket(ctx context.Context, number string) (*Ticket, error)
	// TicketsByNumber returns the tickets with the given numbers, keyed by
	// number. Missing numbers are absent from the map.
	TicketsByNumber(ctx context.Context, numbers []string) (map[string]*Ticket, error)
	// UpdateTicket replaces the ticket if its stored Version equals
	// prevVersion, and returns an error wrapping ErrConflict otherwise.
	UpdateTicket(ctx context.Context, t *Ticket, prevVersion int64) error
}

// Numbers allocates ticket numbers. Safe for concurrent use, also across
// processes: no number is ever returned twice.
type Numbers interface {
	// AllocateNumbers reserves n consecutive sequence numbers for the
	// counter name and returns the first.
	AllocateNumbers(ctx context.Context, counter string, n int) (first int64, err error)
}

// Threads maps Message-IDs, ours and the ones we received, to tickets.
type Threads interface {
	// LinkThreads records which ticket each Message-ID belongs to. An ID
	// already linked keeps its first ticket.
	LinkThreads(ctx context.Context, links []ThreadLink) error
	// TicketsByMessageID returns the ticket number of each of ids that is
	// linked, keyed by Message-ID.
	TicketsByMessageID(ctx context.Context, ids []string) (map[string]string, error)
}

// ThreadLink ties one Message-ID (without angle brackets), or an Outlook
// conversation index prefixed with "ti:", to a ticket.
type ThreadLink struct {
	MessageID string
	Ticket    string
}

// Trail appends audit records. Records whose Key exists are skipped.
type Trail interface {
	AppendRecords(ctx context.Context, records []Record) error
}

// History reads a ticket's audit trail, oldest first.
type History interface {
	Records(ctx context.Context, ticket string) ([]Record, error)
}

// SenderLimits counts what a sender has opened recently, for the limit
// on new tickets per sender.
type SenderLimits interface {
	// CountNewTickets returns, for each of emails, how many tickets it
	// opened as requester at or after since; emails with none are absent.
	CountNewTickets(ctx context.Context, emails []string, since time.Time) (map[string]int, error)
}

// Timers finds tickets whose SLA clocks need a look.
type Timers interface {
	// TicketsDue returns open tickets whose NextTimer is set and not after
	// now, at most limit, earliest first.
	TicketsDue(ctx context.Context, now time.Time, limit int) ([]*Ticket, error)
}

// Outbox queues outgoing email. Rows whose Key exists are skipped, so
// queueing the same email twice sends it once.
type Outbox interface {
	Enqueue(ctx context.Context, mails []Outgoing) error
}

// Renderer renders a mail kind in a language. It fails when the template
// is missing or refers to a field that does not exist.
type Renderer interface {
	Render(lang, kind string, data *MailData) (Rendered, error)
}

// Rendered is a rendered email.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// SimilarSource returns earlier tickets for similarity matching: those
// received at or after since that share at least one of terms, with at
// least Number, Subject, State, ReceivedAt and Terms filled. It returns at
// most limit tickets, newest first.
type SimilarSource interface {
	SimilarCandidates(ctx context.Context, since time.Time, terms []string, limit int) ([]*Ticket, error)
}

// Store is all the persistence the Desk uses.
type Store interface {
	Tickets
	Numbers
	Threads
	Trail
	History
	SenderLimits
	Timers
	Outbox
	SimilarSource
}
