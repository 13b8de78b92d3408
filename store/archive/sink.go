package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrExists means the export's destination exists and is not an empty
// folder, so writing there could mix two archives.
var ErrExists = errors.New("destination exists")

// sink receives the files of an archive one after another and lists each
// in a ledger for the manifest. Its methods are not safe for concurrent
// use.
type sink interface {
	// put stores a file of exactly size bytes read from r.
	put(name string, size int64, r io.Reader) (File, error)
	// create opens a file whose size is known only when it is closed;
	// Close stores it.
	create(name string) (fileWriter, error)
	// finish writes the manifest last, makes the archive appear at its
	// destination and returns the manifest's SHA-256.
	finish(h Header) (string, error)
	// abort removes what was written. It is safe after finish failed.
	abort()
	// ledger returns the file list, which the caller closes.
	ledger() *ledger
}

// fileWriter is a file of an archive being written. After Close returned
// nil, listed returns its entry in the manifest.
type fileWriter interface {
	io.WriteCloser
	listed() File
}

// isTarName reports whether an export to out is a gzip-compressed tar
// file rather than a folder.
func isTarName(out string) bool {
	lower := strings.ToLower(out)
	return strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz")
}

// newSink opens the sink for out, a .tar.gz or .tgz file or a folder.
// Temporary files go to tempDir, or the system's when it is empty.
func newSink(out, tempDir string, h Header) (sink, error) {
	l, err := newLedger(tempDir)
	if err != nil {
		return nil, err
	}
	var s sink
	if isTarName(out) {
		s, err = newTarSink(out, tempDir, h.CreatedAt, l)
	} else {
		s, err = newDirSink(out, l)
	}
	if err != nil {
		l.close()
		return nil, err
	}
	return s, nil
}

// ledger lists the files written so far, one JSON line each in a
// temporary file, so that the manifest's file list is never held in
// memory.
type ledger struct {
	spool        *os.File
	files, bytes int64
}

func newLedger(tempDir string) (*ledger, error) {
	f, err := os.CreateTemp(tempDir, "keluhan-export-files-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("create file list: %w", err)
	}
	return &ledger{spool: f}, nil
}

func (l *ledger) add(f File) error {
	line, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("list %s: %w", f.Name, err)
	}
	if _, err := l.spool.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("list %s: %w", f.Name, err)
	}
	l.files++
	l.bytes += f.Size
	return nil
}

// entries rewinds the list for reading.
func (l *ledger) entries() (io.Reader, error) {
	if _, err := l.spool.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read file list: %w", err)
	}
	return l.spool, nil
}

func (l *ledger) close() {
	// The list is a temporary file; failing to remove it leaves litter
	// in the temporary folder and nothing else.
	_ = l.spool.Close()
	_ = os.Remove(l.spool.Name())
}

// hashingWriter passes bytes on to w, counting and hashing them.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newHashingWriter(w io.Writer) *hashingWriter {
	return &hashingWriter{w: w, h: sha256.New()}
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

func (hw *hashingWriter) file(name string) File {
	return File{Name: name, Size: hw.n, SHA256: hex.EncodeToString(hw.h.Sum(nil))}
}

// copyExact copies exactly size bytes from r to w and fails when r holds
// fewer or more.
func copyExact(w io.Writer, r io.Reader, size int64, name string) error {
	n, err := io.Copy(w, io.LimitReader(r, size))
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("write %s: got %d bytes, expected %d", name, n, size)
	}
	var probe [1]byte
	if m, _ := r.Read(probe[:]); m > 0 {
		return fmt.Errorf("write %s: more than the expected %d bytes", name, size)
	}
	return nil
}

// syncDir flushes a folder's entries, so that a rename into it survives
// a power loss.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	// Some file systems and platforms cannot sync a folder; the files
	// themselves were synced before the rename.
	_ = d.Sync()
	_ = d.Close()
}

// partialName returns the temporary name next to out under which an
// archive is built before it is renamed to out.
func partialName(out string) (dir, pattern string) {
	return filepath.Dir(out), "." + filepath.Base(out) + ".partial-*"
}
