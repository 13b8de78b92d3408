package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// tarSink writes an archive as a gzip-compressed tar file. A tar header
// needs the file's size, so a file of unknown size is first written to a
// temporary file. The archive is built under a temporary name beside out
// and renamed to out once the manifest is written.
type tarSink struct {
	out, tempDir string
	modTime      time.Time
	f            *os.File
	gz           *gzip.Writer
	tw           *tar.Writer
	list         *ledger
}

func newTarSink(out, tempDir string, modTime time.Time, l *ledger) (*tarSink, error) {
	if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("export to %s: %w", out, ErrExists)
	}
	parent, pattern := partialName(out)
	f, err := os.CreateTemp(parent, pattern)
	if err != nil {
		return nil, fmt.Errorf("create archive file: %w", err)
	}
	gz := gzip.NewWriter(f)
	return &tarSink{out: out, tempDir: tempDir, modTime: modTime, f: f, gz: gz, tw: tar.NewWriter(gz), list: l}, nil
}

func (s *tarSink) ledger() *ledger { return s.list }

func (s *tarSink) put(name string, size int64, r io.Reader) (File, error) {
	f, err := s.write(name, size, r)
	if err != nil {
		return File{}, err
	}
	return f, s.list.add(f)
}

// write adds one entry without listing it.
func (s *tarSink) write(name string, size int64, r io.Reader) (File, error) {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     filePerm,
		ModTime:  s.modTime,
		Format:   tar.FormatPAX,
	}
	if err := s.tw.WriteHeader(hdr); err != nil {
		return File{}, fmt.Errorf("write %s: %w", name, err)
	}
	hw := newHashingWriter(s.tw)
	if err := copyExact(hw, r, size, name); err != nil {
		return File{}, err
	}
	return hw.file(name), nil
}

func (s *tarSink) create(name string) (fileWriter, error) {
	spool, err := os.CreateTemp(s.tempDir, "keluhan-export-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return &spooledFile{file: spool, name: name, sink: s}, nil
}

// spooledFile collects a file of a tar archive in a temporary file and
// adds it to the archive on Close.
type spooledFile struct {
	// file is not embedded: its ReadFrom would let io.Copy bypass Write
	// and the size count.
	file *os.File
	name string
	sink *tarSink
	size int64
	done File
}

func (sf *spooledFile) listed() File { return sf.done }

func (sf *spooledFile) Write(p []byte) (int, error) {
	n, err := sf.file.Write(p)
	sf.size += int64(n)
	return n, err
}

func (sf *spooledFile) Close() error {
	defer func() {
		// The spool is a temporary file; see ledger.close.
		_ = sf.file.Close()
		_ = os.Remove(sf.file.Name())
	}()
	if _, err := sf.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("write %s: %w", sf.name, err)
	}
	f, err := sf.sink.put(sf.name, sf.size, sf.file)
	sf.done = f
	return err
}

func (s *tarSink) finish(h Header) (string, error) {
	spool, err := s.create(manifestName)
	if err != nil {
		return "", err
	}
	sf := spool.(*spooledFile)
	defer func() {
		// The spool is a temporary file; see ledger.close.
		_ = sf.file.Close()
		_ = os.Remove(sf.file.Name())
	}()

	entries, err := s.list.entries()
	if err == nil {
		err = writeManifest(sf, h, entries)
	}
	if err != nil {
		return "", fmt.Errorf("write manifest: %w", err)
	}
	if _, err := sf.file.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("write manifest: %w", err)
	}
	m, err := s.write(manifestName, sf.size, sf.file)
	if err != nil {
		return "", err
	}
	return m.SHA256, s.publish()
}

// publish closes the tar and gzip streams, syncs the file and renames it
// to out.
func (s *tarSink) publish() error {
	if err := s.tw.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	if err := s.gz.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	if err := os.Rename(s.f.Name(), s.out); err != nil {
		return fmt.Errorf("move archive to %s: %w", s.out, err)
	}
	syncDir(filepath.Dir(s.out))
	return nil
}

func (s *tarSink) abort() {
	// See dirSink.abort.
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}
