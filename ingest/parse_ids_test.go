package ingest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<CAB01kq7nT@Mail.Gmail.Example>", "CAB01kq7nT@mail.gmail.example"},
		{"  <a.b@example.com>  ", "a.b@example.com"},
		{"a.b@EXAMPLE.com", "a.b@example.com"},
		{"<a b@example.com>", "ab@example.com"},
		{"<a@b@Example.COM>", "a@b@example.com"},
		{"<no-at-sign>", "no-at-sign"},
		{"(comment) <x@y.z> (more)", "x@y.z"},
		{"<unclosed@example.com", "unclosed@example.com"},
		{"<>", ""},
		{"", ""},
		{"<" + strings.Repeat("a", 1000) + "@example.com>", ""},
	}
	for _, tt := range tests {
		if got := NormalizeMessageID(tt.in); got != tt.want {
			t.Errorf("NormalizeMessageID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMessageIDList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"angle brackets", "<a@x.com> <b@X.com>", []string{"a@x.com", "b@x.com"}},
		{"folded with commas", "<a@x.com>,\r\n <b@x.com>", []string{"a@x.com", "b@x.com"}},
		{"duplicates", "<a@x.com> <a@X.COM> <b@x.com>", []string{"a@x.com", "b@x.com"}},
		{"without brackets", "a@x.com b@x.com not-an-id", []string{"a@x.com", "b@x.com"}},
		{"comment between", "<a@x.com> (Budi's message) <b@x.com>", []string{"a@x.com", "b@x.com"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseMessageIDList(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("parseMessageIDList(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMessageIDListTrimsMiddle(t *testing.T) {
	var ids []string
	for i := range 250 {
		ids = append(ids, fmt.Sprintf("<m%d@x.com>", i))
	}
	got := parseMessageIDList(strings.Join(ids, " "))
	if len(got) != maxReferences || got[0] != "m0@x.com" || got[1] != "m151@x.com" || got[len(got)-1] != "m249@x.com" {
		t.Errorf("parseMessageIDList(250 ids) = %d ids %q, %q ... %q, want %d: m0@x.com, m151@x.com ... m249@x.com",
			len(got), got[0], got[1], got[len(got)-1], maxReferences)
	}
}

func TestThreadIndexConversation(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{"new conversation", "AdrnoV88EYbbN8APH/jRJDTFmZQwFg==", "AdrnoV88EYbbN8APH/jRJDTFmZQwFg==", true},
		{"reply with child block", "AdrnoV88EYbbN8APH/jRJDTFmZQwFgAAo8KB", "AdrnoV88EYbbN8APH/jRJDTFmZQwFg==", true},
		{"folded", "AdrnoV88EYbbN8APH/jRJDTF\r\n mZQwFgAAo8KB", "AdrnoV88EYbbN8APH/jRJDTFmZQwFg==", true},
		{"too short", "AdrnoV88", "", false},
		{"not base64", "%%%%", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := threadIndexConversation(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("threadIndexConversation(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
