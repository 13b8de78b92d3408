package testenv

import (
	"fmt"
	"net"
	"net/smtp"
	"testing"
	"time"
)

// smtpTimeout bounds one whole SMTP transaction.
const smtpTimeout = 30 * time.Second

// SendMail submits raw to Postfix at SMTPAddr for the envelope sender from
// and the recipients to, and fails the test unless Postfix accepts it.
// Acceptance means queued: use WaitMessages or WaitMessage to see the
// delivery. See TrySendMail for how raw travels.
func (e *Env) SendMail(t testing.TB, from string, to []string, raw []byte) {
	t.Helper()

	if err := e.TrySendMail(from, to, raw); err != nil {
		t.Fatalf("SendMail(%s -> %v): %v", from, to, err)
	}
}

// TrySendMail is SendMail that returns the error, for tests that expect a
// rejection or an outage. An SMTP reply error is a *textproto.Error with
// the reply code. Bare local parts in from and to get @Domain; otherwise
// the addresses are sent as given. No header is added to raw. Lines ending in a bare LF are
// sent with CRLF, the line ending SMTP requires, and lines starting with a
// dot are dot-stuffed on the wire (RFC 5321 section 4.5.2), so the server
// stores the lines of raw unchanged.
func (e *Env) TrySendMail(from string, to []string, raw []byte) error {
	if len(to) == 0 {
		return fmt.Errorf("send mail: no recipients")
	}

	conn, err := net.DialTimeout("tcp", e.SMTPAddr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	defer conn.Close()

	if err := conn.SetDeadline(time.Now().Add(smtpTimeout)); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}

	host, _, _ := net.SplitHostPort(e.SMTPAddr)
	client, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("send mail: greeting: %w", err)
	}
	defer client.Close()

	return e.sendTransaction(client, from, to, raw)
}

// sendTransaction runs EHLO, MAIL, RCPT, DATA and QUIT on client.
func (e *Env) sendTransaction(client *smtp.Client, from string, to []string, raw []byte) error {
	if err := client.Hello("localhost"); err != nil {
		return fmt.Errorf("send mail: ehlo: %w", err)
	}

	if err := client.Mail(e.qualify(from)); err != nil {
		return fmt.Errorf("send mail: mail from %s: %w", from, err)
	}

	for _, rcpt := range to {
		if err := client.Rcpt(e.qualify(rcpt)); err != nil {
			return fmt.Errorf("send mail: rcpt to %s: %w", rcpt, err)
		}
	}

	if err := writeData(client, raw); err != nil {
		return fmt.Errorf("send mail: data: %w", err)
	}

	if err := client.Quit(); err != nil {
		return fmt.Errorf("send mail: quit: %w", err)
	}
	return nil
}

func writeData(client *smtp.Client, raw []byte) error {
	w, err := client.Data()
	if err != nil {
		return err
	}

	_, writeErr := w.Write(raw)
	closeErr := w.Close()
	if writeErr != nil {
		return writeErr
	}
	return closeErr
}
