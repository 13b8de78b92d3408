package workflow

import (
	"strings"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

// Match is how a message was tied to an existing ticket.
type Match struct {
	Ticket string
	// By is "token", "reference", "thread_index" or "tag".
	By string
	// Claims holds a reply token that verified for the sender, when the
	// message carried one; TokenErr why a token did not verify.
	Claims   *TokenClaims
	TokenErr error
}

// threadLookup holds what the store knows about a batch's thread hints.
type threadLookup struct {
	// byMessageID maps Message-IDs and "ti:" conversation indexes to
	// ticket numbers.
	byMessageID map[string]string
	tickets     map[string]*Ticket
}

// resolveThread ties a message to a ticket, trying in order: a reply
// token that verifies for the sender, In-Reply-To and References naming
// a known message, the Outlook conversation index, and the subject tag
// when the sender belongs to the ticket. It returns false when nothing
// matches: the message is a new complaint.
func (d *Desk) resolveThread(h ingest.Hints, sender string, look threadLookup, now time.Time) (Match, bool) {
	token, hasToken := d.tokenMatch(h, sender, look, now)
	thread, hasThread := threadMatch(h, look)
	switch {
	case hasToken && hasThread && thread.Ticket != token.Ticket:
		// The reply address names one ticket and the thread another: a
		// token copied onto someone else's thread. The thread decides
		// where the message goes, and the token proves nothing.
		thread.TokenErr = ErrTokenOtherTicket
		return thread, true
	case hasToken:
		return token, true
	case hasThread:
		thread.TokenErr = token.TokenErr
		return thread, true
	}
	for _, tag := range h.Tags {
		t, ok := look.tickets[tag]
		if ok && d.belongsTo(t, sender) {
			return Match{Ticket: tag, By: "tag", TokenErr: token.TokenErr}, true
		}
	}
	return Match{TokenErr: token.TokenErr}, false
}

// tokenMatch returns the ticket of the first reply token that verifies
// for the sender (an expired one still finds the thread, but proves
// nothing).
func (d *Desk) tokenMatch(h ingest.Hints, sender string, look threadLookup, now time.Time) (Match, bool) {
	var m Match
	if d.tokens == nil {
		return m, false
	}
	for _, tok := range h.Tokens {
		claims, err := d.tokens.Verify(tok, sender, now)
		if err != nil && err != ErrTokenExpired {
			m.TokenErr = err
			continue
		}
		if _, ok := look.tickets[claims.Ticket]; !ok {
			continue
		}
		m.Ticket, m.By = claims.Ticket, "token"
		if err == nil {
			m.Claims = &claims
		} else {
			m.TokenErr = err
		}
		return m, true
	}
	return m, false
}

// threadMatch finds the ticket of a known Message-ID in In-Reply-To or
// References, or of the Outlook conversation index.
func threadMatch(h ingest.Hints, look threadLookup) (Match, bool) {
	// A link to a ticket that no longer exists (purged) is ignored.
	for _, id := range h.MessageIDs {
		if number, ok := look.byMessageID[id]; ok && look.tickets[number] != nil {
			return Match{Ticket: number, By: "reference"}, true
		}
	}
	if h.ThreadIndex != "" {
		number, ok := look.byMessageID[threadIndexKey(h.ThreadIndex)]
		if ok && look.tickets[number] != nil {
			return Match{Ticket: number, By: "thread_index"}, true
		}
	}
	return Match{}, false
}

// belongsTo reports whether an address may join a ticket by its subject
// tag alone: the requester, a participant in Cc, configured staff or
// incident management. Anyone else quoting a tag opens a new ticket, so
// that nobody can write into, or read from, another person's complaint.
func (d *Desk) belongsTo(t *Ticket, sender string) bool {
	sender = strings.ToLower(sender)
	if sender == "" {
		return false
	}
	if sender == t.Requester.Email {
		return true
	}
	for _, cc := range t.Cc {
		if cc == sender {
			return true
		}
	}
	_, staff := d.staff[sender]
	return staff || sender == d.cfg.Incident.Email
}

// threadIndexKey is the Threads key of an Outlook conversation index.
func threadIndexKey(index string) string { return "ti:" + index }
