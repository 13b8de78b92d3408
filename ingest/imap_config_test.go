package ingest

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type nopHandler struct{}

func (nopHandler) HandleBatch(context.Context, []Fetched) ([]Verdict, error) { return nil, nil }

type nopStates struct{}

func (nopStates) MailboxState(context.Context, string) (uint32, uint32, error) { return 0, 0, nil }

func (nopStates) SaveMailboxState(context.Context, string, uint32, uint32) error { return nil }

func validIMAPConfig() IMAPConfig {
	return IMAPConfig{Addr: "imap.example.go.id:993", Username: "helpdesk", Password: "secret"}
}

func TestNewWatcherDefaults(t *testing.T) {
	w, err := NewWatcher(validIMAPConfig(), nopHandler{}, nopStates{}, nil)
	if err != nil {
		t.Fatalf("NewWatcher(valid config) error = %v, want nil", err)
	}
	want := IMAPConfig{
		Addr:             "imap.example.go.id:993",
		TLS:              TLSImplicit,
		Username:         "helpdesk",
		Password:         "secret",
		Auth:             AuthPlain,
		Mailbox:          "INBOX",
		ProcessedFlag:    "$KeluhanProcessed",
		QuarantineFolder: "Quarantine",
		BatchSize:        50,
		MaxFetchBytes:    64 << 20,
		PollInterval:     30 * time.Second,
		RescanInterval:   5 * time.Minute,
		IdleRestart:      25 * time.Minute,
		MinBackoff:       time.Second,
		MaxBackoff:       2 * time.Minute,
	}
	if got := w.cfg; !reflect.DeepEqual(got, want) {
		t.Errorf("NewWatcher(valid config).cfg = %+v, want %+v", got, want)
	}
	if w.tls == nil || w.tls.ServerName != "imap.example.go.id" {
		t.Errorf("NewWatcher(valid config).tls = %+v, want ServerName imap.example.go.id", w.tls)
	}
}

func TestNewWatcherInvalidConfig(t *testing.T) {
	token := func(context.Context) (string, error) { return "t", nil }
	tests := []struct {
		name     string
		change   func(*IMAPConfig)
		wantText string
	}{
		{"address without port", func(c *IMAPConfig) { c.Addr = "imap.example.go.id" }, "address"},
		{"unknown tls", func(c *IMAPConfig) { c.TLS = "ssl" }, "tls"},
		{"unknown auth", func(c *IMAPConfig) { c.Auth = "cram-md5" }, "auth"},
		{"missing username", func(c *IMAPConfig) { c.Username = "" }, "username"},
		{"missing password", func(c *IMAPConfig) { c.Password = "" }, "password"},
		{"xoauth2 without token source", func(c *IMAPConfig) { c.Auth = AuthXOAUTH2 }, "token source"},
		{"oauthbearer without token source", func(c *IMAPConfig) { c.Auth = AuthOAuthBearer; c.Password = "" }, "token source"},
		{"wildcard in mailbox", func(c *IMAPConfig) { c.Mailbox = "INBOX*" }, "mailbox"},
		{"quarantine is mailbox", func(c *IMAPConfig) { c.QuarantineFolder = "inbox" }, "quarantine_folder"},
		{"processed is mailbox", func(c *IMAPConfig) { c.ProcessedFolder = "INBOX" }, "processed_folder"},
		{"processed is quarantine", func(c *IMAPConfig) { c.ProcessedFolder = "Quarantine" }, "processed_folder"},
		{"system flag as keyword", func(c *IMAPConfig) { c.ProcessedFlag = `\Seen` }, "processed_flag"},
		{"keyword with space", func(c *IMAPConfig) { c.ProcessedFlag = "Keluhan Done" }, "processed_flag"},
		{"negative batch size", func(c *IMAPConfig) { c.BatchSize = -1 }, "batch_size"},
		{"max fetch over 32 bits", func(c *IMAPConfig) { c.MaxFetchBytes = 1 << 32 }, "max_fetch_bytes"},
		{"negative poll interval", func(c *IMAPConfig) { c.PollInterval = -time.Second }, "poll_interval"},
		{"idle restart of 29m", func(c *IMAPConfig) { c.IdleRestart = 29 * time.Minute }, "idle_restart"},
		{"max backoff below min", func(c *IMAPConfig) { c.MinBackoff = time.Minute; c.MaxBackoff = time.Second }, "max_backoff"},
		{"missing ca file", func(c *IMAPConfig) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validIMAPConfig()
			tt.change(&cfg)
			_, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("NewWatcher(%s) error = %v, want ErrInvalidConfig", tt.name, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("NewWatcher(%s) error = %q, want it to name %q", tt.name, err, tt.wantText)
			}
		})
	}

	t.Run("oauth with token source", func(t *testing.T) {
		cfg := validIMAPConfig()
		cfg.Auth, cfg.Password, cfg.TokenSource = "XOAUTH2", "", token
		if _, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil); err != nil {
			t.Errorf("NewWatcher(xoauth2 with token source) error = %v, want nil", err)
		}
	})
}

func TestNewWatcherNilDependencies(t *testing.T) {
	if _, err := NewWatcher(validIMAPConfig(), nil, nopStates{}, nil); err == nil {
		t.Error("NewWatcher(nil handler) error = nil, want an error")
	}
	if _, err := NewWatcher(validIMAPConfig(), nopHandler{}, nil, nil); err == nil {
		t.Error("NewWatcher(nil states) error = nil, want an error")
	}
}

func TestTLSConfigCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	srv.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(good, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		file    string
		wantErr bool
	}{
		{"pem certificate", good, false},
		{"no pem block", bad, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validIMAPConfig()
			cfg.CAFile = tt.file
			conf, err := cfg.withDefaults().tlsConfig()
			if (err != nil) != tt.wantErr {
				t.Fatalf("tlsConfig(ca_file %s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if !tt.wantErr && conf.RootCAs == nil {
				t.Errorf("tlsConfig(ca_file %s).RootCAs = nil, want the file's pool", tt.name)
			}
		})
	}
}

func TestIsKeyword(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"$KeluhanProcessed", true},
		{"Processed", true},
		{"", false},
		{`\Seen`, false},
		{"a b", false},
		{"a(b", false},
		{"a]b", false},
		{"a*", false},
		{"a%", false},
		{`a"b`, false},
		{"a{b", false},
		{"caf\u00e9", false},
		{"a\x7f", false},
	}
	for _, tt := range tests {
		if got := isKeyword(tt.in); got != tt.want {
			t.Errorf("isKeyword(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"127.0.0.1:143", true},
		{"[::1]:143", true},
		{"localhost:143", true},
		{"LOCALHOST:143", true},
		{"127.8.9.10:143", true},
		{"10.0.0.1:143", false},
		{"imap.example.go.id:143", false},
		{"localhost", false},
	}
	for _, tt := range tests {
		if got := isLoopbackHost(tt.in); got != tt.want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
