package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// commandTimeout bounds one doveadm or postfix command.
const commandTimeout = time.Minute

// MailboxStatus is a mailbox's state as doveadm reports it.
type MailboxStatus struct {
	Messages    uint32
	UIDValidity uint32
	UIDNext     uint32
}

// Expunge deletes every message in mailbox of user with doveadm. The
// mailbox keeps its UIDVALIDITY, and UIDNEXT keeps counting, as on a
// production server. Use it only on users that the test made with NewUser:
// other tests read the fixed users' mailboxes at the same time.
func (e *Env) Expunge(t testing.TB, user, mailbox string) {
	t.Helper()

	_, err := e.doveadm(t, "expunge", "-u", e.Login(user), "mailbox", mailbox, "all")
	if err != nil {
		t.Fatalf("Expunge(%s, %s): %v", user, mailbox, err)
	}
}

// Status returns the message count, UIDVALIDITY and UIDNEXT of mailbox of
// user, read with doveadm. INBOX exists for every user; another mailbox
// that does not exist fails the test.
func (e *Env) Status(t testing.TB, user, mailbox string) MailboxStatus {
	t.Helper()

	out, err := e.doveadm(t, "-f", "flow", "mailbox", "status", "-u", e.Login(user),
		"messages uidvalidity uidnext", mailbox)
	if err != nil {
		t.Fatalf("Status(%s, %s): %v", user, mailbox, err)
	}

	status, err := parseStatus(out)
	if err != nil {
		t.Fatalf("Status(%s, %s): %v", user, mailbox, err)
	}
	return status
}

// doveadm runs doveadm with the test Dovecot's configuration and returns
// its standard output.
func (e *Env) doveadm(t testing.TB, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()

	args = append([]string{"-c", e.DovecotConf}, args...)
	cmd := exec.CommandContext(ctx, "doveadm", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr

	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// parseStatus reads the output of "doveadm -f flow mailbox status" for the
// fields messages, uidvalidity and uidnext of one mailbox, such as
// "messages=2 uidvalidity=1733300000 uidnext=3".
func parseStatus(out string) (MailboxStatus, error) {
	fields := make(map[string]uint32)
	for _, field := range strings.Fields(out) {
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			continue
		}

		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return MailboxStatus{}, fmt.Errorf("parse doveadm status %q: field %s: %w", out, name, err)
		}
		fields[name] = uint32(n)
	}

	for _, name := range []string{"messages", "uidvalidity", "uidnext"} {
		if _, ok := fields[name]; !ok {
			return MailboxStatus{}, fmt.Errorf("parse doveadm status %q: missing %s", out, name)
		}
	}

	return MailboxStatus{
		Messages:    fields["messages"],
		UIDValidity: fields["uidvalidity"],
		UIDNext:     fields["uidnext"],
	}, nil
}
