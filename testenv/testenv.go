// Package testenv connects integration tests to the Dovecot and Postfix
// servers that testenv/test.sh starts on 127.0.0.1 for one test run. Mail
// sent to Env.SMTPAddr goes through Postfix and Dovecot LMTP into Maildirs
// that tests read over IMAP at Env.IMAPAddr, the same path as production.
//
// A test calls Require first. Run bare, Require skips the test and names
// the variable to set. testenv/test.sh and CI set it, and test.sh fails
// the run when any test skipped. Reading KELUHAN_* environment variables
// is this package's purpose, so it does what other packages leave to cmd/.
//
// # Sharing one server
//
// All packages of a run use the same servers at the same time, because go
// test runs packages in parallel. So that tests do not see each other's
// mail:
//   - Each test makes its own users with NewUser, such as
//     "helpdesk-3f9a2c1b@layanan.example.go.id". Every local part at
//     layanan.example.go.id, example.com and contoh.go.id is a valid
//     mailbox with password "<local part>-pass", and a new user's
//     mailboxes start empty.
//   - The fixed users are shared by all tests: helpdesk, staff1, staff2,
//     manager1, manager2, supervisor, incident and petugas at
//     layanan.example.go.id, user1, user2 and user3 at example.com, and
//     budi and andi at contoh.go.id. Find your own message in their
//     mailboxes with WaitMessage, and do not Expunge them.
//   - Tests that stop a server use RequireIsolated, which starts a private
//     pair for that test.
//
// # Addresses
//
// Every method takes users as full addresses, as NewUser returns them. A
// bare local part such as "helpdesk" is short for helpdesk@Domain. The
// mailbox methods (Append, WaitMessages, WaitMessage, Expunge, Status)
// drop a +TOKEN detail, because delivery does: helpdesk+abc@Domain and
// helpdesk@Domain share one mailbox. Dovecot lowercases user names, so the
// mailbox methods lowercase them too. SendMail sends addresses as given,
// adding @Domain to a bare local part.
package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Domain is the service desk's own mail domain in the test servers.
const Domain = "layanan.example.go.id"

// TestCommand is the command that starts the servers and runs every test.
const TestCommand = "testenv/test.sh"

// Names of the environment variables that test.sh exports.
const (
	varEnabled     = "KELUHAN_IT"
	varRuntimeDir  = "KELUHAN_TEST_RT"
	varIMAP        = "KELUHAN_TEST_IMAP"
	varIMAPS       = "KELUHAN_TEST_IMAPS"
	varSMTP        = "KELUHAN_TEST_SMTP"
	varDovecotConf = "KELUHAN_TEST_DOVECOT_CONF"
	varPostfixDir  = "KELUHAN_TEST_POSTFIX_DIR"
	varCA          = "KELUHAN_TEST_CA"
)

// Env is one running Dovecot and Postfix pair. Its methods are safe for
// concurrent use by parallel tests.
type Env struct {
	// IMAPAddr is host:port of plain IMAP, which also offers STARTTLS.
	IMAPAddr string
	// IMAPSAddr is host:port of IMAP over implicit TLS.
	IMAPSAddr string
	// SMTPAddr is host:port of Postfix's SMTP server, without TLS or AUTH.
	// It accepts mail for the test domains only.
	SMTPAddr string
	// Domain is the service desk's domain, the same as the constant Domain.
	Domain string
	// CAFile is the PEM file of the servers' self-signed certificate, for
	// names localhost and 127.0.0.1.
	CAFile string
	// RuntimeDir contains the servers' configuration, logs and Maildirs.
	RuntimeDir string
	// DovecotConf is the Dovecot configuration file, for doveadm -c.
	DovecotConf string
	// PostfixDir is Postfix's configuration directory, for postfix -c.
	PostfixDir string

	// isolated is true for a pair that belongs to one test, which may stop
	// and start its servers.
	isolated bool
}

// Require returns the shared test servers. It skips the test unless
// KELUHAN_IT is "1", and fails it when a variable is missing or the IMAP
// server refuses connections.
func Require(t testing.TB) *Env {
	t.Helper()

	if os.Getenv(varEnabled) != "1" {
		t.Skipf("integration test: set %s=1 with the test mail servers running; %s does both", varEnabled, TestCommand)
	}

	env, err := loadEnv(os.Getenv)
	if err != nil {
		t.Fatalf("%s=1 but %v; run the tests through %s", varEnabled, err, TestCommand)
	}

	if err := waitPort(env.IMAPAddr, true, 5*time.Second); err != nil {
		t.Fatalf("%s=1 but %v; run the tests through %s", varEnabled, err, TestCommand)
	}

	return env
}

// TLSConfig returns a TLS client configuration that trusts the servers'
// self-signed certificate, for IMAPSAddr and STARTTLS on IMAPAddr. The
// certificate names localhost and 127.0.0.1.
func (e *Env) TLSConfig(t testing.TB) *tls.Config {
	t.Helper()

	pem, err := os.ReadFile(e.CAFile)
	if err != nil {
		t.Fatalf("read test CA: %v", err)
	}

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("read test CA %s: no PEM certificate", e.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// loadEnv builds an Env from the variables that test.sh exports, looked up
// with getenv.
func loadEnv(getenv func(string) string) (*Env, error) {
	env := &Env{Domain: Domain}
	fields := []struct {
		name string
		dst  *string
	}{
		{varRuntimeDir, &env.RuntimeDir},
		{varIMAP, &env.IMAPAddr},
		{varIMAPS, &env.IMAPSAddr},
		{varSMTP, &env.SMTPAddr},
		{varDovecotConf, &env.DovecotConf},
		{varPostfixDir, &env.PostfixDir},
		{varCA, &env.CAFile},
	}

	var missing []string
	for _, f := range fields {
		*f.dst = getenv(f.name)
		if *f.dst == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}

	return env, nil
}

// parseEnvFile reads the NAME=value lines that mail-up.sh writes to
// RT/testenv.env. Blank lines and lines starting with # are skipped.
func parseEnvFile(data string) (map[string]string, error) {
	vars := make(map[string]string)
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}

		name, value, ok := strings.Cut(line, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: missing NAME=value: %q", i+1, line)
		}
		vars[name] = value
	}
	return vars, nil
}

// waitPort waits until a TCP connection to addr succeeds (open is true) or
// is refused (open is false).
func waitPort(addr string, open bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		if (err == nil) == open {
			return nil
		}

		if time.Now().After(deadline) {
			if open {
				return fmt.Errorf("timed out after %s waiting for a server at %s", timeout, addr)
			}
			return fmt.Errorf("timed out after %s waiting for the server at %s to stop", timeout, addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
