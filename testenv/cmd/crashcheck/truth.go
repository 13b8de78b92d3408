package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/keluhan/keluhan/ingest"
)

// truth is the part of mailgen's truth.json that the check reads. The
// file's format is documented in testenv/cmd/mailgen/truth.go.
type truth struct {
	Emails     int `json:"emails"`
	Complaints int `json:"complaints"`
	Replies    int `json:"replies"`
	Duplicates int `json:"duplicates"`
	Messages   []struct {
		MessageID string `json:"message_id"`
		Kind      string `json:"kind"`
		From      string `json:"from"`
		Complaint string `json:"complaint"`
	} `json:"messages"`
}

// truthMessage is one generated message with its identifiers in the
// form keluhan stores them (ingest.NormalizeMessageID).
type truthMessage struct {
	id        string
	complaint bool
	from      string
	// root is the complaint's id for a reply, and the message's own id
	// for a complaint.
	root string
}

func readTruth(path string) (*truth, []truthMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read ground truth: %w", err)
	}
	var t truth
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, nil, fmt.Errorf("parse ground truth %s: %w", path, err)
	}

	msgs := make([]truthMessage, len(t.Messages))
	for i, m := range t.Messages {
		id := ingest.NormalizeMessageID(m.MessageID)
		if id == "" {
			return nil, nil, fmt.Errorf("parse ground truth %s: message %d has no usable Message-ID %q", path, i, m.MessageID)
		}
		tm := truthMessage{id: id, complaint: m.Kind == "complaint", from: m.From, root: id}
		if !tm.complaint {
			tm.root = ingest.NormalizeMessageID(m.Complaint)
		}
		msgs[i] = tm
	}
	return &t, msgs, nil
}
