package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/store"
)

// messagesCollection is the collection whose documents carry raw email
// and get .eml and attachment files.
const messagesCollection = "messages"

// rawBlobPrefix starts the names of blobs that hold raw messages, which
// the archive keeps as .eml files instead, as store.EachBlob documents.
const rawBlobPrefix = "raw/"

// Source is the store Export reads from. *store.Store implements it.
type Source interface {
	EachRaw(ctx context.Context, collection string, fn func(bson.Raw) error) error
	EachBlob(ctx context.Context, fn func(store.BlobInfo) error) error
	OpenBlob(ctx context.Context, name string) (io.ReadCloser, error)
}

// Progress receives every document and file that an export, verification
// or import handles, with kind a collection name, KindEML,
// KindAttachments or KindBlobs. It is called from the goroutine doing the
// work.
type Progress func(kind string, n int)

// ExportOptions configures Export.
type ExportOptions struct {
	// Collections lists the collections to export, in the order import
	// should restore them, normally store.ExportCollections. It must not
	// be empty.
	Collections []string
	// KeluhanVersion is recorded in the manifest.
	KeluhanVersion string
	// TempDir holds temporary files; the system's temporary folder when
	// empty.
	TempDir string
	// Now returns the creation time; time.Now when nil.
	Now func() time.Time
	// Progress may be nil.
	Progress Progress
}

// Result describes a finished export.
type Result struct {
	// Header is the manifest without its file list.
	Header Header
	// ManifestSHA256 is the hex SHA-256 of manifest.json.
	ManifestSHA256 string
	// Files and Bytes count the files before manifest.json and their
	// total size.
	Files, Bytes int64
	// AttachmentErrors counts attachments that could not be extracted;
	// each is named with its error in messages.jsonl.
	AttachmentErrors int
}

// Export writes every collection of src, every inbound message as .eml
// with its attachments, and every blob to an archive at out: a
// gzip-compressed tar file when out ends in .tar.gz or .tgz, a folder
// otherwise. out must not exist, or be an empty folder; otherwise Export
// returns an error wrapping ErrExists. The archive appears at out only
// when complete. Memory use does not grow with the number of documents:
// each document is written as it is read, and the file list goes
// through a temporary file.
//
// NOTE: the collections are read one after another, not at one instant.
// Data that changes during an export may be caught in one collection and
// missed in another. Export while the daemon is stopped for an exact
// copy.
func Export(ctx context.Context, src Source, out string, opts ExportOptions) (*Result, error) {
	if len(opts.Collections) == 0 {
		return nil, errors.New("export: no collections named")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := Header{
		Format: FormatName, FormatVersion: FormatVersion,
		CreatedAt: opts.Now().UTC(), KeluhanVersion: opts.KeluhanVersion,
		Collections: opts.Collections,
		Counts:      map[string]int64{KindEML: 0, KindAttachments: 0, KindBlobs: 0},
	}
	s, err := newSink(out, opts.TempDir, h)
	if err != nil {
		return nil, err
	}
	defer s.ledger().close()

	e := &exporter{ctx: ctx, src: src, sink: s, opts: opts, counts: h.Counts}
	res, err := e.run(h)
	if err != nil {
		s.abort()
		return nil, err
	}
	return res, nil
}

// exporter is one run of Export.
type exporter struct {
	ctx    context.Context
	src    Source
	sink   sink
	opts   ExportOptions
	counts map[string]int64
	// attachmentErrors counts attachments that failed to extract.
	attachmentErrors int
}

func (e *exporter) run(h Header) (*Result, error) {
	for _, coll := range e.opts.Collections {
		if err := e.exportCollection(coll); err != nil {
			return nil, err
		}
	}
	if err := e.exportBlobs(); err != nil {
		return nil, err
	}

	sum, err := e.sink.finish(h)
	if err != nil {
		return nil, err
	}
	l := e.sink.ledger()
	return &Result{Header: h, ManifestSHA256: sum, Files: l.files, Bytes: l.bytes, AttachmentErrors: e.attachmentErrors}, nil
}

func (e *exporter) progress(kind string) {
	e.counts[kind]++
	if e.opts.Progress != nil {
		e.opts.Progress(kind, 1)
	}
}

// exportCollection writes <coll>.jsonl, one document per line; messages
// also get their .eml and attachment files.
func (e *exporter) exportCollection(coll string) error {
	w, err := e.sink.create(coll + jsonlSuffix)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	e.counts[coll] = 0

	write := func(doc bson.Raw) error {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if err := e.writeLine(bw, doc); err != nil {
			return fmt.Errorf("export %s: %w", coll, err)
		}
		e.progress(coll)
		return nil
	}
	if coll == messagesCollection {
		write = e.messageWriter(bw)
	}

	if err := e.src.EachRaw(e.ctx, coll, write); err != nil {
		_ = w.Close() // the read error is the one to report
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = w.Close() // the write error is the one to report
		return fmt.Errorf("export %s: %w", coll, err)
	}
	return w.Close()
}

// writeLine writes doc as relaxed Extended JSON and a newline.
func (e *exporter) writeLine(w *bufio.Writer, doc any) error {
	line, err := bson.MarshalExtJSON(doc, false, false)
	if err != nil {
		return err
	}
	if _, err := w.Write(line); err != nil {
		return err
	}
	return w.WriteByte('\n')
}

// blobLine is one line of blobs.jsonl.
type blobLine struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// exportBlobs writes every blob except raw messages to blobs/ and lists
// them in blobs.jsonl. A name stored in several versions, which a
// replacement interrupted by a crash leaves, is written once, as OpenBlob
// reads it.
func (e *exporter) exportBlobs() error {
	w, err := e.sink.create(blobsListName)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	seen := map[string]bool{}

	err = e.src.EachBlob(e.ctx, func(b store.BlobInfo) error {
		if strings.HasPrefix(b.Name, rawBlobPrefix) || seen[b.Name] {
			return nil
		}
		seen[b.Name] = true
		line, err := e.exportBlob(b)
		if err != nil {
			return err
		}
		return enc.Encode(line)
	})
	if err != nil {
		_ = w.Close() // the export error is the one to report
		return fmt.Errorf("export blobs: %w", err)
	}
	return w.Close()
}

func (e *exporter) exportBlob(b store.BlobInfo) (blobLine, error) {
	if err := e.ctx.Err(); err != nil {
		return blobLine{}, err
	}
	r, err := e.src.OpenBlob(e.ctx, b.Name)
	if err != nil {
		return blobLine{}, err
	}
	defer r.Close()

	// The size comes from the copy: b describes the oldest version of
	// the name, while OpenBlob reads the newest.
	w, err := e.sink.create(blobName(b.Name))
	if err != nil {
		return blobLine{}, err
	}
	if _, err := io.Copy(w, r); err != nil {
		_ = w.Close() // the copy error is the one to report
		return blobLine{}, fmt.Errorf("export blob %s: %w", b.Name, err)
	}
	if err := w.Close(); err != nil {
		return blobLine{}, err
	}
	f := w.listed()
	e.progress(KindBlobs)
	return blobLine{Name: b.Name, File: f.Name, Size: f.Size, SHA256: f.SHA256}, nil
}
