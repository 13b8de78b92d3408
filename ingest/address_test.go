package ingest

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		name        string
		value       string
		want        []mail.Address
		wantWarning string
	}{
		{"plain", "Budi Santoso <Budi@Contoh.go.id>", []mail.Address{{Name: "Budi Santoso", Address: "budi@contoh.go.id"}}, ""},
		{"list", `"Wijaya, Rina" <rina@example.com>, siti@example.com`, []mail.Address{{Name: "Wijaya, Rina", Address: "rina@example.com"}, {Address: "siti@example.com"}}, ""},
		{"encoded name", "=?gb2312?B?zfXOsA==?= <wangwei@example.com>", []mail.Address{{Name: "王伟", Address: "wangwei@example.com"}}, ""},
		{"unknown charset in name", "=?x-unknown-8bit?Q?Pak_Joko?= <joko@example.net>", []mail.Address{{Name: "Pak Joko", Address: "joko@example.net"}}, ""},
		{"address inside encoded-word", "=?utf-8?q?Layanan_Pengaduan_=3Cpengaduan=40kuasa=2Eexample=2Ecom=3E?=", []mail.Address{{Name: "Layanan Pengaduan", Address: "pengaduan@kuasa.example.com"}}, "recovered from encoded-words"},
		{"raw utf-8 name", "Dewi Lestari – CS <dewi@contoh.go.id>", []mail.Address{{Name: "Dewi Lestari – CS", Address: "dewi@contoh.go.id"}}, ""},
		{"raw latin-1 name", "Jos\xe9 <jose@example.org>", []mail.Address{{Name: "José", Address: "jose@example.org"}}, ""},
		{"unquoted special characters", "Budi (Kantor: Pusat) [IT] <budi@contoh.go.id>", []mail.Address{{Name: "Budi (Kantor: Pusat) [IT]", Address: "budi@contoh.go.id"}}, "picked out"},
		{"group", "undisclosed-recipients:;", nil, ""},
		{"no address", "Budi Santoso", nil, "no address found"},
		{"comment form", "MAILER-DAEMON@mx.example.com (Mail Delivery System)", []mail.Address{{Name: "Mail Delivery System", Address: "mailer-daemon@mx.example.com"}}, ""},
		{"empty", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn warnings
			list := parseAddressList(tt.value, "From", &warn)
			var got []mail.Address
			for _, a := range list {
				got = append(got, *a)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("parseAddressList(%q) = %+v, want %+v", tt.value, got, tt.want)
			}
			if tt.wantWarning != "" && !slices.ContainsFunc(warn.result(), func(w string) bool { return strings.Contains(w, tt.wantWarning) }) {
				t.Errorf("parseAddressList(%q) warnings = %q, want one containing %q", tt.value, warn.result(), tt.wantWarning)
			}
		})
	}
}

func TestIsNoReply(t *testing.T) {
	tests := []struct {
		address string
		want    bool
	}{
		{"noreply@portal-merek.example.com", true},
		{"No-Reply@example.com", true},
		{"do_not_reply@example.com", true},
		{"noreply-form@example.com", true},
		{"MAILER-DAEMON@example.com", true},
		{"dewi@contoh.go.id", false},
		{"reply@example.com", false},
	}
	for _, tt := range tests {
		if got := isNoReply(tt.address); got != tt.want {
			t.Errorf("isNoReply(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
}
