package mailer

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// newPostfixSender connects to the test Postfix, which offers neither TLS
// nor AUTH on its SMTP port.
func newPostfixSender(t *testing.T, env *testenv.Env) *SMTPSender {
	t.Helper()
	host, portText, err := net.SplitHostPort(env.SMTPAddr)
	if err != nil {
		t.Fatalf("split %s: %v", env.SMTPAddr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("port of %s: %v", env.SMTPAddr, err)
	}

	sender, err := NewSMTPSender(SMTPConfig{Host: host, Port: port, TLS: TLSNone, Timeout: 30 * time.Second}, nil)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	t.Cleanup(func() { _ = sender.Close() })
	return sender
}

func TestPostfixDelivery(t *testing.T) {
	env := testenv.Require(t)
	sender := newPostfixSender(t, env)
	user := env.NewUser(t, "pelapor@example.com")

	out := sampleOutgoing()
	out.To = workflow.Party{Name: "Siti Rahmawati", Email: user}
	out.MessageID = fmt.Sprintf("klh.ack.%d@%s", time.Now().UnixNano(), testenv.Domain)
	if err := sender.Send(t.Context(), out, nil); err != nil {
		t.Fatalf("Send through Postfix: %v", err)
	}

	msg := env.WaitMessage(t, user, "INBOX", 30*time.Second, func(f testenv.Fetched) bool {
		return f.Header("Message-ID") == "<"+out.MessageID+">"
	})

	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header("Subject"))
	if err != nil {
		t.Fatalf("decode Subject: %v", err)
	}
	tests := []struct {
		name, got, want string
	}{
		{"Subject", subject, out.Subject},
		{"In-Reply-To", msg.Header("In-Reply-To"), "<complaint-1@example.com>"},
		{"References", msg.Header("References"), "<complaint-1@example.com> <complaint-0@example.com>"},
		{"Auto-Submitted", msg.Header("Auto-Submitted"), "auto-replied"},
		{"X-Auto-Response-Suppress", msg.Header("X-Auto-Response-Suppress"), "All"},
		{"X-Keluhan-Loop", msg.Header("X-Keluhan-Loop"), out.From.Email},
		{"X-Keluhan-Ticket", msg.Header("X-Keluhan-Ticket"), out.Ticket},
		{"X-Mailer", msg.Header("X-Mailer"), ""},
		{"User-Agent", msg.Header("User-Agent"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("delivered header %s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestPostfixRelayDeniedIsPermanent(t *testing.T) {
	env := testenv.Require(t)
	sender := newPostfixSender(t, env)

	out := sampleOutgoing()
	out.To = workflow.Party{Email: "someone@outside.invalid"}
	err := sender.Send(t.Context(), out, nil)

	var sendErr *SendError
	if !errors.As(err, &sendErr) {
		t.Fatalf("Send to an outside domain error = %v, want *SendError", err)
	}
	if sendErr.Temporary || sendErr.Code < 500 {
		t.Errorf("Send to an outside domain = SendError{Temporary: %v, Code: %d}, want a permanent 5xx",
			sendErr.Temporary, sendErr.Code)
	}
}
