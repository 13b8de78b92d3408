package workflow

import (
	"errors"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

func TestResolveThread(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	tokens, _ := NewTokens("KLH", []byte("thread-test-secret-01"), nil)
	mint := func(ticket, recipient string) string {
		s, _ := tokens.Mint(TokenClaims{Ticket: ticket, Role: RoleServiceDesk, Recipient: recipient, Expires: now.Add(time.Hour)})
		return s
	}
	d := &Desk{
		cfg:    DeskConfig{Incident: Party{Email: "insiden@layanan.example.go.id"}},
		tokens: tokens,
		staff:  map[string]StaffMember{"petugas@layanan.example.go.id": {Role: RoleServiceDesk}},
	}
	look := threadLookup{
		byMessageID: map[string]string{"orig-a@contoh.go.id": "KLH-2026-000001", "ti:AQID": "KLH-2026-000002"},
		tickets: map[string]*Ticket{
			"KLH-2026-000001": {Number: "KLH-2026-000001", Requester: Party{Email: "budi@contoh.go.id"}},
			"KLH-2026-000002": {Number: "KLH-2026-000002", Requester: Party{Email: "siti@example.com"}, Cc: []string{"rina@example.com"}},
		},
	}
	cases := []struct {
		name     string
		hints    ingest.Hints
		sender   string
		ticket   string
		by       string
		proved   bool
		tokenErr error
	}{
		{"token for the sender", ingest.Hints{Tokens: []string{mint("KLH-2026-000002", "petugas@layanan.example.go.id")}}, "petugas@layanan.example.go.id", "KLH-2026-000002", "token", true, nil},
		{"references", ingest.Hints{MessageIDs: []string{"unknown@x", "orig-a@contoh.go.id"}}, "budi@contoh.go.id", "KLH-2026-000001", "reference", false, nil},
		{"outlook conversation", ingest.Hints{ThreadIndex: "AQID"}, "siti@example.com", "KLH-2026-000002", "thread_index", false, nil},
		{"tag from the requester", ingest.Hints{Tags: []string{"KLH-2026-000001"}}, "budi@contoh.go.id", "KLH-2026-000001", "tag", false, nil},
		{"tag from a participant", ingest.Hints{Tags: []string{"KLH-2026-000002"}}, "rina@example.com", "KLH-2026-000002", "tag", false, nil},
		{"tag from staff", ingest.Hints{Tags: []string{"KLH-2026-000001"}}, "petugas@layanan.example.go.id", "KLH-2026-000001", "tag", false, nil},
		{"tag from a stranger", ingest.Hints{Tags: []string{"KLH-2026-000001"}}, "eko@example.net", "", "", false, nil},
		{"token of another recipient", ingest.Hints{Tokens: []string{mint("KLH-2026-000002", "staff2@layanan.example.go.id")}, MessageIDs: []string{"orig-a@contoh.go.id"}}, "petugas@layanan.example.go.id", "KLH-2026-000001", "reference", false, ErrTokenSignature},
		{"token for another ticket than the thread", ingest.Hints{Tokens: []string{mint("KLH-2026-000002", "petugas@layanan.example.go.id")}, MessageIDs: []string{"orig-a@contoh.go.id"}}, "petugas@layanan.example.go.id", "KLH-2026-000001", "reference", false, ErrTokenOtherTicket},
		{"nothing known", ingest.Hints{MessageIDs: []string{"x@y"}}, "budi@contoh.go.id", "", "", false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := d.resolveThread(tc.hints, tc.sender, look, now)
			if ok != (tc.ticket != "") || m.Ticket != tc.ticket || m.By != tc.by {
				t.Errorf("resolveThread = %q by %q (%v), want %q by %q", m.Ticket, m.By, ok, tc.ticket, tc.by)
			}
			if (m.Claims != nil) != tc.proved {
				t.Errorf("claims = %+v, want proved %v", m.Claims, tc.proved)
			}
			if tc.tokenErr != nil && !errors.Is(m.TokenErr, tc.tokenErr) {
				t.Errorf("token error = %v, want %v", m.TokenErr, tc.tokenErr)
			}
		})
	}
}
