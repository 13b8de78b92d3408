package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// maxListed is how many names of each kind of mismatch a Report keeps;
// the counts include all.
const maxListed = 20

// Report is the result of Verify. It lists at most maxListed names per
// kind of mismatch and counts all of them.
type Report struct {
	// Header is the manifest without its file list.
	Header Header
	// ManifestSHA256 is the hex SHA-256 of manifest.json, to compare with
	// the one recorded when the archive was written.
	ManifestSHA256 string
	// Checked counts the files the manifest lists.
	Checked int64
	// Missing names listed files that are not in the archive.
	Missing      []string
	MissingCount int
	// Extra names files the manifest does not list, files stored twice,
	// and entries that are not regular files or leave the archive.
	Extra      []string
	ExtraCount int
	// Changed lists files whose size or SHA-256 differ.
	Changed      []Change
	ChangedCount int
	// Counts lists the kinds whose number of documents or files differs
	// from the manifest's count.
	Counts []CountMismatch
}

// Change is a file whose content differs from the manifest.
type Change struct {
	Want, Got File
}

// CountMismatch is a kind whose count differs from the manifest's.
type CountMismatch struct {
	Kind      string
	Want, Got int64
}

// OK reports whether the archive matches its manifest in every file and
// count.
func (r *Report) OK() bool {
	return r.MissingCount == 0 && r.ExtraCount == 0 && r.ChangedCount == 0 && len(r.Counts) == 0
}

func (r *Report) missing(name string) {
	r.MissingCount++
	if len(r.Missing) < maxListed {
		r.Missing = append(r.Missing, name)
	}
}

func (r *Report) extra(name string) {
	r.ExtraCount++
	if len(r.Extra) < maxListed {
		r.Extra = append(r.Extra, name)
	}
}

func (r *Report) changed(c Change) {
	r.ChangedCount++
	if len(r.Changed) < maxListed {
		r.Changed = append(r.Changed, c)
	}
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// TempDir holds a copy of the manifest while the archive is read;
	// the system's temporary folder when empty.
	TempDir string
	// Progress may be nil. It receives KindEML, KindAttachments, KindBlobs
	// or "file" for each file read.
	Progress Progress
}

// Verify reads every file of the archive at path, a folder or a
// gzip-compressed tar file, and compares its size and SHA-256 with the
// manifest, and the number of documents and files with the manifest's
// counts. Mismatches are in the Report, not errors. It returns an error
// wrapping ErrNoManifest when there is no manifest, ErrUnsupported for a
// format it cannot read, and the error of any read that fails.
//
// NOTE: Verify holds the name, size and checksum of every file in memory
// while it compares, about 150 bytes per file.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*Report, error) {
	s := newScanner(opts, nil)
	defer s.close()
	return s.run(ctx, path)
}

// fileSum is the size and SHA-256 of a file as read.
type fileSum struct {
	size int64
	sum  [sha256.Size]byte
}

// scanner is one pass over an archive: it hashes every file, optionally
// copies it into a folder, then compares with the manifest.
type scanner struct {
	opts     VerifyOptions
	extract  *os.Root
	report   Report
	actual   map[string]fileSum
	lines    map[string]int64
	kinds    map[string]int64
	manifest *os.File
}

func newScanner(opts VerifyOptions, extract *os.Root) *scanner {
	return &scanner{
		opts: opts, extract: extract,
		actual: map[string]fileSum{}, lines: map[string]int64{}, kinds: map[string]int64{},
	}
}

func (s *scanner) close() {
	if s.manifest != nil {
		// A temporary copy; see ledger.close.
		_ = s.manifest.Close()
		_ = os.Remove(s.manifest.Name())
	}
}

