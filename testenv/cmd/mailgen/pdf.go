package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// pdfDocument returns a one-page PDF 1.4 file (ISO 32000-1) that shows a
// title and lines of text in the standard Helvetica font, with a correct
// cross-reference table so that PDF readers open it without repair. Text
// outside printable ASCII is replaced by '?', because the standard fonts'
// encoding covers little else.
func pdfDocument(title string, lines []string, created time.Time) []byte {
	var content strings.Builder
	fmt.Fprintf(&content, "BT\n/F1 16 Tf\n56 780 Td\n(%s) Tj\n/F1 10 Tf\n", pdfString(title))
	for _, line := range lines {
		fmt.Fprintf(&content, "0 -15 Td\n(%s) Tj\n", pdfString(line))
	}
	content.WriteString("ET\n")

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		fmt.Sprintf("<< /Title (%s) /Producer (keluhan mailgen) /CreationDate (D:%s) >>",
			pdfString(title), created.UTC().Format("20060102150405Z")),
	}

	var b bytes.Buffer
	// The second line's bytes above 127 mark the file as binary for
	// transfer programs, as the standard recommends.
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, obj := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, obj)
	}

	xref := b.Len()
	// Each cross-reference entry is exactly 20 bytes, ending in " \n".
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(objects)+1, len(objects), xref)
	return b.Bytes()
}

// pdfString escapes s for a PDF literal string.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
