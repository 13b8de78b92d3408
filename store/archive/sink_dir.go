package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Archives hold personal data, so only their owner may read them.
const (
	filePerm = 0o600
	dirPerm  = 0o700
)

// dirSink writes an archive as a folder. It builds the folder under a
// temporary name beside out and renames it to out once the manifest is
// written, so that out never holds a partial archive.
type dirSink struct {
	out, tmp string
	list     *ledger
}

func newDirSink(out string, l *ledger) (*dirSink, error) {
	if err := checkDirTarget(out); err != nil {
		return nil, err
	}
	parent, pattern := partialName(out)
	tmp, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return nil, fmt.Errorf("create archive folder: %w", err)
	}
	return &dirSink{out: out, tmp: tmp, list: l}, nil
}

// checkDirTarget accepts a missing path or an empty folder.
func checkDirTarget(out string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("export to %s: %w", out, ErrExists)
	}
	if len(entries) > 0 {
		return fmt.Errorf("export to %s: folder is not empty: %w", out, ErrExists)
	}
	return nil
}

func (s *dirSink) ledger() *ledger { return s.list }

func (s *dirSink) open(name string) (*os.File, error) {
	path := filepath.Join(s.tmp, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return f, nil
}

func (s *dirSink) put(name string, size int64, r io.Reader) (File, error) {
	df, err := s.createFile(name)
	if err != nil {
		return File{}, err
	}
	if err := copyExact(df, r, size, name); err != nil {
		// The copy error is the one to report; abort removes the file.
		_ = df.f.Close()
		return File{}, err
	}
	if err := df.Close(); err != nil {
		return File{}, err
	}
	return df.done, nil
}

func (s *dirSink) create(name string) (fileWriter, error) {
	return s.createFile(name)
}

func (s *dirSink) createFile(name string) (*dirFile, error) {
	f, err := s.open(name)
	if err != nil {
		return nil, err
	}
	return &dirFile{f: f, hw: newHashingWriter(f), name: name, list: s.list}, nil
}

// dirFile is a file of a folder archive being written.
type dirFile struct {
	f    *os.File
	hw   *hashingWriter
	name string
	list *ledger
	done File
}

func (d *dirFile) listed() File { return d.done }

func (d *dirFile) Write(p []byte) (int, error) { return d.hw.Write(p) }

// Close syncs and closes the file and lists it.
func (d *dirFile) Close() error {
	if err := d.f.Sync(); err != nil {
		_ = d.f.Close() // the sync error is the one to report
		return fmt.Errorf("write %s: %w", d.name, err)
	}
	if err := d.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", d.name, err)
	}
	d.done = d.hw.file(d.name)
	return d.list.add(d.done)
}

func (s *dirSink) finish(h Header) (string, error) {
	f, err := s.open(manifestName)
	if err != nil {
		return "", err
	}
	hw := newHashingWriter(f)
	entries, err := s.list.entries()
	if err == nil {
		err = writeManifest(hw, h, entries)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write manifest: %w", err)
	}
	if err := s.publish(); err != nil {
		return "", err
	}
	return hw.file(manifestName).SHA256, nil
}

// publish renames the finished folder to out, replacing an empty folder
// there.
func (s *dirSink) publish() error {
	syncDir(s.tmp)
	if err := os.Remove(s.out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace empty folder %s: %w", s.out, err)
	}
	if err := os.Rename(s.tmp, s.out); err != nil {
		return fmt.Errorf("move archive to %s: %w", s.out, err)
	}
	syncDir(filepath.Dir(s.out))
	return nil
}

func (s *dirSink) abort() {
	// A partial archive left behind is visible by its ".partial-" name;
	// removing it is a courtesy.
	_ = os.RemoveAll(s.tmp)
}
