package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/workflow"
)

// Retention deletes closed tickets once they are archived. A purged
// ticket leaves exactly one document behind: the audit record that the
// caller's tombstone function returns, kept in the records collection
// under the ticket's number. The ticket document itself is deleted, so
// listings, thread lookups and the procedure never meet a ticket without
// its data. Its number stays used, because counters hand out each number
// once. The export recorded by RecordExport keeps the deleted data.

// collExports holds one document per finished export.
const collExports = "exports"

// purgeBatch is how many tickets PurgeTickets handles with one query per
// collection. FerretDB 1.24 reads a whole collection for any filter
// other than a single _id, and scans the table even for that one, so
// each batch costs a few passes over every collection it touches. One
// $in query per batch is cheaper than a query per document: on 5,000
// messages of 15 KB, a DeleteOne by _id took 91 ms and a DeleteMany of
// 100 _ids 2.2 s (embedded FerretDB 1.24, 2-core test machine).
const purgeBatch = 500

// ExportRecord is one finished export, kept so that a purge can check
// that the data it deletes was archived first.
type ExportRecord struct {
	// ManifestSHA256 is the hex SHA-256 of the archive's manifest file,
	// which names every file of the archive with its own SHA-256.
	ManifestSHA256 string `bson:"_id" json:"manifest_sha256"`
	// At is when the export started reading the database: everything
	// stored before At is in the archive.
	At time.Time `bson:"at" json:"at"`
	// Location is the path the archive was written to, as given to the
	// export.
	Location string `bson:"location" json:"location"`
	Tickets  int64  `bson:"tickets" json:"tickets"`
}

// RecordExport stores a finished export. Recording the same manifest
// twice keeps the first record.
func (s *Store) RecordExport(ctx context.Context, r ExportRecord) error {
	if r.ManifestSHA256 == "" || r.At.IsZero() {
		return errors.New("record export: manifest SHA-256 and time are required")
	}
	if _, err := insertNew(ctx, s.db.Collection(collExports), []ExportRecord{r}); err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	return nil
}

// LastExport returns the export that started last, or an error wrapping
// ErrNotFound when none was recorded.
func (s *Store) LastExport(ctx context.Context) (ExportRecord, error) {
	var r ExportRecord
	opts := options.FindOne().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}})
	err := s.db.Collection(collExports).FindOne(ctx, bson.D{}, opts).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return r, fmt.Errorf("last export: %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read last export: %w", err)
	}
	return r, nil
}

