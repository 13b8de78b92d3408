package archive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// The format this package writes and the newest it reads.
const (
	FormatName    = "keluhan-export"
	FormatVersion = 1
)

// Kinds counted in a manifest besides the collections, whose counts are
// their numbers of documents.
const (
	KindEML         = "eml"
	KindAttachments = "attachments"
	KindBlobs       = "blobs"
)

// Errors callers classify with errors.Is.
var (
	// ErrNoManifest means the archive has no manifest.json, or in a tar
	// file not as its last entry.
	ErrNoManifest = errors.New("archive has no manifest")
	// ErrUnsupported means the manifest names another format or a newer
	// version than this package reads.
	ErrUnsupported = errors.New("unsupported archive format")
	// ErrVerify means the archive's files do not match its manifest.
	ErrVerify = errors.New("archive does not match its manifest")
)

// Header is the manifest without its file list. CreatedAt and
// KeluhanVersion differ between two exports of the same data; every
// other field and the file list are equal.
type Header struct {
	Format         string    `json:"format"`
	FormatVersion  int       `json:"format_version"`
	CreatedAt      time.Time `json:"created_at"`
	KeluhanVersion string    `json:"keluhan_version"`
	// Collections lists the exported collections in the order import
	// restores them.
	Collections []string `json:"collections"`
	// Counts holds the number of documents per collection and the number
	// of files per KindEML, KindAttachments and KindBlobs.
	Counts map[string]int64 `json:"counts"`
}

// File is one archived file as the manifest lists it.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// writeManifest writes h followed by the file list, which entries holds
// as one JSON-encoded File per line, so that the list is never held in
// memory.
func writeManifest(w io.Writer, h Header, entries io.Reader) error {
	head, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	head = bytes.TrimSuffix(bytes.TrimRight(head, "\n"), []byte("}"))
	head = bytes.TrimRight(head, "\n")

	bw := bufio.NewWriter(w)
	bw.Write(head)
	bw.WriteString(",\n  \"files\": [")
	lines := bufio.NewScanner(entries)
	lines.Buffer(nil, 1<<20)
	sep := "\n    "
	for lines.Scan() {
		bw.WriteString(sep)
		bw.Write(lines.Bytes())
		sep = ",\n    "
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("write manifest: read file list: %w", err)
	}
	bw.WriteString("\n  ]\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// ReadManifest decodes a manifest, calling fn for each file entry in the
// order listed, and returns the header. It does not hold the file list.
// It returns an error wrapping ErrUnsupported for another format or a
// newer version, and stops at the first error fn returns.
func ReadManifest(r io.Reader, fn func(File) error) (Header, error) {
	var h Header
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return h, err
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return h, fmt.Errorf("read manifest: %w", err)
		}
		key, _ := tok.(string)
		if key == "files" {
			err = readFiles(dec, fn)
		} else {
			var v json.RawMessage
			err = dec.Decode(&v)
			fields[key] = v
		}
		if err != nil {
			return h, err
		}
	}
	if err := headerFrom(fields, &h); err != nil {
		return h, err
	}
	return h, nil
}

// headerFrom decodes the collected top-level fields and checks the
// format.
func headerFrom(fields map[string]json.RawMessage, h *Header) error {
	data, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(data, h); err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	if h.Format != FormatName || h.FormatVersion < 1 || h.FormatVersion > FormatVersion {
		return fmt.Errorf("manifest format %q version %d, this keluhan reads %q up to version %d: %w",
			h.Format, h.FormatVersion, FormatName, FormatVersion, ErrUnsupported)
	}
	return nil
}

func readFiles(dec *json.Decoder, fn func(File) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		var f File
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("read manifest file list: %w", err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("read manifest: found %v where %q belongs", tok, want)
	}
	return nil
}
