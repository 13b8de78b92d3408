package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// rawBlobPrefix starts the blob name of a large raw message. The rest of
// the name is the hex SHA-256 of its bytes, so the same bytes are
// uploaded once under whatever key they are saved.
const rawBlobPrefix = "raw/"

// putRawBlob uploads a raw message unless a blob with its content exists,
// and returns the blob name.
func (s *Store) putRawBlob(ctx context.Context, raw []byte, rawSHA256 string) (string, error) {
	if rawSHA256 == "" {
		sum := sha256.Sum256(raw)
		rawSHA256 = hex.EncodeToString(sum[:])
	}
	name := rawBlobPrefix + rawSHA256

	exists, err := s.blobExists(ctx, name)
	if err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := s.blobs.UploadFromStream(ctx, name, bytes.NewReader(raw)); err != nil {
		return "", fmt.Errorf("upload blob %s: %w", name, err)
	}
	return name, nil
}

// blobExists reports whether a complete blob named name is stored. The
// driver writes the files document after the last chunk, so an upload
// that died halfway leaves no files document.
func (s *Store) blobExists(ctx context.Context, name string) (bool, error) {
	files := s.blobs.GetFilesCollection()
	err := files.FindOne(ctx, bson.D{{Key: "filename", Value: name}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up blob %s: %w", name, err)
	}
	return true, nil
}

// PutBlob stores the bytes of r under name, replacing an earlier blob of
// that name once the new one is complete.
func (s *Store) PutBlob(ctx context.Context, name string, r io.Reader) error {
	id, err := s.blobs.UploadFromStream(ctx, name, r)
	if err != nil {
		return fmt.Errorf("upload blob %s: %w", name, err)
	}
	return s.deleteOlderBlobs(ctx, name, id)
}

// deleteOlderBlobs deletes every blob named name except keep.
func (s *Store) deleteOlderBlobs(ctx context.Context, name string, keep bson.ObjectID) error {
	filter := bson.D{{Key: "filename", Value: name}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: keep}}}}
	cur, err := s.blobs.Find(ctx, filter)
	if err != nil {
		return fmt.Errorf("replace blob %s: %w", name, err)
	}
	var older []mongo.GridFSFile
	if err := cur.All(ctx, &older); err != nil {
		return fmt.Errorf("replace blob %s: %w", name, err)
	}
	for _, f := range older {
		if err := s.blobs.Delete(ctx, f.ID); err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
			return fmt.Errorf("replace blob %s: %w", name, err)
		}
	}
	return nil
}

// OpenBlob opens the newest blob named name for reading, or returns an
// error wrapping ErrNotFound. The caller closes the reader.
func (s *Store) OpenBlob(ctx context.Context, name string) (io.ReadCloser, error) {
	stream, err := s.blobs.OpenDownloadStreamByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", name, blobError(err))
	}
	return stream, nil
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Name       string
	Size       int64
	UploadedAt time.Time
}

// EachBlob calls fn for every stored blob, oldest first, including the
// raw messages kept outside their documents (names starting with
// "raw/"). It stops at the first error fn returns and returns it.
func (s *Store) EachBlob(ctx context.Context, fn func(BlobInfo) error) error {
	cur, err := s.blobs.Find(ctx, bson.D{},
		options.GridFSFind().SetSort(bson.D{{Key: "uploadDate", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("list blobs: %w", err)
	}
	defer closeCursor(ctx, cur)

	for cur.Next(ctx) {
		var f mongo.GridFSFile
		if err := cur.Decode(&f); err != nil {
			return fmt.Errorf("list blobs: %w", err)
		}
		if err := fn(BlobInfo{Name: f.Name, Size: f.Length, UploadedAt: f.UploadDate}); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("list blobs: %w", err)
	}
	return nil
}

// blobError maps the driver's missing-file error to ErrNotFound.
func blobError(err error) error {
	if errors.Is(err, mongo.ErrFileNotFound) {
		return ErrNotFound
	}
	return err
}

// closeCursor closes a cursor whose iteration already reported any error
// that mattered.
func closeCursor(ctx context.Context, cur *mongo.Cursor) {
	// A failed close only leaves a server cursor to time out.
	_ = cur.Close(ctx)
}