// ClosedTicketsBefore returns the closed tickets whose ClosedAt is
// before cutoff, oldest closed first. Only Number, Subject, State,
// Category, ReceivedAt and ClosedAt are filled.
func (s *Store) ClosedTicketsBefore(ctx context.Context, cutoff time.Time) ([]*workflow.Ticket, error) {
	filter := bson.D{
		{Key: "state", Value: workflow.StateClosed},
		{Key: "closed_at", Value: bson.D{{Key: "$lt", Value: cutoff}}},
	}
	opts := options.Find().
		SetProjection(bson.D{
			{Key: "subject", Value: 1}, {Key: "state", Value: 1}, {Key: "category", Value: 1},
			{Key: "received_at", Value: 1}, {Key: "closed_at", Value: 1}, {Key: "version", Value: 1},
		}).
		SetSort(bson.D{{Key: "closed_at", Value: 1}, {Key: "_id", Value: 1}})
	out, err := s.findTickets(ctx, filter, opts, oldestClosedFirst, 0)
	if err != nil {
		return nil, fmt.Errorf("list tickets closed before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	// The version was read only to pick the newest copy of a ticket.
	for _, t := range out {
		t.Version = 0
	}
	return out, nil
}

// oldestClosedFirst orders tickets by ClosedAt, then by number.
func oldestClosedFirst(a, b *workflow.Ticket) int {
	return cmp.Or(a.ClosedAt.Compare(b.ClosedAt), cmp.Compare(a.Number, b.Number))
}

// PurgeSkipReason is the reason PurgeTickets left a ticket alone.
type PurgeSkipReason string

// Reasons for skipping a ticket.
const (
	PurgeSkipNotFound    PurgeSkipReason = "not_found"
	PurgeSkipOpen        PurgeSkipReason = "open"
	PurgeSkipMailPending PurgeSkipReason = "mail_pending"
)

// PurgeSkip is a ticket PurgeTickets did not delete.
type PurgeSkip struct {
	Number string
	Reason PurgeSkipReason
}

// PurgeStats counts what PurgeTickets deleted.
type PurgeStats struct {
	Tickets, Records, Messages, Outcomes, Threads, Outgoing, Blobs int
	Skipped                                                        []PurgeSkip
}

func (p *PurgeStats) add(o PurgeStats) {
	p.Tickets += o.Tickets
	p.Records += o.Records
	p.Messages += o.Messages
	p.Outcomes += o.Outcomes
	p.Threads += o.Threads
	p.Outgoing += o.Outgoing
	p.Blobs += o.Blobs
	p.Skipped = append(p.Skipped, o.Skipped...)
}

// PurgeTickets deletes closed tickets with everything stored about them:
// their audit records, thread links and outbox rows, and the blobs only
// they refer to. The outbox rows include the archived sent ones with
// their capped sends and registered keys. The inbound messages recorded
// on the tickets go with their outcomes and raw bytes, inline or in the
// blob store. The tickets are also dropped from the index in memory.
// Before deleting a ticket's data it appends the record tombstone
// returns for it, which stays. PurgeTickets sets that record's Ticket
// and Type, and an empty Key becomes "purge:<number>". A ticket that is
// not closed, not found or has outbox rows still pending or sending is
// skipped and listed in Skipped. A client Store rejects the purge with
// ErrNotOwner, because the owner's index would keep the tickets.
//
// Each step is idempotent and the ticket document goes last, so running
// the purge again after a failure finishes the job. Outbox claims are
// left: they hold no personal data, and finding them costs a pass over
// every claim.
//
// NOTE: nothing stops a running daemon from changing a ticket between the
// check and the deletion, such as a reply that links a new thread to it.
// Purge while the daemon is stopped, or accept that such a late link
// points at a deleted ticket.
func (s *Store) PurgeTickets(ctx context.Context, numbers []string, tombstone func(*workflow.Ticket) workflow.Record) (PurgeStats, error) {
	var total PurgeStats
	if err := s.refuseClient("purge tickets"); err != nil {
		return total, err
	}
	for batch := range slices.Chunk(numbers, purgeBatch) {
		stats, err := s.purgeBatch(ctx, batch, tombstone)
		total.add(stats)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeBatch purges up to purgeBatch tickets, in the order of the steps
// that PurgeTickets promises.
func (s *Store) purgeBatch(ctx context.Context, numbers []string, tombstone func(*workflow.Ticket) workflow.Record) (PurgeStats, error) {
	tickets, stats, err := s.purgeable(ctx, numbers)
	if err != nil || len(tickets) == 0 {
		return stats, err
	}
	keep := make([]string, len(tickets))
	records := make([]workflow.Record, len(tickets))
	for i, t := range tickets {
		keep[i] = t.Number
		records[i] = purgeRecord(t, tombstone)
	}
	if err := s.AppendRecords(ctx, records); err != nil {
		return stats, fmt.Errorf("purge: %w", err)
	}

	steps := []func(context.Context, []*workflow.Ticket, []string, *PurgeStats) error{
		s.purgeMessages, s.purgeThreads, s.purgeOutbox, s.purgeRecords, s.purgeTickets,
	}
	for _, step := range steps {
		if err := step(ctx, tickets, keep, &stats); err != nil {
			return stats, fmt.Errorf("purge: %w", err)
		}
	}
	return stats, nil
}

// purgeRecord returns the record tombstone makes for t, with the
// ticket, type and, when tombstone left it empty, key that a purge
// record must have.
func purgeRecord(t *workflow.Ticket, tombstone func(*workflow.Ticket) workflow.Record) workflow.Record {
	r := tombstone(t)
	r.Ticket, r.Type = t.Number, workflow.RecordPurged
	if r.Key == "" {
		r.Key = "purge:" + t.Number
	}
	return r
}

// purgeable reads the tickets and returns those that may be purged,
// with the others recorded as skipped.
func (s *Store) purgeable(ctx context.Context, numbers []string) ([]*workflow.Ticket, PurgeStats, error) {
	var stats PurgeStats
	found, err := s.findTickets(ctx, idIn(numbers), nil, nil, 0)
	if err != nil {
		return nil, stats, fmt.Errorf("purge: read tickets: %w", err)
	}
	byNumber := map[string]*workflow.Ticket{}
	for _, t := range found {
		byNumber[t.Number] = t
	}
	busy, err := s.ticketsWithMailDue(ctx, numbers)
	if err != nil {
		return nil, stats, err
	}

	var out []*workflow.Ticket
	for _, n := range numbers {
		t, ok := byNumber[n]
		switch {
		case !ok:
			stats.Skipped = append(stats.Skipped, PurgeSkip{n, PurgeSkipNotFound})
		case t.State != workflow.StateClosed:
			stats.Skipped = append(stats.Skipped, PurgeSkip{n, PurgeSkipOpen})
		case busy[n]:
			stats.Skipped = append(stats.Skipped, PurgeSkip{n, PurgeSkipMailPending})
		default:
			out = append(out, t)
		}
	}
	return out, stats, nil
}

// ticketsWithMailDue returns which of numbers have outbox rows pending or
// sending. On the embedded store a row's state may be only in the log of
// changes, so it reads the rows with the log applied, after the owner
// has folded in what it holds in memory.
func (s *Store) ticketsWithMailDue(ctx context.Context, numbers []string) (map[string]bool, error) {
	if s.ferret {
		return s.ticketsWithMailDueLive(ctx, numbers)
	}
	filter := bson.D{
		{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}},
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{workflow.OutboxPending, workflow.OutboxSending}}}},
	}
	rows, err := findAll[workflow.Outgoing](ctx, s.outbox, filter, options.Find().SetProjection(bson.D{{Key: "ticket", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("purge: read outbox: %w", err)
	}
	busy := map[string]bool{}
	for _, r := range rows {
		busy[r.Ticket] = true
	}
	return busy, nil
}

// ticketsWithMailDueLive is ticketsWithMailDue on the embedded store.
func (s *Store) ticketsWithMailDueLive(ctx context.Context, numbers []string) (map[string]bool, error) {
	filter := bson.D{{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}}}
	rows, err := s.foldedRows(ctx, filter, withoutContent)
	if err != nil {
		return nil, fmt.Errorf("purge: read outbox: %w", err)
	}
	busy := map[string]bool{}
	for _, e := range rows {
		if st := e.state.Status; st == workflow.OutboxPending || st == workflow.OutboxSending {
			busy[e.ticket] = true
		}
	}
	return busy, nil
}

// purgeMessages deletes the messages recorded on the tickets, their raw
// blobs and then their outcomes, which are how the messages are found:
// deleting those last lets a rerun find what a failure left.
func (s *Store) purgeMessages(ctx context.Context, tickets []*workflow.Ticket, numbers []string, stats *PurgeStats) error {
	keys, err := s.purgedMessageKeys(ctx, tickets, numbers)
	if err != nil || len(keys) == 0 {
		return err
	}
	if err := s.purgeRawBlobs(ctx, keys, stats); err != nil {
		return err
	}

	n, err := s.deleteIDs(ctx, s.messages, keys)
	stats.Messages += n
	if err != nil {
		return fmt.Errorf("delete messages: %w", err)
	}
	n, err = s.deleteIDs(ctx, s.outcomes, keys)
	stats.Outcomes += n
	if err != nil {
		return fmt.Errorf("delete outcomes: %w", err)
	}
	return nil
}

// purgedMessageKeys returns the keys of the messages whose outcome names
// one of the tickets, plus each ticket's source message unless its
// outcome names another ticket.
func (s *Store) purgedMessageKeys(ctx context.Context, tickets []*workflow.Ticket, numbers []string) ([]string, error) {
	filter := bson.D{{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}}}
	found, err := findAll[outcomeDoc](ctx, s.outcomes, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read outcomes: %w", err)
	}
	keys := make([]string, 0, len(found)+len(tickets))
	for _, o := range found {
		keys = append(keys, o.Key)
	}
	sources := map[string]string{}
	for _, t := range tickets {
		if t.SourceKey != "" && !slices.Contains(keys, t.SourceKey) {
			sources[t.SourceKey] = t.Number
		}
	}
	if len(sources) == 0 {
		return keys, nil
	}

	owned, err := findAll[outcomeDoc](ctx, s.outcomes, idIn(slices.Collect(maps.Keys(sources))))
	if err != nil {
		return nil, fmt.Errorf("read outcomes: %w", err)
	}
	for _, o := range owned {
		if o.Ticket != "" && o.Ticket != sources[o.Key] {
			delete(sources, o.Key)
		}
	}
	return append(keys, slices.Sorted(maps.Keys(sources))...), nil
}

// purgeRawBlobs deletes the raw blobs of the messages with keys. A blob
// name is the SHA-256 of the raw bytes, and a message's key derives from
// the same bytes or, for a key collision, is suffixed with their content
// hash, so no other message refers to the blob.
func (s *Store) purgeRawBlobs(ctx context.Context, keys []string, stats *PurgeStats) error {
	opts := options.Find().SetProjection(bson.D{{Key: "raw_blob", Value: 1}})
	docs, err := findAll[*MessageDoc](ctx, s.messages, idIn(keys), opts)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	for _, d := range docs {
		if d.RawBlob == "" {
			continue
		}
		n, err := s.deleteBlob(ctx, d.RawBlob)
		stats.Blobs += n
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) purgeThreads(ctx context.Context, _ []*workflow.Ticket, numbers []string, stats *PurgeStats) error {
	res, err := s.threads.DeleteMany(ctx, bson.D{{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}}})
	if err != nil {
		return fmt.Errorf("delete thread links: %w", err)
	}
	stats.Threads += int(res.DeletedCount)
	if s.threadMemo != nil {
		s.threadMemo.dropTickets(numbers)
	}
	return nil
}

// purgeOutbox deletes the tickets' outbox rows, live and archived, with
// their capped sends and registered keys, which name the recipients.
// Then it deletes the blobs that only the tickets and those rows referred
// to.
func (s *Store) purgeOutbox(ctx context.Context, tickets []*workflow.Ticket, numbers []string, stats *PurgeStats) error {
	var refs []workflow.AttachmentRef
	for _, t := range tickets {
		refs = append(refs, t.Attachments...)
	}
	var keys []string
	for _, coll := range []*mongo.Collection{s.outbox, s.sent} {
		rows, err := s.deleteRows(ctx, coll, numbers, stats)
		if err != nil {
			return err
		}
		for _, r := range rows {
			keys = append(keys, r.Key)
			refs = append(refs, r.Attachments...)
		}
	}

	defer s.forgetMemory(collSent)
	if _, err := s.deleteIDs(ctx, s.cappedSends, keys); err != nil {
		return fmt.Errorf("delete capped sends: %w", err)
	}
	if _, err := s.deleteIDs(ctx, s.outboxKeys, keys); err != nil {
		return fmt.Errorf("delete outbox keys: %w", err)
	}
	return s.purgeAttachmentBlobs(ctx, refs, numbers, stats)
}

// deleteRows deletes the rows of coll, the outbox or its archive, that
// belong to numbers, and returns their keys and attachments.
func (s *Store) deleteRows(ctx context.Context, coll *mongo.Collection, numbers []string, stats *PurgeStats) ([]workflow.Outgoing, error) {
	filter := bson.D{{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}}}
	opts := options.Find().SetProjection(bson.D{{Key: "attachments", Value: 1}})
	rows, err := findAll[workflow.Outgoing](ctx, coll, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("read %s rows: %w", coll.Name(), err)
	}
	res, err := coll.DeleteMany(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("delete %s rows: %w", coll.Name(), err)
	}
	stats.Outgoing += int(res.DeletedCount)
	return rows, nil
}

