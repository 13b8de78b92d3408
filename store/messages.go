package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/ingest"
)

// SaveMessages stores a batch of inbound messages and returns one state
// per message, in order. The batch costs one insertMany; only when some
// keys exist already does a second query read their status and content.
//
//   - A new key is stored: SaveNew.
//   - A stored key with the same content: SaveDone when its processing
//     finished, SavePending otherwise. A repeat of a message saved earlier
//     in the same batch is SaveDone, because that copy is processed now.
//   - A stored key with different content (two messages reusing one
//     Message-ID): the message is stored under KeyForCollision's key, and
//     in.Msg.Key is updated to it.
//
// Raw bytes larger than the blob threshold go to the blob store first.
// Every item needs a Msg with a Key.
func (s *Store) SaveMessages(ctx context.Context, in []*ingest.Inbound) ([]ingest.SaveState, error) {
	docs, err := s.messageDocs(ctx, in)
	if err != nil {
		return nil, err
	}

	states := make([]ingest.SaveState, len(in))
	inserted := map[string]bool{}
	todo := make([]int, len(in))
	for i := range todo {
		todo[i] = i
	}

	// A second round stores the messages that got a collision key. A
	// third is needed only if that key is taken by other content too.
	for round := 0; len(todo) > 0; round++ {
		if round == 2 {
			return nil, fmt.Errorf("save message %s: %w", docs[todo[0]].Key, ErrDuplicate)
		}
		todo, err = s.saveRound(ctx, in, docs, todo, states, inserted)
		if err != nil {
			return nil, err
		}
	}
	return states, nil
}

// saveRound inserts docs[todo], fills states for those it settles and
// returns the positions that need another round under a new key.
func (s *Store) saveRound(ctx context.Context, in []*ingest.Inbound, docs []*MessageDoc, todo []int, states []ingest.SaveState, inserted map[string]bool) ([]int, error) {
	batch := make([]*MessageDoc, len(todo))
	for j, i := range todo {
		batch[j] = docs[i]
	}
	dups, err := insertNew(ctx, s.messages, batch)
	if err != nil {
		return nil, fmt.Errorf("save messages: %w", err)
	}

	isDup := make([]bool, len(todo))
	for _, j := range dups {
		isDup[j] = true
	}
	for j, i := range todo {
		if !isDup[j] {
			states[i] = ingest.SaveNew
			inserted[docs[i].Key] = true
		}
	}
	if len(dups) == 0 {
		return nil, nil
	}

	return s.settleDuplicates(ctx, in, docs, todo, dups, states, inserted)
}

// settleDuplicates reads the stored messages behind the duplicate keys of
// a round and decides each one's state or new key.
func (s *Store) settleDuplicates(ctx context.Context, in []*ingest.Inbound, docs []*MessageDoc, todo, dups []int, states []ingest.SaveState, inserted map[string]bool) ([]int, error) {
	keys := make([]string, len(dups))
	for n, j := range dups {
		keys[n] = docs[todo[j]].Key
	}
	stored, err := s.storedMessages(ctx, keys)
	if err != nil {
		return nil, err
	}

	var next []int
	for _, j := range dups {
		i := todo[j]
		d := docs[i]
		have, ok := stored[d.Key]
		if !ok {
			return nil, fmt.Errorf("save message %s: duplicate key but no stored message: %w", d.Key, ErrNotFound)
		}

		switch {
		case contentID(have) != contentID(d):
			d.Key = KeyForCollision(d.Key, contentID(d))
			in[i].Msg.Key = d.Key
			next = append(next, i)
		case inserted[d.Key] || have.Status.Final():
			states[i] = ingest.SaveDone
		default:
			states[i] = ingest.SavePending
		}
	}
	return next, nil
}

// KeyForCollision returns the key under which a message is stored when
// its key is taken by a message with other content: the key, "#" and the
// first 16 hex digits of the message's content hash. A key that already
// ends in that suffix is returned as it is.
func KeyForCollision(key, contentHash string) string {
	if len(contentHash) > 16 {
		contentHash = contentHash[:16]
	}
	suffix := "#" + contentHash
	if strings.HasSuffix(key, suffix) {
		return key
	}
	return key + suffix
}

// contentID returns the hash that tells two messages with one key apart:
// the content hash, or the raw hash for a message that was not parsed.
func contentID(d *MessageDoc) string {
	if d.ContentHash != "" {
		return d.ContentHash
	}
	return d.RawSHA256
}

// storedMessages reads the hashes and status of the messages with keys.
func (s *Store) storedMessages(ctx context.Context, keys []string) (map[string]*MessageDoc, error) {
	projection := bson.D{{Key: "content_hash", Value: 1}, {Key: "raw_sha256", Value: 1}}
	found, err := findByIDs[*MessageDoc](ctx, s, s.messages, keys, projection)
	if err != nil {
		return nil, fmt.Errorf("read stored messages: %w", err)
	}
	if err := s.fillOutcomes(ctx, found); err != nil {
		return nil, err
	}

	byKey := make(map[string]*MessageDoc, len(found))
	for _, d := range found {
		byKey[d.Key] = d
	}
	return byKey, nil
}

