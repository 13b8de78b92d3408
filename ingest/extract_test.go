package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestExtractAttachment(t *testing.T) {
	tests := []struct {
		file  string
		index int
	}{
		{"C33-apple-alternative-with-mixed.eml", 2},
		{"C35-irregular-base64-lines.eml", 1},
		{"C37-rfc2231-filename-continuation.eml", 1},
		{"C27-tnef-winmail-dat.eml", 1},
		{"C29-outlook-meeting-invite.eml", 2},
		{"X06-html-only-inline-images.eml", 2},
		{"X15-attachment-names.eml", 5},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readCorpusFile(t, tt.file)
			m, err := Parse(raw, testOptions)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", tt.file, err)
			}
			var want Attachment
			for _, a := range m.Attachments {
				if a.Index == tt.index {
					want = a
				}
			}

			var out bytes.Buffer
			got, err := ExtractAttachment(raw, tt.index, &out)
			if err != nil {
				t.Fatalf("ExtractAttachment(%s, %d) error = %v", tt.file, tt.index, err)
			}
			if got != want {
				t.Errorf("ExtractAttachment(%s, %d) = %+v, want %+v as Parse lists it", tt.file, tt.index, got, want)
			}
			sum := sha256.Sum256(out.Bytes())
			if hex.EncodeToString(sum[:]) != want.SHA256 || int64(out.Len()) != want.Size {
				t.Errorf("ExtractAttachment(%s, %d) wrote %d bytes with SHA-256 %x, want %d bytes with %s",
					tt.file, tt.index, out.Len(), sum, want.Size, want.SHA256)
			}
		})
	}
}

func TestExtractAttachmentErrors(t *testing.T) {
	raw := readCorpusFile(t, "C33-apple-alternative-with-mixed.eml")
	tests := []struct {
		name  string
		index int
	}{
		{"body text", 0},
		{"html body", 1},
		{"past the end", 4},
		{"negative", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := ExtractAttachment(raw, tt.index, &out)
			if !errors.Is(err, ErrNoAttachment) {
				t.Errorf("ExtractAttachment(C33, %d) error = %v, want ErrNoAttachment", tt.index, err)
			}
			if out.Len() != 0 {
				t.Errorf("ExtractAttachment(C33, %d) wrote %d bytes, want none", tt.index, out.Len())
			}
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestExtractAttachmentWriteError(t *testing.T) {
	raw := readCorpusFile(t, "C33-apple-alternative-with-mixed.eml")
	_, err := ExtractAttachment(raw, 2, failingWriter{})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("ExtractAttachment(C33, 2, failing writer) error = %v, want errDiskFull", err)
	}
}