// purgeAttachmentBlobs deletes the blobs refs name unless a ticket or
// outbox row outside numbers refers to them too.
func (s *Store) purgeAttachmentBlobs(ctx context.Context, refs []workflow.AttachmentRef, numbers []string, stats *PurgeStats) error {
	var names []string
	for _, r := range refs {
		if r.MessageKey == "" && r.BlobName != "" && !slices.Contains(names, r.BlobName) {
			names = append(names, r.BlobName)
		}
	}
	for _, name := range names {
		shared, err := s.blobReferencedElsewhere(ctx, name, numbers)
		if err != nil || shared {
			return err
		}
		n, err := s.deleteBlob(ctx, name)
		if err != nil {
			return err
		}
		stats.Blobs += n
	}
	return nil
}

// blobReferencedElsewhere reports whether a ticket or outbox row that
// does not belong to numbers attaches the blob name.
func (s *Store) blobReferencedElsewhere(ctx context.Context, name string, numbers []string) (bool, error) {
	others := bson.D{{Key: "$nin", Value: numbers}}
	type check struct {
		coll   *mongo.Collection
		filter bson.D
	}
	var checks []check
	for _, coll := range s.ticketColls() {
		checks = append(checks, check{coll, bson.D{{Key: "attachments.blob_name", Value: name}, {Key: "_id", Value: others}}})
	}
	checks = append(checks, check{s.outbox, bson.D{{Key: "attachments.blob_name", Value: name}, {Key: "ticket", Value: others}}})
	for _, c := range checks {
		err := c.coll.FindOne(ctx, c.filter, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, fmt.Errorf("look up users of blob %s: %w", name, err)
		}
	}
	return false, nil
}

