package ingest

import (
	"maps"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name       string
		value      string
		wantType   string
		wantParams map[string]string
	}{
		{"simple", `text/plain; charset="UTF-8"`, "text/plain", map[string]string{"charset": "UTF-8"}},
		{"rfc 2231 continuation", "attachment; filename*0*=utf-8''Bukti%20%E2%80%93%20; filename*1*=Merek.pdf", "attachment", map[string]string{"filename": "Bukti – Merek.pdf"}},
		{"rfc 2231 latin-1", "attachment; filename*=iso-8859-1''Jos%E9.pdf", "attachment", map[string]string{"filename": "José.pdf"}},
		{"unquoted space", "attachment; filename=bukti bayar.pdf", "attachment", map[string]string{"filename": "bukti bayar.pdf"}},
		{"duplicate parameter", `text/plain; charset=utf-8; charset=latin1`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"semicolon in quotes", `attachment; filename="a;b.pdf"; size=3`, "attachment", map[string]string{"filename": "a;b.pdf", "size": "3"}},
		{"escaped quote", `attachment; filename="a \"b\".pdf`, "attachment", map[string]string{"filename": `a "b".pdf`}},
		{"upper-case type", "TEXT/HTML", "text/html", map[string]string{}},
		{"sections out of order", "attachment; name*1=b.pdf; name*0=a", "attachment", map[string]string{"name": "ab.pdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn warnings
			gotType, gotParams := parseParams(tt.value, "Content-Disposition", &warn)
			if gotType != tt.wantType || !maps.Equal(gotParams, tt.wantParams) {
				t.Errorf("parseParams(%q) = %q, %v, want %q, %v", tt.value, gotType, gotParams, tt.wantType, tt.wantParams)
			}
		})
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 150) + ".pdf"
	tests := []struct{ in, want string }{
		{"bukti.pdf", "bukti.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\budi\Desktop\surat kuasa.docx`, "surat kuasa.docx"},
		{"...hidden", "hidden"},
		{" .env ", "env"},
		{"tagihan\u202efdp.exe", "tagihanfdp.exe"},
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{`tanya: "kenapa?" <ya>|*.txt`, "tanya_ _kenapa__ _ya___.txt"},
		{"商标申请书.pdf", "商标申请书.pdf"},
		{"laporan.", "laporan"},
		{"", ""},
		{"../", ""},
		{long, strings.Repeat("é", 98) + ".pdf"},
	}
	for _, tt := range tests {
		if got := sanitizeFilename(tt.in); got != tt.want {
			t.Errorf("sanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sanitizeFilename(tt.in); len(got) > maxFilenameBytes {
			t.Errorf("sanitizeFilename(%q) has %d bytes, want at most %d", tt.in, len(got), maxFilenameBytes)
		}
	}
}

func TestExtensionFor(t *testing.T) {
	tests := []struct{ mediaType, want string }{
		{"application/pdf", "pdf"},
		{"image/jpeg", "jpg"},
		{"text/calendar", "ics"},
		{"message/rfc822", "eml"},
		{"application/ms-tnef", "dat"},
		{"application/x-unknown", "bin"},
	}
	for _, tt := range tests {
		if got := extensionFor(tt.mediaType); got != tt.want {
			t.Errorf("extensionFor(%q) = %q, want %q", tt.mediaType, got, tt.want)
		}
	}
}
