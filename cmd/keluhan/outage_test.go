package main

import (
	"context"
	"testing"
	"time"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// TestSMTPOutageDeliversOnce stops Postfix while mail is queued, starts
// it again, and checks that every email arrives exactly once.
func TestSMTPOutageDeliversOnce(t *testing.T) {
	env := testenv.RequireIsolated(t)
	k := startDesk(t, env, deskOptions{extraYAML: "outbox: {base_backoff: 1s, max_backoff: 2s}"})
	requester := env.NewUser(t, "user@example.com")
	env.StopSMTP(t)
	env.Append(t, k.helpdesk, "INBOX", complaint("Warga", requester, "Server sedang gangguan", "Aplikasi tidak bisa dibuka sejak pagi."))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"

	deadline := time.Now().Add(mailWait)
	for !retried(t, k, tk.Number) {
		if time.Now().After(deadline) {
			t.Fatal("no delivery attempt failed while Postfix was down")
		}
		time.Sleep(200 * time.Millisecond)
	}
	env.StartSMTP(t)
	k.mail(requester, tag, 1)
	k.mail(k.officer, tag, 1)
	if n := k.countMail(requester, tag, 4*time.Second); n != 1 {
		t.Errorf("acknowledgments delivered = %d, want 1", n)
	}
	if n := k.countMail(k.officer, tag, 0); n != 1 {
		t.Errorf("triage requests delivered = %d, want 1", n)
	}
}

// retried reports whether an outbox row of the ticket failed an attempt
// and waits for the next one.
func retried(t *testing.T, k *desk, number string) bool {
	rows, err := k.d.store.ListOutgoing(context.Background(), store.OutboxFilter{Ticket: number})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status == workflow.OutboxPending && r.LastError != "" {
			return true
		}
	}
	return false
}