// purgeRecords deletes the tickets' records except the purge records.
func (s *Store) purgeRecords(ctx context.Context, _ []*workflow.Ticket, numbers []string, stats *PurgeStats) error {
	filter := bson.D{
		{Key: "ticket", Value: bson.D{{Key: "$in", Value: numbers}}},
		{Key: "type", Value: bson.D{{Key: "$ne", Value: workflow.RecordPurged}}},
	}
	res, err := s.records.DeleteMany(ctx, filter)
	if err != nil {
		return fmt.Errorf("delete records: %w", err)
	}
	stats.Records += int(res.DeletedCount)
	return nil
}

// purgeTickets deletes the ticket documents, every copy of them, and
// their ticket notes, which a client Store writes for the owner's index.
func (s *Store) purgeTickets(ctx context.Context, _ []*workflow.Ticket, numbers []string, stats *PurgeStats) error {
	if s.index != nil {
		defer s.index.forget(numbers...)
	}
	if s.trails != nil {
		defer s.trails.drop(numbers...)
	}
	n, err := s.deleteTicketCopies(ctx, numbers)
	stats.Tickets += n
	if err != nil {
		return fmt.Errorf("delete tickets: %w", err)
	}
	if _, err := s.deleteIDs(ctx, s.ticketNotes, numbers); err != nil {
		return fmt.Errorf("delete ticket notes: %w", err)
	}
	return nil
}

