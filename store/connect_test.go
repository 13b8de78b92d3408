package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

func TestClientTLS(t *testing.T) {
	tests := []struct {
		name         string
		uri          string
		insecure     bool
		wantPlain    bool
		wantNoVerify bool
		wantErr      bool
	}{
		{"default is verified tls", "mongodb://db.example.go.id:27017/", false, false, false, false},
		{"tls=false is plain", "mongodb://db.example.go.id:27017/?tls=false", false, true, false, false},
		{"ssl=false is plain", "mongodb://db.example.go.id:27017/?ssl=false", false, true, false, false},
		{"insecure setting", "mongodb://db.example.go.id:27017/?tls=true", true, false, true, false},
		{"insecure ignored for plain", "mongodb://db.example.go.id:27017/?tls=false", true, true, false, false},
		{"tlsInsecure in uri rejected", "mongodb://db.example.go.id:27017/?tlsInsecure=true", false, false, false, true},
	}
	for _, tt := range tests {
		cs, err := connstring.ParseAndValidate(tt.uri)
		if err != nil {
			t.Fatalf("ParseAndValidate(%s) error: %v", tt.uri, err)
		}
		conf, err := clientTLS(cs, Config{URI: tt.uri, Insecure: tt.insecure}, nil)
		if (err != nil) != tt.wantErr {
			t.Errorf("clientTLS(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if (conf == nil) != tt.wantPlain {
			t.Errorf("clientTLS(%s) plain = %v, want %v", tt.name, conf == nil, tt.wantPlain)
		}
		if conf != nil && conf.InsecureSkipVerify != tt.wantNoVerify {
			t.Errorf("clientTLS(%s) InsecureSkipVerify = %v, want %v", tt.name, conf.InsecureSkipVerify, tt.wantNoVerify)
		}
	}
}

func TestClientTLSCAFile(t *testing.T) {
	cs, err := connstring.ParseAndValidate("mongodb://db.example.go.id/")
	if err != nil {
		t.Fatalf("ParseAndValidate() error: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
	}{
		{"missing file", filepath.Join(t.TempDir(), "none.pem")},
		{"no certificate", bad},
	}
	for _, tt := range tests {
		if _, err := clientTLS(cs, Config{CAFile: tt.path}, nil); err == nil {
			t.Errorf("clientTLS(%s) error = nil, want an error", tt.name)
		}
	}
}

func TestAllLoopback(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		want  bool
	}{
		{"ipv4 loopback", []string{"127.0.0.1:27017"}, true},
		{"localhost", []string{"localhost:27017"}, true},
		{"ipv6 loopback", []string{"[::1]:27017"}, true},
		{"no port", []string{"127.0.0.5"}, true},
		{"one remote host", []string{"127.0.0.1:27017", "db.example.go.id:27017"}, false},
		{"private address", []string{"10.0.0.5:27017"}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := allLoopback(tt.hosts); got != tt.want {
			t.Errorf("allLoopback(%v) = %v, want %v", tt.hosts, got, tt.want)
		}
	}
}

func TestOpenRejectsBadURI(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"invalid uri keeps the password out", Config{URI: "mongodb://user:s3cret@/nohost?tls=maybe"}, "invalid connection string"},
		{"tlsInsecure", Config{URI: "mongodb://127.0.0.1:1/?tlsInsecure=true"}, "tlsInsecure"},
	}
	for _, tt := range tests {
		_, err := Open(context.Background(), tt.cfg, discardLogger())
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%s) error = %v, want one mentioning %q without the password", tt.name, err, tt.want)
		}
	}
}

func TestOpenEmbeddedKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, Config{}, discardLogger()); err == nil {
		t.Error("Open(no uri, no data dir) error = nil, want an error")
	}

	s, err := Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(embedded) error: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping() error: %v", err)
	}
	if !s.ferret {
		t.Error("Open(embedded) did not detect FerretDB")
	}
	insertTickets(t, s, ticket("KLH-2026-000001", "mid:a@x", t0))
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close() error: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ferretdb", DefaultDatabase+".sqlite")); err != nil {
		t.Errorf("embedded database file: %v", err)
	}

	s, err = Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(embedded again) error: %v", err)
	}
	defer s.Close(ctx)
	if _, err := s.Ticket(ctx, "KLH-2026-000001"); err != nil {
		t.Errorf("Ticket() after reopening: %v", err)
	}
}
