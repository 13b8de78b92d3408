package ingest

import (
	"errors"
	"strings"
	"testing"
)

func TestXOAUTH2Start(t *testing.T) {
	tests := []struct {
		name, username, token string
		want                  string
		wantErr               bool
	}{
		{
			name:     "address and token",
			username: "helpdesk@layanan.example.go.id",
			token:    "ya29.a0AfH6SM",
			want:     "user=helpdesk@layanan.example.go.id\x01auth=Bearer ya29.a0AfH6SM\x01\x01",
		},
		{
			name:     "empty token",
			username: "helpdesk",
			want:     "user=helpdesk\x01auth=Bearer \x01\x01",
		},
		{name: "separator in token", username: "helpdesk", token: "a\x01b", wantErr: true},
		{name: "separator in username", username: "help\x01desk", token: "t", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mech, ir, err := newXOAUTH2Client(tt.username, tt.token).Start()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Start(%q, %q) error = %v, want error %v", tt.username, tt.token, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if mech != "XOAUTH2" {
				t.Errorf("Start(%q, %q) mech = %q, want XOAUTH2", tt.username, tt.token, mech)
			}
			if string(ir) != tt.want {
				t.Errorf("Start(%q, %q) = %q, want %q", tt.username, tt.token, ir, tt.want)
			}
		})
	}
}

func TestXOAUTH2Next(t *testing.T) {
	tests := []struct {
		name       string
		challenge  string
		wantStatus string
	}{
		{"google error", `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`, "(oauth status 401)"},
		{"not json", `oops`, "(oauth status unreadable error challenge)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newXOAUTH2Client("helpdesk", "token")
			resp, err := c.Next([]byte(tt.challenge))
			if err != nil {
				t.Fatalf("Next(%q) error = %v, want nil", tt.challenge, err)
			}
			if resp == nil || len(resp) != 0 {
				t.Errorf("Next(%q) = %q, want an empty non-nil response", tt.challenge, resp)
			}

			final := errors.New("NO [AUTHENTICATIONFAILED] invalid credentials")
			got := c.withServerStatus(final)
			if !errors.Is(got, final) || !strings.HasSuffix(got.Error(), tt.wantStatus) {
				t.Errorf("withServerStatus(%v) = %v, want it wrapped with %q", final, got, tt.wantStatus)
			}

			if _, err := c.Next([]byte(tt.challenge)); err == nil {
				t.Errorf("second Next(%q) error = nil, want an error", tt.challenge)
			}
		})
	}
}

func TestXOAUTH2WithServerStatusWithoutChallenge(t *testing.T) {
	final := errors.New("NO login failed")
	if got := newXOAUTH2Client("helpdesk", "token").withServerStatus(final); got != final {
		t.Errorf("withServerStatus(%v) = %v, want the error unchanged", final, got)
	}
}