// deleteTicketCopies deletes the tickets numbers from every ticket
// collection and returns how many documents it deleted, but at most
// len(numbers). The caller found each of them just before, so the cap
// counts once the two copies that a crash while moving a ticket leaves.
func (s *Store) deleteTicketCopies(ctx context.Context, numbers []string) (int, error) {
	defer s.ticketGate.lock(numbers...)()
	deleted := 0
	for _, coll := range s.ticketColls() {
		n, err := s.deleteIDs(ctx, coll, numbers)
		deleted += n
		if err != nil {
			return min(deleted, len(numbers)), err
		}
	}
	return min(deleted, len(numbers)), nil
}

// deleteBlob deletes every stored version of the blob name and returns
// how many there were.
func (s *Store) deleteBlob(ctx context.Context, name string) (int, error) {
	cur, err := s.blobs.Find(ctx, bson.D{{Key: "filename", Value: name}})
	if err != nil {
		return 0, fmt.Errorf("delete blob %s: %w", name, err)
	}
	var files []mongo.GridFSFile
	if err := cur.All(ctx, &files); err != nil {
		return 0, fmt.Errorf("delete blob %s: %w", name, err)
	}
	n := 0
	for _, f := range files {
		err := s.blobs.Delete(ctx, f.ID)
		if err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
			return n, fmt.Errorf("delete blob %s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// idIn selects the documents whose _id is one of ids.
func idIn(ids []string) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
}
