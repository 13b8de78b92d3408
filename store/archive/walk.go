package archive

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// walkFunc receives the entries of an archive. file receives each
// regular file. bad receives, with the reason, each entry that is not a
// regular file or whose name is not a plain relative path, and such an
// entry is never read.
type walkFunc struct {
	file func(name string, r io.Reader) error
	bad  func(name, reason string)
}

// walkArchive calls w for every entry of the archive at p, a folder or a
// gzip-compressed tar file, in the archive's order: lexical for a folder,
// as written for a tar file. Folders themselves are skipped.
func walkArchive(ctx context.Context, p string, w walkFunc) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	if info.IsDir() {
		return walkDir(ctx, p, w)
	}
	return walkTar(ctx, p, w)
}

func walkDir(ctx context.Context, root string, w walkFunc) error {
	return filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read archive folder: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, full)
		if err != nil {
			return fmt.Errorf("read archive folder: %w", err)
		}
		name := filepath.ToSlash(rel)
		switch {
		case !d.Type().IsRegular():
			w.bad(name, "not a regular file")
			return nil
		case !isPlainName(name):
			w.bad(name, "not a plain relative path")
			return nil
		}
		return readFile(full, name, w.file)
	})
}

func readFile(full, name string, fn func(string, io.Reader) error) error {
	f, err := os.Open(full)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	return fn(name, f)
}

func walkTar(ctx context.Context, p string, w walkFunc) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("open archive %s: not a gzip-compressed tar file: %w", p, err)
	}
	defer gz.Close()

	tr := tar.NewReader(gz)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive %s: %w", p, err)
		}
		if err := walkTarEntry(hdr, tr, w); err != nil {
			return err
		}
	}
}

func walkTarEntry(hdr *tar.Header, r io.Reader, w walkFunc) error {
	switch {
	case hdr.Typeflag == tar.TypeDir:
		return nil
	case !hdr.FileInfo().Mode().IsRegular():
		w.bad(hdr.Name, "not a regular file")
		return nil
	case !isPlainName(hdr.Name):
		w.bad(hdr.Name, "not a plain relative path")
		return nil
	}
	return w.file(hdr.Name, r)
}

// isPlainName reports whether name is a clean, relative, slash-separated
// path that stays inside the archive.
func isPlainName(name string) bool {
	return name != "" && !strings.Contains(name, `\`) && path.Clean(name) == name && filepath.IsLocal(filepath.FromSlash(name))
}
