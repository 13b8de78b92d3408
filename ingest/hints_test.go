package ingest

import (
	"slices"
	"testing"
)

func TestThreadHints(t *testing.T) {
	tests := []struct {
		name     string
		msg      Message
		prefix   string
		helpdesk string
		want     Hints
	}{
		{
			name:     "reply token",
			msg:      Message{Recipients: []string{"helpdesk+k7f3q9@layanan.example.go.id", "rina@example.com"}},
			prefix:   "KLH",
			helpdesk: "helpdesk@layanan.example.go.id",
			want:     Hints{Tokens: []string{"k7f3q9"}},
		},
		{
			name:     "token with display name and upper case",
			msg:      Message{Recipients: []string{"helpdesk+abc@layanan.example.go.id", "helpdesk+abc@layanan.example.go.id", "helpdesk+def@layanan.example.go.id"}},
			helpdesk: "Helpdesk Layanan <HelpDesk@Layanan.Example.go.id>",
			want:     Hints{Tokens: []string{"abc", "def"}},
		},
		{
			name:     "tokens of other mailboxes ignored",
			msg:      Message{Recipients: []string{"helpdesk@layanan.example.go.id", "helpdesk+x@other.example", "helpdesk2+y@layanan.example.go.id", "helpdesk+@layanan.example.go.id"}},
			helpdesk: "helpdesk@layanan.example.go.id",
			want:     Hints{},
		},
		{
			name:     "no helpdesk address",
			msg:      Message{Recipients: []string{"helpdesk+abc@layanan.example.go.id"}},
			helpdesk: "",
			want:     Hints{},
		},
		{
			name: "message ids newest first",
			msg: Message{
				InReplyTo:  []string{"ack-b01@layanan.example.go.id"},
				References: []string{"orig@mail.gmail.example", "notif@layanan.example.go.id", "ack-b01@layanan.example.go.id"},
			},
			want: Hints{MessageIDs: []string{"ack-b01@layanan.example.go.id", "notif@layanan.example.go.id", "orig@mail.gmail.example"}},
		},
		{
			name:   "tag glued to text",
			msg:    Message{Subject: "Re: Petugas tidak merespons pengaduan saya [KLH-2026-000003]Mohon segera"},
			prefix: "KLH",
			want:   Hints{Tags: []string{"KLH-2026-000003"}},
		},
		{
			name:   "several tags, lower case, blanks and full-width brackets",
			msg:    Message{Subject: "RE: [klh-2026-000001] x [ KLH-2026-000002 ] ［KLH-2026-000004］ [KLH-2026-000001]"},
			prefix: "KLH",
			want:   Hints{Tags: []string{"KLH-2026-000001", "KLH-2026-000002", "KLH-2026-000004"}},
		},
		{
			name:   "other prefixes and shapes ignored",
			msg:    Message{Subject: "[ABC-2026-000001] [KLH-26-000001] [KLH-2026-00001] KLH-2026-000001 [Tiket diterima]"},
			prefix: "KLH",
			want:   Hints{},
		},
		{
			name: "any prefix when none is configured",
			msg:  Message{Subject: "[ABC-2026-000001]"},
			want: Hints{Tags: []string{"ABC-2026-000001"}},
		},
		{
			name: "thread index",
			msg:  Message{ThreadIndex: "AdrnoV88EYbbN8APH/jRJDTFmZQwFg=="},
			want: Hints{ThreadIndex: "AdrnoV88EYbbN8APH/jRJDTFmZQwFg=="},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ThreadHints(&tt.msg, tt.prefix, tt.helpdesk)
			if !equalHints(got, tt.want) {
				t.Errorf("ThreadHints(%s) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestThreadHintsCorpus(t *testing.T) {
	tests := []struct {
		file string
		want Hints
	}{
		{"C43-tag-glued-to-extra-text.eml", Hints{Tags: []string{"KLH-2026-000003"}}},
		{"C41-outlook-reply-no-references.eml", Hints{ThreadIndex: "AdrnoV88EYbbN8APH/jRJDTFmZQwFg=="}},
		{"C59-gmail-id-menulis-wrapped.eml", Hints{MessageIDs: []string{
			"ack-b01-7f3a9c21@layanan.example.go.id", "CAB01kq7nT3vQ9m2Lr5Yz8Hc4Wd1Fp6Js0Ue2NgXa@mail.gmail.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := parseFixture(t, tt.file)
			got := ThreadHints(m, "KLH", testOptions.HelpdeskAddress)
			if !equalHints(got, tt.want) {
				t.Errorf("ThreadHints(Parse(%s)) = %+v, want %+v", tt.file, got, tt.want)
			}
		})
	}
}

func TestThreadHintsNil(t *testing.T) {
	if got := ThreadHints(nil, "KLH", "helpdesk@layanan.example.go.id"); !equalHints(got, Hints{}) {
		t.Errorf("ThreadHints(nil) = %+v, want empty Hints", got)
	}
}

func TestTicketTag(t *testing.T) {
	tests := []struct{ number, want string }{
		{"KLH-2026-000123", "[KLH-2026-000123]"},
		{" klh-2026-000123 ", "[KLH-2026-000123]"},
		{"[KLH-2026-000123]", "[KLH-2026-000123]"},
	}
	for _, tt := range tests {
		if got := TicketTag(tt.number); got != tt.want {
			t.Errorf("TicketTag(%q) = %q, want %q", tt.number, got, tt.want)
		}
	}
}

func TestTicketTagRoundTrip(t *testing.T) {
	tag := TicketTag("KLH-2026-000123")
	got := ThreadHints(&Message{Subject: "Re: " + tag + " Keluhan"}, "KLH", "")
	if !slices.Equal(got.Tags, []string{"KLH-2026-000123"}) {
		t.Errorf("ThreadHints(subject with TicketTag).Tags = %q, want [KLH-2026-000123]", got.Tags)
	}
}

func equalHints(a, b Hints) bool {
	return slices.Equal(a.Tokens, b.Tokens) && slices.Equal(a.MessageIDs, b.MessageIDs) &&
		slices.Equal(a.Tags, b.Tags) && a.ThreadIndex == b.ThreadIndex
}
