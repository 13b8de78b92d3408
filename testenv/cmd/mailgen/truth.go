package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Message kinds in the ground truth.
const (
	kindComplaint = "complaint"
	kindReply     = "reply"
)

// truthFile is the name of the ground-truth file in a set's folder.
const truthFile = "truth.json"

// Truth is the ground truth of a generated set, stored as truth.json in
// the set's folder beside the eml folder. Emails is the number of
// deliveries; it exceeds len(Messages) by Duplicates, because a duplicate
// is a message delivered a second time.
type Truth struct {
	Run       string    `json:"run"`
	Seed      uint64    `json:"seed"`
	Generated time.Time `json:"generated"`
	// Helpdesk is the address in the messages' To header.
	Helpdesk string `json:"helpdesk"`

	Emails     int `json:"emails"`
	Complaints int `json:"complaints"`
	Replies    int `json:"replies"`
	Duplicates int `json:"duplicates"`

	Messages []Message `json:"messages"`
	// Deliveries is the delivery order, as indexes into Messages. An index
	// that occurs twice is a duplicate delivery of the same bytes.
	Deliveries []int `json:"deliveries"`
}

// Message is one distinct generated email.
type Message struct {
	// File is the .eml file's path relative to the set's folder.
	File string `json:"file"`
	// MessageID is the Message-ID header's value without angle brackets.
	MessageID string `json:"message_id"`
	// Kind is "complaint" or "reply".
	Kind    string `json:"kind"`
	From    string `json:"from"`
	Subject string `json:"subject"`
	// Complaint is, for a reply, the Message-ID of the complaint whose
	// ticket the reply belongs to; InReplyTo is the message it replies to,
	// that complaint or an earlier reply in its thread.
	Complaint  string `json:"complaint,omitempty"`
	InReplyTo  string `json:"in_reply_to,omitempty"`
	Size       int    `json:"size"`
	Attachment bool   `json:"attachment"`
}

func writeTruth(dir string, t *Truth) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encode ground truth: %w", err)
	}
	path := filepath.Join(dir, truthFile)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write ground truth: %w", err)
	}
	return nil
}

func readTruth(dir string) (*Truth, error) {
	path := filepath.Join(dir, truthFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ground truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	for i, idx := range t.Deliveries {
		if idx < 0 || idx >= len(t.Messages) {
			return nil, fmt.Errorf("parse %s: delivery %d names message %d of %d", path, i, idx, len(t.Messages))
		}
	}
	return &t, nil
}
