package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Defaults for ImportOptions.
const (
	DefaultBatchDocs  = 500
	DefaultBatchBytes = 16 << 20
)

// Target is the store Import writes to. *store.Store implements it.
type Target interface {
	InsertRaw(ctx context.Context, collection string, docs []bson.Raw) (int, error)
	PutBlob(ctx context.Context, name string, r io.Reader) error
	OpenBlob(ctx context.Context, name string) (io.ReadCloser, error)
}

// ImportOptions configures Import.
type ImportOptions struct {
	// Collections lists the collections the target accepts, normally
	// store.ExportCollections. An archive with any other collection is
	// rejected before anything is written.
	Collections []string
	// TempDir holds a tar archive's files while they are restored; the
	// system's temporary folder when empty.
	TempDir string
	// Progress may be nil.
	Progress Progress
	// BatchDocs and BatchBytes bound one InsertRaw call; DefaultBatchDocs
	// and DefaultBatchBytes when zero or less.
	BatchDocs, BatchBytes int
}

// ImportResult describes a finished import.
type ImportResult struct {
	// Report is the verification that preceded the import.
	Report *Report
	// Read and Inserted count documents per collection. A document whose
	// _id was stored already is read but not inserted.
	Read, Inserted map[string]int64
	// Blobs counts the blobs written, raw messages kept as blobs included.
	Blobs int64
}

// Import verifies the archive at path, a folder or a gzip-compressed tar
// file, and restores it into dst: every collection in the manifest's
// order, every message's raw bytes from its .eml file, and every blob.
// It writes nothing unless every file matches the manifest, and returns
// an error wrapping ErrVerify with the report otherwise. Documents whose
// _id exists in dst are kept as stored, so an interrupted import can run
// again. Import does not check that dst is empty.
//
// A tar file is extracted to a temporary folder while it is verified, so
// the import needs as much free space there as the archive's files take.
func Import(ctx context.Context, dst Target, path string, opts ImportOptions) (*ImportResult, error) {
	if opts.BatchDocs <= 0 {
		opts.BatchDocs = DefaultBatchDocs
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	root, report, cleanup, err := openVerified(ctx, path, opts)
	if err != nil {
		return &ImportResult{Report: report}, err
	}
	defer cleanup()

	res := &ImportResult{Report: report, Read: map[string]int64{}, Inserted: map[string]int64{}}
	if err := checkCollections(report.Header, opts.Collections); err != nil {
		return res, err
	}
	r := &restorer{ctx: ctx, dst: dst, root: root, opts: opts, res: res}
	return res, r.run(report.Header)
}

// openVerified verifies the archive and returns the folder to restore
// from: the archive itself, or for a tar file a temporary copy that
// cleanup removes.
func openVerified(ctx context.Context, path string, opts ImportOptions) (*os.Root, *Report, func(), error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open archive: %w", err)
	}
	dir, cleanup := path, func() {}
	if !info.IsDir() {
		if dir, err = os.MkdirTemp(opts.TempDir, "keluhan-import-*"); err != nil {
			return nil, nil, nil, fmt.Errorf("create import folder: %w", err)
		}
		cleanup = func() {
			// A temporary copy of the archive; see ledger.close.
			_ = os.RemoveAll(dir)
		}
	}
	root, report, err := verifyInto(ctx, path, dir, !info.IsDir(), opts)
	if err != nil {
		cleanup()
		return nil, report, nil, err
	}
	return root, report, func() { root.Close(); cleanup() }, nil
}

func verifyInto(ctx context.Context, path, dir string, extract bool, opts ImportOptions) (*os.Root, *Report, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open archive folder: %w", err)
	}
	var into *os.Root
	if extract {
		into = root
	}
	s := newScanner(VerifyOptions{TempDir: opts.TempDir, Progress: opts.Progress}, into)
	defer s.close()
	report, err := s.run(ctx, path)
	if err == nil && !report.OK() {
		err = fmt.Errorf("import %s: %w", path, ErrVerify)
	}
	if err != nil {
		root.Close()
		return nil, report, err
	}
	return root, report, nil
}

// checkCollections rejects an archive naming a collection the target
// does not know, which a newer keluhan may have written.
func checkCollections(h Header, known []string) error {
	for _, c := range h.Collections {
		if !slices.Contains(known, c) {
			return fmt.Errorf("import: collection %q is unknown to this keluhan: %w", c, ErrUnsupported)
		}
	}
	return nil
}

// restorer is one run of Import after verification.
type restorer struct {
	ctx  context.Context
	dst  Target
	root *os.Root
	opts ImportOptions
	res  *ImportResult
}

func (r *restorer) run(h Header) error {
	for _, coll := range h.Collections {
		if err := r.restoreCollection(coll); err != nil {
			return fmt.Errorf("import %s: %w", coll, err)
		}
	}
	if err := r.restoreBlobs(); err != nil {
		return fmt.Errorf("import blobs: %w", err)
	}
	return nil
}

// restoreCollection inserts the documents of <coll>.jsonl in batches.
func (r *restorer) restoreCollection(coll string) error {
	b := &batch{r: r, coll: coll}
	toDoc := func(line []byte) (bson.Raw, error) {
		var doc bson.Raw
		if err := bson.UnmarshalExtJSON(line, false, &doc); err != nil {
			return nil, err
		}
		return doc, nil
	}
	if coll == messagesCollection {
		toDoc = r.messageDoc
	}

	err := r.eachLine(coll+jsonlSuffix, func(line []byte) error {
		doc, err := toDoc(line)
		if err != nil {
			return err
		}
		r.res.Read[coll]++
		r.progress(coll)
		return b.add(doc)
	})
	if err != nil {
		return err
	}
	return b.flush()
}

// eachLine calls fn with every line of the archive file name.
func (r *restorer) eachLine(name string, fn func([]byte) error) error {
	f, err := r.root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()

	br := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				return fmt.Errorf("%s line %d: %w", name, n, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
}

func (r *restorer) progress(kind string) {
	if r.opts.Progress != nil {
		r.opts.Progress(kind, 1)
	}
}

// batch collects documents for one InsertRaw call.
type batch struct {
	r     *restorer
	coll  string
	docs  []bson.Raw
	bytes int
}

func (b *batch) add(doc bson.Raw) error {
	b.docs = append(b.docs, doc)
	b.bytes += len(doc)
	if len(b.docs) >= b.r.opts.BatchDocs || b.bytes >= b.r.opts.BatchBytes {
		return b.flush()
	}
	return nil
}

func (b *batch) flush() error {
	if len(b.docs) == 0 {
		return nil
	}
	n, err := b.r.dst.InsertRaw(b.r.ctx, b.coll, b.docs)
	if err != nil {
		return err
	}
	b.r.res.Inserted[b.coll] += int64(n)
	clear(b.docs)
	b.docs, b.bytes = b.docs[:0], 0
	return nil
}
