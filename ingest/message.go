package ingest

import (
	"encoding/json"
	"net/mail"
	"time"
)

// Message is one parsed inbound email. Parse fills it from raw bytes; every
// string is valid UTF-8, and the addresses in From, Sender, Reply-To, To
// and Cc are lower-cased. Fields that the mail lacks stay at their zero
// value, and the reason is added to Warnings when the field was present
// but unreadable.
type Message struct {
	// Key is the idempotency key: "mid:" and the normalised Message-ID, or
	// "sha256:" and the hash of the raw bytes when there is no Message-ID.
	// Two different messages that reuse one Message-ID get distinct keys
	// once the store notices the collision; see KeyForCollision.
	Key string `json:"key"`

	// MessageID is the normalised Message-ID without angle brackets, or
	// empty when the header is missing or unusable.
	MessageID string `json:"message_id,omitempty"`

	// RawSHA256 is the hex SHA-256 of the raw bytes as fetched.
	RawSHA256 string `json:"raw_sha256"`

	// ContentHash is the hex SHA-256 of the header fields that identify a
	// message (From, To, Cc, Subject, Date, Message-ID) and the body, so
	// that a redelivery with extra trace headers hashes the same.
	ContentHash string `json:"content_hash"`

	Size int64 `json:"size"`

	// Date is the Date header, or the zero time when it is missing or
	// cannot be parsed.
	Date time.Time `json:"date,omitzero"`

	From       *mail.Address   `json:"from,omitempty"`
	ReplyTo    []*mail.Address `json:"reply_to,omitempty"`
	Sender     *mail.Address   `json:"sender,omitempty"`
	To         []*mail.Address `json:"to,omitempty"`
	Cc         []*mail.Address `json:"cc,omitempty"`
	ReturnPath string          `json:"return_path,omitempty"`
	// HasReturnPath tells an empty Return-Path ("<>", a bounce) apart from
	// a missing one.
	HasReturnPath bool `json:"has_return_path,omitempty"`

	// Recipients lists every lower-cased address the message was delivered
	// to as far as the headers show: To, Cc, Delivered-To, X-Original-To
	// and Envelope-To. Reply tokens are looked for here.
	Recipients []string `json:"recipients,omitempty"`

	Subject    string   `json:"subject"`
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`

	// ThreadIndex is the conversation part (the first 22 bytes, base64) of
	// an Outlook Thread-Index header, which Outlook keeps on replies even
	// when it drops In-Reply-To and References.
	ThreadIndex string `json:"thread_index,omitempty"`

	// Text is the readable body: the text/plain part when there is one,
	// otherwise the HTML part converted to text.
	Text string `json:"text"`
	// TextFromHTML is true when Text was converted from HTML.
	TextFromHTML bool `json:"text_from_html,omitempty"`
	// HTML is the sanitised HTML body, empty when the mail had none.
	HTML string `json:"-"`

	// ReplyText is Text without quoted history and signature: what the
	// sender wrote in this message. Commands are read only from here.
	ReplyText string `json:"reply_text"`

	Attachments []Attachment `json:"attachments,omitempty"`
	// Parts lists the content types of every leaf part, in order.
	Parts []string `json:"parts,omitempty"`

	// AuthResults holds the Authentication-Results header values in the
	// order they appear, the topmost (added last) first.
	AuthResults []string `json:"auth_results,omitempty"`

	// Class says whether the message was written by a person or is an
	// automatic reply, a bounce, our own mail coming back or a list post.
	Class  Class   `json:"class"`
	Reason string  `json:"class_reason,omitempty"`
	Bounce *Bounce `json:"bounce,omitempty"`

	// Header holds the raw header fields that later steps may consult
	// (classification, authentication), keyed by canonical name.
	Header map[string][]string `json:"-"`

	// Warnings lists problems that did not stop parsing, such as an
	// unknown charset or an unparsable date.
	Warnings []string `json:"warnings,omitempty"`
}

// Attachment describes one attached or inline file. The bytes are not
// kept here: they stay inside the stored raw message, and
// ExtractAttachment reads them back by Index when they are needed.
type Attachment struct {
	// Index is the position of the leaf part in a depth-first walk,
	// counting from 0, as ExtractAttachment expects it.
	Index       int    `json:"index"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Inline      bool   `json:"inline,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
}

// Class is the kind of sender behind a message.
type Class string

// Message classes. Only ClassPerson may open a ticket or carry commands.
const (
	ClassPerson    Class = "person"
	ClassAutoReply Class = "auto_reply"
	ClassBounce    Class = "bounce"
	ClassLoop      Class = "loop"
	ClassList      Class = "list"
)

// Bounce is what a delivery-status notification says about the message it
// returns.
type Bounce struct {
	// OriginalMessageID is the Message-ID of the returned message, without
	// angle brackets, or empty when the report did not include it.
	OriginalMessageID string `json:"original_message_id,omitempty"`
	Recipient         string `json:"recipient,omitempty"`
	Status            string `json:"status,omitempty"`
	Action            string `json:"action,omitempty"`
	Diagnostic        string `json:"diagnostic,omitempty"`
}

// Requester returns the address a reply should go to: the first Reply-To
// address when From is a no-reply relay (web forms set Reply-To to the
// person), otherwise From. It returns nil when the message has neither.
func (m *Message) Requester() *mail.Address {
	if m.From == nil {
		if len(m.ReplyTo) > 0 {
			return m.ReplyTo[0]
		}
		return nil
	}
	if len(m.ReplyTo) > 0 && isNoReply(m.From.Address) {
		return m.ReplyTo[0]
	}
	return m.From
}

// jsonAddress is how addresses appear in Message's JSON form.
type jsonAddress struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

func toJSONAddress(a *mail.Address) *jsonAddress {
	if a == nil {
		return nil
	}
	return &jsonAddress{Name: a.Name, Address: a.Address}
}

func toJSONAddresses(list []*mail.Address) []*jsonAddress {
	out := make([]*jsonAddress, 0, len(list))
	for _, a := range list {
		out = append(out, toJSONAddress(a))
	}
	return out
}

// MarshalJSON writes the stable JSON form that `keluhan inspect --json`
// prints: the field tags above, with addresses as {"name", "address"}.
func (m *Message) MarshalJSON() ([]byte, error) {
	type plain Message
	return json.Marshal(struct {
		*plain
		From    *jsonAddress   `json:"from,omitempty"`
		ReplyTo []*jsonAddress `json:"reply_to,omitempty"`
		Sender  *jsonAddress   `json:"sender,omitempty"`
		To      []*jsonAddress `json:"to,omitempty"`
		Cc      []*jsonAddress `json:"cc,omitempty"`
	}{
		plain:   (*plain)(m),
		From:    toJSONAddress(m.From),
		ReplyTo: toJSONAddresses(m.ReplyTo),
		Sender:  toJSONAddress(m.Sender),
		To:      toJSONAddresses(m.To),
		Cc:      toJSONAddresses(m.Cc),
	})
}