func (s *scanner) run(ctx context.Context, path string) (*Report, error) {
	w := walkFunc{file: s.file, bad: func(name, _ string) { s.report.extra(name) }}
	if err := walkArchive(ctx, path, w); err != nil {
		return nil, err
	}
	if s.manifest == nil {
		return nil, fmt.Errorf("verify %s: %w", path, ErrNoManifest)
	}
	if err := s.compare(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	return &s.report, nil
}

// file hashes one file of the archive, and copies it when extracting.
func (s *scanner) file(name string, r io.Reader) error {
	if name == manifestName {
		return s.keepManifest(r)
	}
	if _, dup := s.actual[name]; dup {
		s.report.extra(name)
		return nil
	}

	h := sha256.New()
	count := &lineCounter{}
	writers := []io.Writer{h}
	if isCollectionFile(name) {
		writers = append(writers, count)
	}
	out, err := s.extractTo(name)
	if err != nil {
		return err
	}
	if out != nil {
		writers = append(writers, out)
	}
	n, err := io.Copy(io.MultiWriter(writers...), r)
	if out != nil {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}

	var sum fileSum
	sum.size = n
	h.Sum(sum.sum[:0])
	s.actual[name] = sum
	s.tally(name, count.n)
	return nil
}

// keepManifest copies manifest.json to a temporary file and hashes it. A
// second manifest is an extra file.
func (s *scanner) keepManifest(r io.Reader) error {
	if s.manifest != nil {
		s.report.extra(manifestName)
		return nil
	}
	f, err := os.CreateTemp(s.opts.TempDir, "keluhan-manifest-*.json")
	if err != nil {
		return fmt.Errorf("copy manifest: %w", err)
	}
	s.manifest = f
	hw := newHashingWriter(f)
	if _, err := io.Copy(hw, r); err != nil {
		return fmt.Errorf("copy manifest: %w", err)
	}
	s.report.ManifestSHA256 = hw.file(manifestName).SHA256
	return nil
}

// extractTo creates name in the extraction folder, or returns nil when
// not extracting.
func (s *scanner) extractTo(name string) (*os.File, error) {
	if s.extract == nil {
		return nil, nil
	}
	if i := strings.LastIndexByte(name, '/'); i > 0 {
		if err := s.extract.MkdirAll(name[:i], dirPerm); err != nil {
			return nil, fmt.Errorf("extract %s: %w", name, err)
		}
	}
	f, err := s.extract.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", name, err)
	}
	return f, nil
}

// tally counts a file towards its kind, and the lines of a collection
// file towards its collection.
func (s *scanner) tally(name string, lines int64) {
	kind := "file"
	switch {
	case isCollectionFile(name):
		s.lines[strings.TrimSuffix(name, jsonlSuffix)] = lines
	case strings.HasPrefix(name, messagesDir) && strings.HasSuffix(name, emlSuffix):
		kind = KindEML
	case strings.HasPrefix(name, attachmentsDir):
		kind = KindAttachments
	case strings.HasPrefix(name, blobsDir):
		kind = KindBlobs
	}
	s.kinds[kind]++
	if s.opts.Progress != nil {
		s.opts.Progress(kind, 1)
	}
}

// isCollectionFile reports whether name is a .jsonl file at the top of
// the archive.
func isCollectionFile(name string) bool {
	return strings.HasSuffix(name, jsonlSuffix) && !strings.Contains(name, "/")
}

// compare reads the manifest and fills the report.
func (s *scanner) compare() error {
	if _, err := s.manifest.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	h, err := ReadManifest(s.manifest, func(want File) error {
		s.report.Checked++
		got, ok := s.actual[want.Name]
		switch {
		case !ok:
			s.report.missing(want.Name)
		case got.size != want.Size || hex.EncodeToString(got.sum[:]) != want.SHA256:
			s.report.changed(Change{Want: want, Got: File{Name: want.Name, Size: got.size, SHA256: hex.EncodeToString(got.sum[:])}})
		}
		delete(s.actual, want.Name)
		return nil
	})
	if err != nil {
		return err
	}
	s.report.Header = h

	extra := make([]string, 0, len(s.actual))
	for name := range s.actual {
		extra = append(extra, name)
	}
	slices.Sort(extra)
	for _, name := range extra {
		s.report.extra(name)
	}
	s.compareCounts(h)
	return nil
}

// compareCounts checks each count of the manifest, and each counted kind
// of file, against what the archive holds.
func (s *scanner) compareCounts(h Header) {
	got := map[string]int64{
		KindEML:         s.kinds[KindEML],
		KindAttachments: s.kinds[KindAttachments],
		KindBlobs:       s.kinds[KindBlobs],
	}
	for _, coll := range h.Collections {
		got[coll] = s.lines[coll]
	}
	kinds := make([]string, 0, len(got)+len(h.Counts))
	for k := range got {
		kinds = append(kinds, k)
	}
	for k := range h.Counts {
		if _, ok := got[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if got[k] != h.Counts[k] {
			s.report.Counts = append(s.report.Counts, CountMismatch{Kind: k, Want: h.Counts[k], Got: got[k]})
		}
	}
}

// lineCounter counts newline bytes.
type lineCounter struct{ n int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}
