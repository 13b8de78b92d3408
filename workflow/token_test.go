package workflow

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenRoundTrip(t *testing.T) {
	tok, _ := NewTokens("KLH", []byte("0123456789abcdef0123"), nil)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	claims := TokenClaims{Ticket: "KLH-2026-000123", Role: RoleServiceDesk, Recipient: "Petugas@Layanan.example.go.id", Expires: now.Add(90 * 24 * time.Hour)}
	s, err := tok.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	if len("helpdesk+"+s) > 64 {
		t.Errorf("local part %d bytes, want at most 64", len("helpdesk+"+s))
	}
	got, err := tok.Verify(strings.ToUpper(s), "petugas@layanan.example.go.id", now)
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if got.Ticket != claims.Ticket || got.Role != claims.Role {
		t.Errorf("Verify = %+v, want ticket %s role %s", got, claims.Ticket, claims.Role)
	}
	if n, ok := tok.Peek(s); !ok || n != claims.Ticket {
		t.Errorf("Peek = %q, %v", n, ok)
	}
}

func TestTokenRejections(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	current, _ := NewTokens("KLH", []byte("current-secret-0001"), []byte("previous-secret-0001"))
	previous, _ := NewTokens("KLH", []byte("previous-secret-0001"), nil)
	stranger, _ := NewTokens("KLH", []byte("someone-elses-secret"), nil)
	mint := func(tk *Tokens, expires time.Time) string {
		s, err := tk.Mint(TokenClaims{Ticket: "KLH-2026-000007", Role: RoleComplaintManager, Recipient: "manager1@layanan.example.go.id", Expires: expires})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := mint(current, now.Add(time.Hour))
	cases := []struct {
		name, token, sender string
		want                error
	}{
		{"another recipient", valid, "manager2@layanan.example.go.id", ErrTokenSignature},
		{"expired", mint(current, now.Add(-2*time.Hour)), "manager1@layanan.example.go.id", ErrTokenExpired},
		{"foreign secret", mint(stranger, now.Add(time.Hour)), "manager1@layanan.example.go.id", ErrTokenSignature},
		{"garbage", "not-a-token", "manager1@layanan.example.go.id", ErrTokenMalformed},
		{"flipped character", flip(valid), "manager1@layanan.example.go.id", ErrTokenSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := current.Verify(tc.token, tc.sender, now); !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("old secret during rotation", func(t *testing.T) {
		if _, err := current.Verify(mint(previous, now.Add(time.Hour)), "manager1@layanan.example.go.id", now); err != nil {
			t.Errorf("Verify(token of previous secret) = %v, want nil", err)
		}
	})
}

func flip(s string) string {
	b := []byte(s)
	i := len(b) - 3
	if b[i] == 'a' {
		b[i] = 'b'
	} else {
		b[i] = 'a'
	}
	return string(b)
}

func TestNumberFormat(t *testing.T) {
	n := FormatNumber("KLH", 2026, 123)
	if n != "KLH-2026-000123" {
		t.Errorf("FormatNumber = %s", n)
	}
	p, y, s, ok := ParseNumber("KLH-2026-1234567")
	if !ok || p != "KLH" || y != 2026 || s != 1234567 {
		t.Errorf("ParseNumber = %s %d %d %v", p, y, s, ok)
	}
	for _, bad := range []string{"KLH-26-000001", "KLH2026000001", "KLH-2026-12", ""} {
		if _, _, _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) ok, want not ok", bad)
		}
	}
}
