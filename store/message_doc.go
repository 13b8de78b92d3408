package store

import (
	"net/mail"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

// MessageStatus is the processing state of an archived inbound message.
type MessageStatus string

// Message statuses. A message is pending from SaveMessages until
// FinishMessages records one of the final dispositions.
const (
	MessagePending     MessageStatus = "pending"
	MessageDone        MessageStatus = MessageStatus(ingest.DispositionDone)
	MessageIgnored     MessageStatus = MessageStatus(ingest.DispositionIgnored)
	MessageQuarantined MessageStatus = MessageStatus(ingest.DispositionQuarantined)
)

// Final reports whether processing of the message finished.
func (st MessageStatus) Final() bool {
	return st == MessageDone || st == MessageIgnored || st == MessageQuarantined
}

// MessageDoc is an archived inbound message: the parsed metadata of an
// ingest.Message, where it was fetched from, and what became of it. The
// raw bytes are in Raw, or in the blob store under RawBlob when they are
// larger than the configured threshold.
type MessageDoc struct {
	Key         string    `bson:"_id" json:"key"`
	MessageID   string    `bson:"message_id,omitempty" json:"message_id,omitempty"`
	RawSHA256   string    `bson:"raw_sha256" json:"raw_sha256"`
	ContentHash string    `bson:"content_hash" json:"content_hash"`
	Size        int64     `bson:"size" json:"size"`
	Date        time.Time `bson:"date,omitempty" json:"date,omitzero"`

	From          *Address  `bson:"from,omitempty" json:"from,omitempty"`
	ReplyTo       []Address `bson:"reply_to,omitempty" json:"reply_to,omitempty"`
	Sender        *Address  `bson:"sender,omitempty" json:"sender,omitempty"`
	To            []Address `bson:"to,omitempty" json:"to,omitempty"`
	Cc            []Address `bson:"cc,omitempty" json:"cc,omitempty"`
	ReturnPath    string    `bson:"return_path,omitempty" json:"return_path,omitempty"`
	HasReturnPath bool      `bson:"has_return_path,omitempty" json:"has_return_path,omitempty"`
	Recipients    []string  `bson:"recipients,omitempty" json:"recipients,omitempty"`

	Subject     string   `bson:"subject" json:"subject"`
	InReplyTo   []string `bson:"in_reply_to,omitempty" json:"in_reply_to,omitempty"`
	References  []string `bson:"references,omitempty" json:"references,omitempty"`
	ThreadIndex string   `bson:"thread_index,omitempty" json:"thread_index,omitempty"`

	Text         string       `bson:"text" json:"text"`
	TextFromHTML bool         `bson:"text_from_html,omitempty" json:"text_from_html,omitempty"`
	ReplyText    string       `bson:"reply_text" json:"reply_text"`
	Attachments  []Attachment `bson:"attachments,omitempty" json:"attachments,omitempty"`
	Parts        []string     `bson:"parts,omitempty" json:"parts,omitempty"`
	AuthResults  []string     `bson:"auth_results,omitempty" json:"auth_results,omitempty"`
	Class        ingest.Class `bson:"class" json:"class"`
	ClassReason  string       `bson:"class_reason,omitempty" json:"class_reason,omitempty"`
	Bounce       *Bounce      `bson:"bounce,omitempty" json:"bounce,omitempty"`
	Warnings     []string     `bson:"warnings,omitempty" json:"warnings,omitempty"`

	// Mailbox, UIDValidity and UID locate the message in the mailbox it
	// was fetched from. They are zero for a message that did not come over
	// IMAP.
	Mailbox     string    `bson:"mailbox,omitempty" json:"mailbox,omitempty"`
	UIDValidity uint32    `bson:"uid_validity,omitempty" json:"uid_validity,omitempty"`
	UID         uint32    `bson:"uid,omitempty" json:"uid,omitempty"`
	FetchedAt   time.Time `bson:"fetched_at,omitempty" json:"fetched_at,omitzero"`
	// Quarantine is the reason the pipeline gave for holding the message
	// when it was saved; ParseError is set when it could not be parsed.
	Quarantine string `bson:"quarantine,omitempty" json:"quarantine,omitempty"`
	ParseError string `bson:"parse_error,omitempty" json:"parse_error,omitempty"`

	// Raw holds the raw bytes up to the blob threshold. Message and the
	// listing methods leave it empty; Raw and EachMessage fill it.
	Raw     []byte `bson:"raw,omitempty" json:"raw,omitempty"`
	RawBlob string `bson:"raw_blob,omitempty" json:"raw_blob,omitempty"`

	SavedAt time.Time `bson:"saved_at" json:"saved_at"`

	// Status, Ticket, Reason and FinishedAt are what became of the
	// message. They are stored apart from the message, in the outcomes
	// collection, and filled in when the Store reads a message.
	Status MessageStatus `bson:"-" json:"status"`
	// Ticket is the ticket the message opened or joined, if any.
	Ticket string `bson:"-" json:"ticket,omitempty"`
	// Reason is the reason recorded with the final disposition.
	Reason     string    `bson:"-" json:"reason,omitempty"`
	FinishedAt time.Time `bson:"-" json:"finished_at,omitzero"`
}

// Address is an email address with its optional display name.
type Address struct {
	Name    string `bson:"name,omitempty" json:"name,omitempty"`
	Address string `bson:"address" json:"address"`
}

// Attachment describes one attached file as ingest.Attachment does.
type Attachment struct {
	Index       int    `bson:"index" json:"index"`
	Filename    string `bson:"filename" json:"filename"`
	ContentType string `bson:"content_type" json:"content_type"`
	Size        int64  `bson:"size" json:"size"`
	SHA256      string `bson:"sha256" json:"sha256"`
	// The key is not "inline" because the driver reads that tag name as
	// its inline option.
	Inline    bool   `bson:"is_inline,omitempty" json:"inline,omitempty"`
	ContentID string `bson:"content_id,omitempty" json:"content_id,omitempty"`
}

// Bounce is the content of a delivery-status notification, as in
// ingest.Bounce.
type Bounce struct {
	OriginalMessageID string `bson:"original_message_id,omitempty" json:"original_message_id,omitempty"`
	Recipient         string `bson:"recipient,omitempty" json:"recipient,omitempty"`
	Status            string `bson:"status,omitempty" json:"status,omitempty"`
	Action            string `bson:"action,omitempty" json:"action,omitempty"`
	Diagnostic        string `bson:"diagnostic,omitempty" json:"diagnostic,omitempty"`
}

// newMessageDoc copies in into a pending document saved at now. It does
// not set Raw or RawBlob.
func newMessageDoc(in *ingest.Inbound, now time.Time) *MessageDoc {
	m := in.Msg
	d := &MessageDoc{
		Key: m.Key, MessageID: m.MessageID, RawSHA256: m.RawSHA256,
		ContentHash: m.ContentHash, Size: m.Size, Date: m.Date,
		From: toAddress(m.From), ReplyTo: toAddresses(m.ReplyTo), Sender: toAddress(m.Sender),
		To: toAddresses(m.To), Cc: toAddresses(m.Cc),
		ReturnPath: m.ReturnPath, HasReturnPath: m.HasReturnPath, Recipients: m.Recipients,
		Subject: m.Subject, InReplyTo: m.InReplyTo, References: m.References, ThreadIndex: m.ThreadIndex,
		Text: m.Text, TextFromHTML: m.TextFromHTML, ReplyText: m.ReplyText,
		Parts: m.Parts, AuthResults: m.AuthResults,
		Class: m.Class, ClassReason: m.Reason, Warnings: m.Warnings,
		Mailbox: in.Mailbox, UIDValidity: in.UIDValidity, UID: in.UID, FetchedAt: in.FetchedAt,
		Quarantine: in.Quarantine, ParseError: in.ParseError,
		Status: MessagePending, SavedAt: now,
	}
	for _, a := range m.Attachments {
		d.Attachments = append(d.Attachments, Attachment(a))
	}
	if m.Bounce != nil {
		b := Bounce(*m.Bounce)
		d.Bounce = &b
	}
	return d
}

// Message rebuilds the parsed message. HTML and Header are empty because
// the archive does not keep them; parse the raw bytes again for those.
func (d *MessageDoc) Message() *ingest.Message {
	m := &ingest.Message{
		Key: d.Key, MessageID: d.MessageID, RawSHA256: d.RawSHA256,
		ContentHash: d.ContentHash, Size: d.Size, Date: d.Date,
		From: fromAddress(d.From), ReplyTo: fromAddresses(d.ReplyTo), Sender: fromAddress(d.Sender),
		To: fromAddresses(d.To), Cc: fromAddresses(d.Cc),
		ReturnPath: d.ReturnPath, HasReturnPath: d.HasReturnPath, Recipients: d.Recipients,
		Subject: d.Subject, InReplyTo: d.InReplyTo, References: d.References, ThreadIndex: d.ThreadIndex,
		Text: d.Text, TextFromHTML: d.TextFromHTML, ReplyText: d.ReplyText,
		Parts: d.Parts, AuthResults: d.AuthResults,
		Class: d.Class, Reason: d.ClassReason, Warnings: d.Warnings,
	}
	for _, a := range d.Attachments {
		m.Attachments = append(m.Attachments, ingest.Attachment(a))
	}
	if d.Bounce != nil {
		b := ingest.Bounce(*d.Bounce)
		m.Bounce = &b
	}
	return m
}

func toAddress(a *mail.Address) *Address {
	if a == nil {
		return nil
	}
	return &Address{Name: a.Name, Address: a.Address}
}

func toAddresses(list []*mail.Address) []Address {
	var out []Address
	for _, a := range list {
		if a != nil {
			out = append(out, Address{Name: a.Name, Address: a.Address})
		}
	}
	return out
}

func fromAddress(a *Address) *mail.Address {
	if a == nil {
		return nil
	}
	return &mail.Address{Name: a.Name, Address: a.Address}
}

func fromAddresses(list []Address) []*mail.Address {
	var out []*mail.Address
	for _, a := range list {
		out = append(out, &mail.Address{Name: a.Name, Address: a.Address})
	}
	return out
}
