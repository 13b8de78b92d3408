package main

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func generateSet(t *testing.T, emails int, seed uint64) (*Truth, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := genConfig{
		emails: emails, replyShare: 0.15, duplicateShare: 0.05, perSender: 3,
		seed: seed, run: "test", dir: dir,
		helpdesk: person{Name: "Helpdesk", Address: "helpdesk@layanan.example.go.id"},
	}
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	truth, err := generate(cfg, now)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return truth, dir
}

func TestGenerateCounts(t *testing.T) {
	truth, _ := generateSet(t, 400, 1)

	if truth.Emails != 400 || len(truth.Deliveries) != 400 {
		t.Errorf("Emails = %d, deliveries = %d, want 400", truth.Emails, len(truth.Deliveries))
	}
	if got := truth.Complaints + truth.Replies + truth.Duplicates; got != truth.Emails {
		t.Errorf("complaints %d + replies %d + duplicates %d = %d, want %d",
			truth.Complaints, truth.Replies, truth.Duplicates, got, truth.Emails)
	}
	if got := len(truth.Messages); got != truth.Emails-truth.Duplicates {
		t.Errorf("len(Messages) = %d, want emails - duplicates = %d", got, truth.Emails-truth.Duplicates)
	}
	if truth.Replies < 40 || truth.Duplicates < 10 {
		t.Errorf("replies = %d, duplicates = %d, want about 60 and 20", truth.Replies, truth.Duplicates)
	}
}

func TestGenerateThreads(t *testing.T) {
	truth, _ := generateSet(t, 400, 2)

	position := map[string]int{}
	kinds := map[string]string{}
	seen := map[int]int{}
	for pos, idx := range truth.Deliveries {
		m := truth.Messages[idx]
		seen[idx]++
		if seen[idx] > 2 {
			t.Errorf("message %s delivered %d times, want at most 2", m.MessageID, seen[idx])
		}
		if seen[idx] == 1 {
			position[m.MessageID] = pos
			kinds[m.MessageID] = m.Kind
		}
	}

	for _, m := range truth.Messages {
		if m.Kind != kindReply {
			continue
		}
		parentPos, ok := position[m.InReplyTo]
		if !ok || parentPos >= position[m.MessageID] {
			t.Errorf("reply %s: parent %s delivered at %d, reply at %d; want the parent first", m.MessageID, m.InReplyTo, parentPos, position[m.MessageID])
		}
		if kinds[m.Complaint] != kindComplaint {
			t.Errorf("reply %s: Complaint %s is a %q, want a complaint", m.MessageID, m.Complaint, kinds[m.Complaint])
		}
	}
}

func TestGenerateMessagesParse(t *testing.T) {
	truth, dir := generateSet(t, 200, 3)
	attachments := 0

	for _, m := range truth.Messages {
		raw, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("%s: bare LF line end, want CRLF only", m.File)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: read message: %v", m.File, err)
		}
		if got := strings.Trim(msg.Header.Get("Message-Id"), "<>"); got != m.MessageID {
			t.Errorf("%s: Message-ID = %q, want %q", m.File, got, m.MessageID)
		}
		if m.Kind == kindReply && !strings.Contains(msg.Header.Get("References"), m.InReplyTo) {
			t.Errorf("%s: References = %q, want it to contain %s", m.File, msg.Header.Get("References"), m.InReplyTo)
		}
		if m.Size < 1000 || m.Size > 40<<10 {
			t.Errorf("%s: size %d, want about 2-20 KB", m.File, m.Size)
		}
		found := hasPDF(t, m.File, msg)
		if found {
			attachments++
		}
		if found != m.Attachment {
			t.Errorf("%s: PDF found = %v, truth says %v", m.File, found, m.Attachment)
		}
	}
	if attachments == 0 {
		t.Error("no message has a PDF attachment")
	}
}

// hasPDF reports whether msg has a PDF attachment that starts like a PDF
// file.
func hasPDF(t *testing.T, file string, msg *mail.Message) bool {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("%s: Content-Type: %v", file, err)
	}
	if mediaType != "multipart/mixed" {
		return false
	}

	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			return false
		}
		if !strings.HasPrefix(part.Header.Get("Content-Type"), "application/pdf") {
			continue
		}
		data := new(bytes.Buffer)
		if _, err := data.ReadFrom(part); err != nil {
			t.Fatalf("%s: read PDF part: %v", file, err)
		}
		// multipart.Reader decodes quoted-printable only and leaves the
		// base64 PDF part encoded; "JVBERi0x" is "%PDF-1" in base64.
		return strings.HasPrefix(data.String(), "JVBERi0x")
	}
}

func TestGenerateSeedRepeats(t *testing.T) {
	a, dirA := generateSet(t, 60, 9)
	b, dirB := generateSet(t, 60, 9)

	for i := range a.Messages {
		rawA, _ := os.ReadFile(filepath.Join(dirA, a.Messages[i].File))
		rawB, _ := os.ReadFile(filepath.Join(dirB, b.Messages[i].File))
		if !bytes.Equal(rawA, rawB) {
			t.Fatalf("message %d differs between two sets with one seed and run", i)
		}
	}
}

func TestPDFDocumentXref(t *testing.T) {
	pdf := pdfDocument("BUKTI (PEMBAYARAN)", []string{"Nomor: 1", "Jumlah: Rp 50.000 \\ lunas"}, time.Unix(0, 0))

	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("pdfDocument: missing header or trailer: %q", pdf[:20])
	}
	// Every xref entry must point at its "N 0 obj" line.
	xref := bytes.Index(pdf, []byte("xref\n"))
	lines := strings.Split(string(pdf[xref:]), "\n")
	for n := 1; n <= 6; n++ {
		// The offsets have leading zeros but are decimal.
		offset, err := strconv.Atoi(strings.Fields(lines[2+n])[0])
		if err != nil {
			t.Fatalf("xref entry %d %q: %v", n, lines[2+n], err)
		}
		want := []byte(strconv.Itoa(n) + " 0 obj")
		if !bytes.HasPrefix(pdf[offset:], want) {
			t.Errorf("xref entry %d points at %q, want %q", n, pdf[offset:offset+8], want)
		}
	}
}
