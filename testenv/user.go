package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// localPartChars are the characters that Dovecot accepts in a user name by
// default (auth_username_chars) and that Postfix's recipient table accepts.
const localPartChars = "abcdefghijklmnopqrstuvwxyz0123456789.-_"

// testDomains returns the domains whose every local part is a mailbox.
func testDomains() []string {
	return []string{Domain, "example.com", "contoh.go.id"}
}

// NewUser returns the address of a user that no test has used yet in this
// run, such as "helpdesk-3f9a2c1b@layanan.example.go.id": prefix, a hyphen
// and 8 random hex digits. The user's mailboxes are empty until a test
// delivers to them, and its password is Password(address). A prefix with a
// domain, such as "user@example.com", makes the user at that domain;
// otherwise the domain is Domain. An empty prefix means "user".
func (e *Env) NewUser(t testing.TB, prefix string) string {
	t.Helper()

	local, domain, err := splitPrefix(prefix)
	if err != nil {
		t.Fatalf("NewUser(%q): %v", prefix, err)
	}

	for range 10 {
		address := local + "-" + randomHex(t, 4) + "@" + domain
		if !e.userExists(t, address) {
			return address
		}
	}
	t.Fatalf("NewUser(%q): every random name tried was already in use", prefix)
	return ""
}

// Login returns the IMAP and doveadm user name of the mailbox that user
// receives into: lowercase, with Domain added to a bare local part, and
// without a +TOKEN detail.
func (e *Env) Login(user string) string {
	address := e.address(user)
	local, domain, _ := strings.Cut(address, "@")
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

// Password returns the IMAP password of user, "<local part>-pass". The
// test servers accept it for every user at every test domain.
func (e *Env) Password(user string) string {
	local, _, _ := strings.Cut(e.Login(user), "@")
	return local + "-pass"
}

// address lowercases user and adds Domain to a bare local part, keeping a
// +TOKEN detail.
func (e *Env) address(user string) string {
	return strings.ToLower(e.qualify(strings.TrimSpace(user)))
}

// qualify adds @Domain to a bare local part.
func (e *Env) qualify(address string) string {
	if strings.Contains(address, "@") {
		return address
	}
	return address + "@" + e.Domain
}

// splitPrefix checks a NewUser prefix and returns its local part and
// domain.
func splitPrefix(prefix string) (local, domain string, err error) {
	local, domain, hasDomain := strings.Cut(strings.ToLower(prefix), "@")
	if !hasDomain {
		domain = Domain
	}
	if local == "" {
		local = "user"
	}

	if strings.ContainsFunc(local, isInvalidLocalRune) {
		return "", "", fmt.Errorf("invalid local part %q: use only a-z, 0-9, '.', '-' and '_'", local)
	}
	if !slices.Contains(testDomains(), domain) {
		return "", "", fmt.Errorf("domain %q receives no mail: use one of %s", domain, strings.Join(testDomains(), ", "))
	}
	return local, domain, nil
}

func isInvalidLocalRune(r rune) bool {
	return !strings.ContainsRune(localPartChars, r)
}

func randomHex(t testing.TB, n int) string {
	t.Helper()

	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		t.Fatalf("read random bytes: %v", err)
	}
	return hex.EncodeToString(buf)
}

// userExists reports whether Dovecot has created the home directory of
// address, which it does on the first delivery, login or doveadm command.
func (e *Env) userExists(t testing.TB, address string) bool {
	t.Helper()

	local, domain, _ := strings.Cut(address, "@")
	home := filepath.Join(e.RuntimeDir, "mail", domain, local)
	_, err := os.Stat(home)
	if err == nil {
		return true
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("check home of %s: %v", address, err)
	}
	return false
}
