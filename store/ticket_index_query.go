package store

import (
	"cmp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/workflow"
)

// due returns the documents of the open tickets whose timer is set and
// at or before now, earliest timer first and then by number, at most
// limit (all when limit is zero or less).
func (ix *ticketIndex) due(now time.Time, limit int) []bson.Raw {
	ix.mu.Lock()
	var found []*indexEntry
	for _, e := range ix.tickets {
		if e.doc != nil && !e.nextTimer.IsZero() && !e.nextTimer.After(now) {
			found = append(found, e)
		}
	}
	ix.mu.Unlock()

	slices.SortFunc(found, func(a, b *indexEntry) int {
		return cmp.Or(a.nextTimer.Compare(b.nextTimer), cmp.Compare(a.number, b.number))
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	docs := make([]bson.Raw, len(found))
	for i, e := range found {
		docs[i] = e.doc
	}
	return docs
}

// similar returns the tickets received at or after since that share at
// least one of terms, newest first and then by number descending, at
// most limit (all when limit is zero or less). Only Number, Subject,
// State, ReceivedAt, Terms and Category are filled. The caller checks
// covers(since) first.
func (ix *ticketIndex) similar(since time.Time, terms []string, limit int) []*workflow.Ticket {
	ix.mu.Lock()
	seen := map[*indexEntry]bool{}
	var found []*indexEntry
	for _, term := range terms {
		for e := range ix.byTerm[term] {
			if !seen[e] && !e.received.Before(since) {
				seen[e] = true
				found = append(found, e)
			}
		}
	}
	slices.SortFunc(found, func(a, b *indexEntry) int {
		return cmp.Or(b.received.Compare(a.received), cmp.Compare(b.number, a.number))
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	out := make([]*workflow.Ticket, len(found))
	for i, e := range found {
		out[i] = &workflow.Ticket{
			Number: e.number, Subject: e.subject, State: e.state, ReceivedAt: e.received,
			Terms: slices.Clone(e.terms), Category: e.category,
		}
	}
	ix.mu.Unlock()
	return out
}

// countNew returns, for each of emails, how many tickets it opened as
// requester at or after since; emails with none are absent. The caller
// checks covers(since) first.
func (ix *ticketIndex) countNew(emails []string, since time.Time) map[string]int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := map[string]int{}
	for _, email := range emails {
		if _, done := out[email]; done {
			continue
		}
		n := 0
		for e := range ix.byEmail[email] {
			if !e.received.Before(since) {
				n++
			}
		}
		if n > 0 {
			out[email] = n
		}
	}
	return out
}

// trim moves the recent window to end at now, dropping the details of
// the tickets that left it, once the window has moved by trimEvery.
func (ix *ticketIndex) trim(now time.Time) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	floor := now.Add(-ix.window)
	if ix.state != indexLoaded || floor.Sub(ix.floor) < trimEvery {
		return
	}
	ix.floor = floor
	for _, e := range ix.tickets {
		if !e.recent || !e.received.Before(floor) {
			continue
		}
		for _, term := range e.terms {
			dropPosting(ix.byTerm, term, e)
		}
		dropPosting(ix.byEmail, e.email, e)
		e.recent, e.subject, e.email, e.terms, e.category = false, "", "", nil, ""
	}
}