// messageDocs builds the documents of a batch, uploading large raw
// messages to the blob store.
func (s *Store) messageDocs(ctx context.Context, in []*ingest.Inbound) ([]*MessageDoc, error) {
	now := s.now()
	docs := make([]*MessageDoc, len(in))
	for i, item := range in {
		if item == nil || item.Msg == nil || item.Msg.Key == "" {
			return nil, fmt.Errorf("save messages: message %d has no key", i)
		}
		d := newMessageDoc(item, now)
		if err := s.attachRaw(ctx, d, item.Raw); err != nil {
			return nil, err
		}
		docs[i] = d
	}
	return docs, nil
}

// attachRaw keeps raw in d, or uploads it and names the blob in d when it
// is larger than the threshold.
func (s *Store) attachRaw(ctx context.Context, d *MessageDoc, raw []byte) error {
	if len(raw) <= s.blobThreshold {
		d.Raw = raw
		return nil
	}
	name, err := s.putRawBlob(ctx, raw, d.RawSHA256)
	if err != nil {
		return fmt.Errorf("save message %s: %w", d.Key, err)
	}
	d.RawBlob = name
	return nil
}

// withoutRaw leaves the inline raw bytes out of query results.
var withoutRaw = bson.D{{Key: "raw", Value: 0}}

// Message returns the archived message with key, without its raw bytes,
// or an error wrapping ErrNotFound.
func (s *Store) Message(ctx context.Context, key string) (*MessageDoc, error) {
	d, err := s.messageByID(ctx, key, withoutRaw)
	if err != nil {
		return nil, err
	}
	if err := s.fillOutcomes(ctx, []*MessageDoc{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// messageByID reads one message document with projection, or returns an
// error wrapping ErrNotFound.
func (s *Store) messageByID(ctx context.Context, key string, projection bson.D) (*MessageDoc, error) {
	var d MessageDoc
	opts := options.FindOne().SetProjection(projection)
	err := s.messages.FindOne(ctx, bson.D{{Key: "_id", Value: key}}, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("message %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read message %s: %w", key, err)
	}
	return &d, nil
}

// Raw returns the raw bytes of the message with key, from its document or
// the blob store, or an error wrapping ErrNotFound.
func (s *Store) Raw(ctx context.Context, key string) ([]byte, error) {
	d, err := s.messageByID(ctx, key, bson.D{{Key: "raw", Value: 1}, {Key: "raw_blob", Value: 1}})
	if err != nil {
		return nil, err
	}
	if d.RawBlob == "" {
		return d.Raw, nil
	}

	var buf bytes.Buffer
	if _, err := s.blobs.DownloadToStreamByName(ctx, d.RawBlob, &buf); err != nil {
		return nil, fmt.Errorf("read message %s: blob %s: %w", key, d.RawBlob, blobError(err))
	}
	return buf.Bytes(), nil
}

// MessagesByTicket returns the messages recorded on a ticket, oldest
// saved first, without raw bytes. A ticket with none returns an empty
// slice.
func (s *Store) MessagesByTicket(ctx context.Context, number string) ([]*MessageDoc, error) {
	keys, err := s.outcomeKeys(ctx, bson.D{{Key: "ticket", Value: number}}, bson.D{{Key: "_id", Value: 1}}, 0)
	if err != nil {
		return nil, fmt.Errorf("list messages of ticket %s: %w", number, err)
	}
	docs, err := s.messagesInOrder(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list messages of ticket %s: %w", number, err)
	}
	slices.SortStableFunc(docs, func(a, b *MessageDoc) int {
		return a.SavedAt.Compare(b.SavedAt)
	})
	return docs, nil
}

// ListQuarantine returns quarantined messages, the most recently
// quarantined first, without raw bytes; at most limit of them, or all
// when limit is zero or less.
func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]*MessageDoc, error) {
	return s.listByStatus(ctx, MessageQuarantined, limit)
}

// ListIgnored returns the messages kept but not applied to any ticket
// (automatic replies and list posts for no known ticket, our own mail
// coming back), newest first, at most limit.
func (s *Store) ListIgnored(ctx context.Context, limit int) ([]*MessageDoc, error) {
	return s.listByStatus(ctx, MessageIgnored, limit)
}

func (s *Store) listByStatus(ctx context.Context, status MessageStatus, limit int) ([]*MessageDoc, error) {
	filter := bson.D{{Key: "status", Value: status}}
	sort := bson.D{{Key: "finished_at", Value: -1}, {Key: "_id", Value: -1}}
	keys, err := s.outcomeKeys(ctx, filter, sort, limit)
	if err != nil {
		return nil, fmt.Errorf("list %s messages: %w", status, err)
	}
	docs, err := s.messagesInOrder(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list %s messages: %w", status, err)
	}
	return docs, nil
}

// messagesInOrder reads the messages with keys, without raw bytes and
// with their outcomes, in the order of keys. Keys with no message are
// left out.
func (s *Store) messagesInOrder(ctx context.Context, keys []string) ([]*MessageDoc, error) {
	found, err := findByIDs[*MessageDoc](ctx, s, s.messages, keys, withoutRaw)
	if err != nil {
		return nil, err
	}
	if err := s.fillOutcomes(ctx, found); err != nil {
		return nil, err
	}

	byKey := make(map[string]*MessageDoc, len(found))
	for _, d := range found {
		byKey[d.Key] = d
	}
	out := make([]*MessageDoc, 0, len(found))
	for _, k := range keys {
		if d, ok := byKey[k]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// findAll runs a find and decodes every result.
func findAll[T any](ctx context.Context, coll *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}
