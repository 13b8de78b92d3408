package ingest

import (
	"strings"
	"testing"
)

func TestDecodeCharset(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		label       string
		want        string
		wantWarning string
	}{
		{"utf-8", "Café “baru”", "utf-8", "Café “baru”", ""},
		{"utf8 without dash", "Café", "UTF8", "Café", ""},
		{"label with quotes", "Café", `"utf-8"`, "Café", ""},
		{"windows code page number", "\x93Sudah Dibayar\x94 \x96 ok", "1252", "“Sudah Dibayar” – ok", ""},
		{"cp1252", "caf\xe9", "cp1252", "café", ""},
		{"latin1 alias", "caf\xe9", "latin1", "café", ""},
		{"iso-8859-1 with windows quotes", "\x93ya\x94", "iso-8859-1", "“ya”", ""},
		{"iso-8859-1 that is utf-8", "café", "iso-8859-1", "café", "text is utf-8"},
		{"us-ascii with latin-1 bytes", "Jos\xe9", "us-ascii", "José", "8-bit text in us-ascii"},
		{"us-ascii with utf-8 bytes", "Rp2.000 – ok", "us-ascii", "Rp2.000 – ok", "text is utf-8"},
		{"missing label utf-8", "– ok", "", "– ok", ""},
		{"missing label latin-1", "\xe9t\xe9", "", "été", ""},
		{"x-unknown label", "\xe9t\xe9", "x-unknown", "été", "names no charset"},
		{"unknown label", "caf\xe9", "x-mac-klingon", "café", "unknown charset"},
		{"gb2312 with gbk characters", "\xcd\xf5\xce\xb0 \xa8\x43", "gb2312", "王伟 –", ""},
		{"gbk", "\xcd\xf5\xce\xb0", "GBK", "王伟", ""},
		{"iso-2022-jp", "\x1b$B%m%0%$%s\x1b(B", "iso-2022-jp", "ログイン", ""},
		{"shift_jis code page", "\x83\x8d\x83O", "cp932", "ログ", ""},
		{"windows-1250 number", "\x9a", "1250", "š", ""},
		{"utf-8 declared latin-1 text", "caf\xe9", "utf-8", "café", "not utf-8"},
		{"utf-8 with one broken byte", "café \xff ok", "utf-8", "café \uFFFD ok", "invalid utf-8"},
		{"empty", "", "utf-8", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warning := decodeCharset([]byte(tt.in), tt.label)
			if got != tt.want {
				t.Errorf("decodeCharset(%q, %q) = %q, want %q", tt.in, tt.label, got, tt.want)
			}
			if tt.wantWarning == "" && warning != "" || !strings.Contains(warning, tt.wantWarning) {
				t.Errorf("decodeCharset(%q, %q) warning = %q, want %q", tt.in, tt.label, warning, tt.wantWarning)
			}
		})
	}
}

func TestCanonicalCharset(t *testing.T) {
	tests := []struct{ label, want string }{
		{"1252", "windows-1252"},
		{"CP-1252", "windows-1252"},
		{"Latin-1", "iso-8859-1"},
		{"utf8", "utf-8"},
		{"x-unknown", ""},
		{"unknown-8bit", ""},
		{"GB2312", "gb18030"},
		{"936", "gb18030"},
		{"1251", "windows-1251"},
		{"874", "windows-874"},
		{"cp850", "cp850"},
		{"koi8-r", "koi8-r"},
	}
	for _, tt := range tests {
		if got := canonicalCharset(tt.label); got != tt.want {
			t.Errorf("canonicalCharset(%q) = %q, want %q", tt.label, got, tt.want)
		}
	}
}
