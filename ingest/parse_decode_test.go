package ingest

import (
	"io"
	"strings"
	"testing"
)

func TestTransferDecoder(t *testing.T) {
	tests := []struct {
		name        string
		encoding    string
		body        string
		want        string
		wantWarning bool
	}{
		{"base64", "base64", "SGFsbyBkdW5pYQ==", "Halo dunia", false},
		{"base64 irregular lines and blanks", "Base64", "SGFs\r\n by\tBk \r\ndW5p\r\nYQ==\r\n", "Halo dunia", false},
		{"base64 without padding", "base64", "SGFsbyBkdW5pYQ", "Halo dunia", false},
		{"base64 url alphabet", "base64", "-_-_", "\xfb\xff\xbf", false},
		{"base64 stray characters", "base64", "SGFs*by#Bk!dW5pYQ==", "Halo dunia", false},
		{"quoted-printable", "quoted-printable", "caf=C3=A9 =E2=80=93 ok", "café – ok", false},
		{"qp soft break", "quoted-printable", "panj=\r\nang=\nnya", "panjangnya", false},
		{"qp soft break with trailing blanks", "quoted-printable", "a= \t\r\nb", "ab", false},
		{"qp trailing blanks removed", "quoted-printable", "baris   \r\nkedua\t\r\n", "baris\r\nkedua\r\n", false},
		{"qp inner blanks kept", "quoted-printable", "a   b", "a   b", false},
		{"qp literal equals", "quoted-printable", "1+1=2 dan =ZZ", "1+1=2 dan =ZZ", false},
		{"qp lower-case hex", "quoted-printable", "=c3=a9", "é", false},
		{"qp control byte kept", "quoted-printable", "a\x01b", "a\x01b", false},
		{"qp soft break at end", "quoted-printable", "akhir=", "akhir", false},
		{"8bit", "8bit", "apa adanya", "apa adanya", false},
		{"missing", "", "apa adanya", "apa adanya", false},
		{"unknown", "x-uuencode", "begin 644", "begin 644", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader, warning := transferDecoder([]byte(tt.body), tt.encoding)
			got, err := io.ReadAll(reader)
			if err != nil {
				t.Fatalf("transferDecoder(%q, %q) read error = %v", tt.body, tt.encoding, err)
			}
			if string(got) != tt.want {
				t.Errorf("transferDecoder(%q, %q) = %q, want %q", tt.body, tt.encoding, got, tt.want)
			}
			if (warning != "") != tt.wantWarning {
				t.Errorf("transferDecoder(%q, %q) warning = %q, want warning %v", tt.body, tt.encoding, warning, tt.wantWarning)
			}
		})
	}
}

func TestQPReaderLongLines(t *testing.T) {
	body := strings.Repeat(" ", 100000) + "x" + strings.Repeat("=41", 50000) + strings.Repeat(" ", 100000) + "\r\n"
	reader, _ := transferDecoder([]byte(body), "quoted-printable")
	got, err := io.ReadAll(reader)
	if err != nil {
		t.Fatalf("read long quoted-printable line: %v", err)
	}
	want := strings.Repeat(" ", 100000) + "x" + strings.Repeat("A", 50000) + "\r\n"
	if string(got) != want {
		t.Errorf("transferDecoder(long line) returned %d bytes, want %d", len(got), len(want))
	}
}
