package ingest

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// unprocessedCriteria matches the messages not yet marked. In flag mode
// those are the messages without the processed keyword, in folder mode
// all of them. It never matches a message marked \Deleted, because the
// MOVE fallback leaves those behind after copying them away. With
// above > 0 it matches only UIDs above it.
func (w *Watcher) unprocessedCriteria(above uint32) *imap.SearchCriteria {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if w.cfg.ProcessedFolder == "" {
		criteria.NotFlag = append(criteria.NotFlag, imap.Flag(w.cfg.ProcessedFlag))
	}
	if above > 0 {
		// Stop 0 is "*", so this is the range above+1:*.
		criteria.UID = []imap.UIDSet{{{Start: imap.UID(above + 1)}}}
	}
	return criteria
}

// searchUnprocessed returns the UIDs of unprocessed messages above the
// UID above, ascending, and the subset of them that is over
// MaxFetchBytes.
func (w *Watcher) searchUnprocessed(s *imapSession, above uint32) ([]imap.UID, imap.UIDSet, error) {
	if above == math.MaxUint32 {
		return nil, nil, nil
	}
	criteria := w.unprocessedCriteria(above)
	data, err := s.client.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, nil, fmt.Errorf("uid search: %w", err)
	}
	uids := uidsAbove(data.AllUIDs(), above)
	if len(uids) == 0 {
		return nil, nil, nil
	}

	large := *criteria
	large.Larger = w.cfg.MaxFetchBytes
	data, err = s.client.UIDSearch(&large, nil).Wait()
	if err != nil {
		return nil, nil, fmt.Errorf("uid search larger %d: %w", w.cfg.MaxFetchBytes, err)
	}
	largeSet, _ := data.All.(imap.UIDSet)
	return uids, largeSet, nil
}

// bigMessageBytes is the size above which a message is fetched in a
// batch of its own, so that a batch of large messages does not hold
// BatchSize of them in memory at once (each is held about three times:
// raw, parsed text, stored document).
const bigMessageBytes = 1 << 20

// searchBig returns which of the unprocessed messages above above are
// larger than bigMessageBytes.
func (w *Watcher) searchBig(s *imapSession, above uint32) (imap.UIDSet, error) {
	criteria := *w.unprocessedCriteria(above)
	criteria.Larger = bigMessageBytes
	data, err := s.client.UIDSearch(&criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("uid search larger %d: %w", bigMessageBytes, err)
	}
	set, _ := data.All.(imap.UIDSet)
	return set, nil
}

// batches splits uids into batches of at most size messages, with each
// message in big in a batch of its own.
func batches(uids []imap.UID, big imap.UIDSet, size int) [][]imap.UID {
	var out [][]imap.UID
	var cur []imap.UID
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for _, uid := range uids {
		if big.Contains(uid) {
			flush()
			out = append(out, []imap.UID{uid})
			continue
		}
		cur = append(cur, uid)
		if len(cur) == size {
			flush()
		}
	}
	flush()
	return out
}

// uidsAbove returns the UIDs greater than above, sorted. The range
// "n:*" always contains the highest UID in the mailbox, even when that
// UID is below n (RFC 3501 section 6.4.8), so a search for new messages
// returns the last old one when nothing is new.
func uidsAbove(uids []imap.UID, above uint32) []imap.UID {
	out := make([]imap.UID, 0, len(uids))
	for _, uid := range uids {
		if uint32(uid) > above {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return out
}

// fetchBatch fetches the messages uids, whole or, for those in large,
// header only. It returns them sorted by UID. A message expunged in the
// meantime is missing from the result.
func (w *Watcher) fetchBatch(s *imapSession, uids []imap.UID, large imap.UIDSet) ([]Fetched, error) {
	var whole, header imap.UIDSet
	for _, uid := range uids {
		if large.Contains(uid) {
			header.AddNum(uid)
		} else {
			whole.AddNum(uid)
		}
	}

	var batch []Fetched
	for _, part := range []struct {
		set        imap.UIDSet
		headerOnly bool
	}{{whole, false}, {header, true}} {
		if len(part.set) == 0 {
			continue
		}
		fetched, err := w.fetchSet(s, part.set, part.headerOnly)
		if err != nil {
			return nil, err
		}
		batch = append(batch, fetched...)
	}

	slices.SortFunc(batch, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })
	return batch, nil
}

// fetchSet runs one UID FETCH of UID, RFC822.SIZE and BODY.PEEK[] (or
// BODY.PEEK[HEADER] when headerOnly is set) for set. PEEK leaves \Seen
// alone, so a message that fails processing still looks unread to people.
func (w *Watcher) fetchSet(s *imapSession, set imap.UIDSet, headerOnly bool) ([]Fetched, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	if headerOnly {
		section.Specifier = imap.PartSpecifierHeader
	}
	opts := &imap.FetchOptions{
		UID:         true,
		RFC822Size:  true,
		BodySection: []*imap.FetchItemBodySection{section},
	}

	cmd := s.client.Fetch(set, opts)
	var out []Fetched
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		f, err := readFetched(msg, w.cfg.MaxFetchBytes)
		if err != nil {
			_ = cmd.Close() // the read error is the one worth returning
			return nil, fmt.Errorf("uid fetch %s: %w", set, err)
		}
		if f.UID == 0 {
			continue
		}
		f.Mailbox = w.cfg.Mailbox
		f.UIDValidity = s.uidValidity
		f.Truncated = headerOnly
		out = append(out, f)
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("uid fetch %s: %w", set, err)
	}
	return out, nil
}

// readFetched reads one FETCH response. It reads the body literal to the
// end before moving on, because the client discards whatever is left of
// it at the next item.
func readFetched(msg *imapclient.FetchMessageData, maxBytes int64) (Fetched, error) {
	var f Fetched
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			f.UID = uint32(item.UID)
		case imapclient.FetchItemDataRFC822Size:
			f.Size = item.Size
		case imapclient.FetchItemDataBodySection:
			raw, err := readLiteral(item.Literal, maxBytes)
			if err != nil {
				return f, fmt.Errorf("read body of seq %d: %w", msg.SeqNum, err)
			}
			f.Raw = raw
		}
	}
	return f, nil
}

// readLiteral reads a whole literal. It rejects one over maxBytes, which
// the size search should have kept out. A NIL body gives nil.
func readLiteral(lit imap.LiteralReader, maxBytes int64) ([]byte, error) {
	if lit == nil {
		return nil, nil
	}
	size := lit.Size()
	if size > maxBytes {
		return nil, fmt.Errorf("literal of %d bytes is over the limit of %d", size, maxBytes)
	}
	raw := make([]byte, size)
	if _, err := io.ReadFull(lit, raw); err != nil {
		return nil, err
	}
	return raw, nil
}
