package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// Dovecot in the test environment offers only PLAIN and LOGIN, so the
// OAuth logins run against an in-process go-imap server whose session
// accepts XOAUTH2 and OAUTHBEARER tokens.

const (
	memUser     = "helpdesk"
	memPassword = "helpdesk-pass"
	memToken    = "ya29.valid-token"
)

// startMemServer serves an in-memory IMAP server with one user on a
// loopback port and returns its address and the user. A nil newSession
// uses the server's own password session.
func startMemServer(t *testing.T, caps imap.CapSet, newSession func(*imapmemserver.User) imapserver.Session) (string, *imapmemserver.User) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(memUser, memPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatalf("create INBOX: %v", err)
	}
	mem.AddUser(user)

	server := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if newSession == nil {
				return mem.NewSession(), nil, nil
			}
			return newSession(user), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = server.Serve(ln) }() // Serve returns an error once Close stops it
	t.Cleanup(func() { _ = server.Close() })
	return ln.Addr().String(), user
}

// oauthSession accepts memToken for memUser over XOAUTH2 and OAUTHBEARER
// and rejects LOGIN.
type oauthSession struct {
	*imapmemserver.UserSession
}

func (*oauthSession) Login(string, string) error { return imapserver.ErrAuthFailed }

func (*oauthSession) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2", sasl.OAuthBearer}
}

func (*oauthSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "XOAUTH2":
		return &xoauth2TestServer{}, nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(opts sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if opts.Username == memUser && opts.Token == memToken {
				return nil
			}
			return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
		}), nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
}

// xoauth2TestServer checks an XOAUTH2 initial response. A bad token gets
// a JSON error challenge, and the client's empty reply to it gets NO.
type xoauth2TestServer struct {
	rejected bool
}

func (s *xoauth2TestServer) Next(resp []byte) ([]byte, bool, error) {
	if s.rejected {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "invalid credentials"}
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	if string(resp) == fmt.Sprintf("user=%s\x01auth=Bearer %s\x01\x01", memUser, memToken) {
		return nil, true, nil
	}
	s.rejected = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
}

func TestCheckLogin(t *testing.T) {
	oauthAddr, _ := startMemServer(t, nil, func(u *imapmemserver.User) imapserver.Session {
		return &oauthSession{imapmemserver.NewUserSession(u)}
	})
	passwordAddr, _ := startMemServer(t, nil, nil)
	errTokenSource := errors.New("token endpoint unreachable")
	tokenOf := func(token string, err error) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return token, err }
	}

	tests := []struct {
		name    string
		addr    string
		auth    string
		pass    string
		tokens  func(context.Context) (string, error)
		wantErr func(error) bool
	}{
		{name: "xoauth2 valid token", addr: oauthAddr, auth: AuthXOAUTH2, tokens: tokenOf(memToken, nil)},
		{
			name: "xoauth2 rejected token", addr: oauthAddr, auth: AuthXOAUTH2, tokens: tokenOf("expired", nil),
			wantErr: func(err error) bool {
				var imapErr *imap.Error
				return errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAuthenticationFailed &&
					strings.Contains(err.Error(), "oauth status 401")
			},
		},
		{name: "oauthbearer valid token", addr: oauthAddr, auth: AuthOAuthBearer, tokens: tokenOf(memToken, nil)},
		{
			name: "oauthbearer rejected token", addr: oauthAddr, auth: AuthOAuthBearer, tokens: tokenOf("expired", nil),
			wantErr: func(err error) bool {
				var bearerErr *sasl.OAuthBearerError
				return errors.As(err, &bearerErr) && bearerErr.Status == "invalid_token"
			},
		},
		{
			name: "token source fails", addr: oauthAddr, auth: AuthXOAUTH2, tokens: tokenOf("", errTokenSource),
			wantErr: func(err error) bool { return errors.Is(err, errTokenSource) },
		},
		{name: "password", addr: passwordAddr, auth: AuthPlain, pass: memPassword},
		{
			name: "wrong password", addr: passwordAddr, auth: AuthPlain, pass: "wrong",
			wantErr: func(err error) bool {
				var imapErr *imap.Error
				return errors.As(err, &imapErr)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := IMAPConfig{
				Addr: tt.addr, TLS: TLSNone, Username: memUser,
				Password: tt.pass, Auth: tt.auth, TokenSource: tt.tokens,
			}
			w, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil)
			if err != nil {
				t.Fatalf("NewWatcher() error = %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			err = w.Check(ctx)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("Check(%s) = %v, want nil", tt.name, err)
			case tt.wantErr != nil && (err == nil || !tt.wantErr(err)):
				t.Errorf("Check(%s) = %v, want the expected error", tt.name, err)
			}
		})
	}
}

func TestCheckCancelled(t *testing.T) {
	// The listener accepts but never greets. Check must return when ctx
	// ends instead of waiting for the greeting.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			defer conn.Close()
			time.Sleep(5 * time.Second)
		}
	}()

	cfg := IMAPConfig{Addr: ln.Addr().String(), TLS: TLSNone, Username: memUser, Password: memPassword}
	w, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := w.Check(ctx); err == nil {
		t.Error("Check(server that never greets) = nil, want an error")
	}
}
