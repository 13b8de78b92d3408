package ingest

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string // RFC 3339 in UTC, "" when unparsable
	}{
		{"rfc 5322", "Mon, 5 Aug 2024 09:12:20 +0700", "2024-08-05T02:12:20Z"},
		{"zone comment", "Mon, 5 Aug 2024 09:12:20 +0700 (WIB)", "2024-08-05T02:12:20Z"},
		{"no weekday", "13 Sep 2024 04:00:00 -0000", "2024-09-13T04:00:00Z"},
		{"two-digit year", "Mon, 5 Aug 24 09:12:20 +0700", "2024-08-05T02:12:20Z"},
		{"swallowed folded fields", "Thu, 1 Aug 2024 10:55:28 +0700 X-Mailer: Aplikasi Kantor v2 Importance: normal", "2024-08-01T03:55:28Z"},
		{"asctime", "Mon Aug  5 09:12:20 2024", "2024-08-05T09:12:20Z"},
		{"iso 8601", "2024-08-05T09:12:20+07:00", "2024-08-05T02:12:20Z"},
		{"no seconds", "Mon, 5 Aug 2024 09:12 +0700", "2024-08-05T02:12:00Z"},
		{"unclosed comment", "Mon, 5 Aug 2024 09:12:20 +0700 (WIB", "2024-08-05T02:12:20Z"},
		{"garbage", "kemarin sore", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseDate(tt.value)
			gotText := ""
			if ok {
				gotText = got.UTC().Format(time.RFC3339)
			}
			if gotText != tt.want {
				t.Errorf("parseDate(%q) = %q, want %q", tt.value, gotText, tt.want)
			}
		})
	}
}
