package main

import (
	"bytes"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// delivered is one email found in a recipient's mailbox.
type delivered struct {
	mailbox string
	subject string
}

// mailView is every email found in the mailboxes of the outbox's
// recipients, by normalised Message-ID.
type mailView map[string][]delivered

// headerSection is BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)].
var headerSection = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: []string{"Message-ID", "Subject"},
	Peek:         true,
}

// readMailboxes reads the INBOX of every recipient, logging in with the
// test servers' password rule ("<local part>-pass"), until every sent
// outbox row's Message-ID was found or wait has passed. Postfix delivers
// a moment after it accepts a message, so the first look can miss some.
func readMailboxes(addr string, outbox []*workflow.Outgoing, wait time.Duration) (mailView, error) {
	recipients := map[string]bool{}
	for _, o := range outbox {
		recipients[strings.ToLower(o.To.Email)] = true
	}

	deadline := time.Now().Add(wait)
	for {
		view := mailView{}
		for r := range recipients {
			if err := readInbox(addr, r, view); err != nil {
				return nil, err
			}
		}
		if missing := missingRows(outbox, view); missing == 0 || time.Now().After(deadline) {
			return view, nil
		}
		time.Sleep(time.Second)
	}
}

func readInbox(addr, user string, view mailView) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return fmt.Errorf("connect to imap %s: %w", addr, err)
	}
	opts := &imapclient.Options{WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader}}
	client := imapclient.New(conn, opts)
	// The messages are read before Close; a failed close loses nothing.
	defer client.Close()

	local, _, _ := strings.Cut(user, "@")
	if err := client.Login(user, local+"-pass").Wait(); err != nil {
		return fmt.Errorf("imap login %s: %w", user, err)
	}
	sel, err := client.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("examine INBOX of %s: %w", user, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}

	all := imap.SeqSet{{Start: 1, Stop: sel.NumMessages}}
	bufs, err := client.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{headerSection}}).Collect()
	if err != nil {
		return fmt.Errorf("fetch headers of %s: %w", user, err)
	}
	for _, buf := range bufs {
		id, subject := parseHeader(buf.FindBodySection(headerSection))
		if id != "" {
			view[id] = append(view[id], delivered{mailbox: user, subject: subject})
		}
	}
	return nil
}

// parseHeader returns the normalised Message-ID and the decoded Subject
// of a header section, or "" for a field that is missing or unreadable.
func parseHeader(section []byte) (id, subject string) {
	msg, err := mail.ReadMessage(bytes.NewReader(append(section, "\r\n"...)))
	if err != nil {
		return "", ""
	}
	dec := &mime.WordDecoder{CharsetReader: charset.Reader}
	subject, err = dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	return ingest.NormalizeMessageID(msg.Header.Get("Message-Id")), subject
}

// missingRows counts the sent rows whose Message-ID is in no mailbox.
func missingRows(outbox []*workflow.Outgoing, view mailView) int {
	n := 0
	for _, o := range outbox {
		if o.Status == workflow.OutboxSent && len(view[ingest.NormalizeMessageID(o.MessageID)]) == 0 {
			n++
		}
	}
	return n
}

// ticketTag matches the ticket tag in a subject, such as
// "[KLH-2026-000123]".
var ticketTag = regexp.MustCompile(`\[([A-Za-z0-9]+-\d{4}-\d+)\]`)

// checkDelivery checks that every sent row reached its recipient once,
// and that each ticket's acknowledgment, found by the tag in its
// subject, arrived exactly once. A second copy of a row that was claimed
// more than once is counted as a duplicate from the crash window: the
// SMTP server accepted it, keluhan was killed before it stored the row
// as sent, and the next claim sent it again.
func (c *checker) checkDelivery(view mailView) {
	acksByTag := map[string]int{}
	// reclaimed holds the tickets whose acknowledgment row was claimed
	// more than once, so that extra copies may come from the crash window.
	reclaimed := map[string]bool{}
	for _, o := range c.view.outbox {
		if o.Status != workflow.OutboxSent {
			continue
		}
		copies := view[ingest.NormalizeMessageID(o.MessageID)]
		c.fig.mailsDelivered += min(len(copies), 1)
		c.countCopies(o, copies)

		if o.Kind != workflow.MailAck {
			continue
		}
		reclaimed[o.Ticket] = reclaimed[o.Ticket] || o.Attempts > 1
		for _, d := range copies {
			c.fig.acksDelivered++
			m := ticketTag.FindStringSubmatch(d.subject)
			if m == nil || m[1] != o.Ticket {
				c.violate(checkAcks, "acknowledgment %s for %s arrived at %s with subject %q, which lacks the tag [%s]", o.MessageID, o.Ticket, d.mailbox, d.subject, o.Ticket)
				continue
			}
			acksByTag[m[1]]++
		}
	}

	for _, t := range c.view.tickets {
		if n := acksByTag[t.Number]; n == 0 {
			c.violate(checkAcks, "ticket %s: no acknowledgment with its tag arrived", t.Number)
		} else if n > 1 && !(reclaimed[t.Number] && c.windowTolerated()) {
			c.violate(checkAcks, "ticket %s: %d acknowledgments with its tag arrived, want 1", t.Number, n)
		}
	}
}

// countCopies records a row's missing or extra deliveries.
func (c *checker) countCopies(o *workflow.Outgoing, copies []delivered) {
	switch {
	case len(copies) == 0:
		c.violate(checkDelivered, "outbox row %s (%s for %s to %s) is sent, but message %s is in no mailbox", o.Key, o.Kind, o.Ticket, o.To.Email, o.MessageID)
	case len(copies) > 1 && o.Attempts > 1:
		c.fig.windowDuplicates += len(copies) - 1
		if o.Kind == workflow.MailAck {
			c.fig.windowAckDuplicates += len(copies) - 1
		}
		if !c.windowTolerated() {
			c.violate(checkDuplicates, "message %s (%s for %s) arrived %d times after %d claims", o.MessageID, o.Kind, o.Ticket, len(copies), o.Attempts)
		}
	case len(copies) > 1:
		c.fig.otherDuplicates += len(copies) - 1
		c.violate(checkDuplicates, "message %s (%s for %s) arrived %d times although its row was claimed once; mailboxes %s",
			o.MessageID, o.Kind, o.Ticket, len(copies), mailboxes(copies))
	}
}

func mailboxes(copies []delivered) []string {
	var out []string
	for _, d := range copies {
		out = append(out, d.mailbox)
	}
	slices.Sort(out)
	return out
}
