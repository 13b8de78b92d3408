package ingest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// largeAttachmentMessage returns a message with a random attachment of
// size bytes, base64-encoded in 76-character lines, and the hex SHA-256
// of the attachment.
func largeAttachmentMessage(t testing.TB, size int) ([]byte, string) {
	t.Helper()
	content := make([]byte, size)
	if _, err := rand.Read(content); err != nil {
		t.Fatalf("random content: %v", err)
	}
	sum := sha256.Sum256(content)

	var raw bytes.Buffer
	raw.WriteString("From: Kantor Kuasa <cs@kuasa.example.com>\r\nTo: helpdesk@layanan.example.go.id\r\n" +
		"Subject: Scan dokumen\r\nMessage-ID: <large@kuasa.example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\n" +
		"Terlampir scan dokumen.\r\n--big\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	encoded := base64.StdEncoding.EncodeToString(content)
	for len(encoded) > 76 {
		raw.WriteString(encoded[:76] + "\r\n")
		encoded = encoded[76:]
	}
	raw.WriteString(encoded + "\r\n--big--\r\n")
	return raw.Bytes(), hex.EncodeToString(sum[:])
}

func TestParseLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 25 MB attachment; run without -short")
	}
	const size = 25 << 20
	raw, want := largeAttachmentMessage(t, size)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Parse(raw, ParseOptions{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Parse(25 MB attachment) error = %v", err)
	}

	if len(m.Attachments) != 1 || m.Attachments[0].SHA256 != want || m.Attachments[0].Size != size {
		t.Fatalf("Parse(25 MB attachment).Attachments = %+v, want one of %d bytes with SHA-256 %s", m.Attachments, size, want)
	}
	// The attachment is hashed while it is decoded, so Parse allocates a
	// small fraction of it. The bound leaves room for the runtime and the
	// text parts; a copy of the attachment would exceed it.
	const maxAllocated = 8 << 20
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > maxAllocated {
		t.Errorf("Parse(25 MB attachment) allocated %d bytes, want at most %d", allocated, maxAllocated)
	}
}

func TestExtractLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 25 MB attachment; run without -short")
	}
	raw, want := largeAttachmentMessage(t, 25<<20)
	sum := sha256.New()
	a, err := ExtractAttachment(raw, 1, sum)
	if err != nil {
		t.Fatalf("ExtractAttachment(25 MB, 1) error = %v", err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != want || a.SHA256 != want {
		t.Errorf("ExtractAttachment(25 MB, 1) wrote SHA-256 %s and returned %s, want %s", got, a.SHA256, want)
	}
}

func BenchmarkParse(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil || len(files) == 0 {
		b.Fatalf("list corpus: %v (%d files)", err, len(files))
	}
	var messages [][]byte
	total := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatalf("read %s: %v", f, err)
		}
		messages = append(messages, raw)
		total += len(raw)
	}

	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range messages {
			if _, err := Parse(raw, testOptions); err != nil {
				b.Fatalf("Parse: %v", err)
			}
		}
	}
}

func BenchmarkParseLargeAttachment(b *testing.B) {
	raw, _ := largeAttachmentMessage(b, 25<<20)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, ParseOptions{}); err != nil {
			b.Fatalf("Parse: %v", err)
		}
	}
}

func BenchmarkParseHugeHeader(b *testing.B) {
	raw := []byte("From: a@example.com\r\n" + manyAddressesField(40000) + "\r\n\r\nIsi.\r\n")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, ParseOptions{}); err != nil {
			b.Fatalf("Parse: %v", err)
		}
	}
}

func manyAddressesField(n int) string {
	return "To: " + manyAddresses(n)
}
