package ingest

import (
	"context"
	"time"
)

// Inbound is one fetched message on its way through the pipeline.
type Inbound struct {
	Msg *Message
	Raw []byte
	// Mailbox, UIDValidity and UID say where the message was fetched
	// from; they are zero for a message that did not come over IMAP.
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	FetchedAt   time.Time
	// Quarantine is the reason to hold the message for a person instead
	// of processing it, or empty. The pipeline sets it for messages over
	// a limit or that could not be parsed; the Processor may set it too.
	Quarantine string
	// ParseError is set when the message could not be parsed at all; Msg
	// then holds only what could be read (Key, hashes, Size).
	ParseError string
}

// SaveState is what the archive found when it stored a message.
type SaveState string

// Archive states.
const (
	// SaveNew means the message was stored now.
	SaveNew SaveState = "new"
	// SavePending means it was stored before but its processing never
	// finished, as after a crash: process it again.
	SavePending SaveState = "pending"
	// SaveDone means it was stored and processed before: skip it.
	SaveDone SaveState = "done"
)

// Disposition is the final state of a processed message.
type Disposition string

// Dispositions.
const (
	// DispositionDone: applied to a ticket (opened one or joined one).
	DispositionDone Disposition = "done"
	// DispositionIgnored: kept but not applied, such as an automatic
	// reply with no ticket or our own mail coming back.
	DispositionIgnored Disposition = "ignored"
	// DispositionQuarantined: held for a person, with a reason.
	DispositionQuarantined Disposition = "quarantined"
)

// Outcome is what the Processor did with one message.
type Outcome struct {
	Key         string
	Disposition Disposition
	Ticket      string
	Reason      string
}

// Archive stores every inbound message, raw bytes and parsed metadata,
// before anything else happens to it. Safe for concurrent use.
type Archive interface {
	// SaveMessages stores the messages and returns one state per message,
	// in order. When a stored message has the same Key but different
	// content (two messages reusing one Message-ID), the new one is
	// stored under a new key and in.Msg.Key is updated to it.
	SaveMessages(ctx context.Context, in []*Inbound) ([]SaveState, error)
	// FinishMessages records the outcome of processing.
	FinishMessages(ctx context.Context, outcomes []Outcome) error
}

// Processor applies messages to tickets. It returns one Outcome per
// message, in order, after everything derived from them is stored.
type Processor interface {
	Process(ctx context.Context, in []*Inbound) ([]Outcome, error)
}
