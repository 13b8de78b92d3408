package main

import (
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"time"
)

// smtpTimeout bounds one SMTP transaction.
const smtpTimeout = time.Minute

// submitter sends messages over one SMTP connection without TLS or AUTH,
// one transaction each, as the test Postfix on loopback accepts them.
type submitter struct {
	conn   net.Conn
	client *smtp.Client
}

func dialSMTP(addr string) (*submitter, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to smtp %s: %w", addr, err)
	}
	host, _, _ := net.SplitHostPort(addr)
	client, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("smtp greeting from %s: %w", addr, err)
	}
	if err := client.Hello("mailgen.example.com"); err != nil {
		client.Close()
		return nil, fmt.Errorf("smtp ehlo: %w", err)
	}
	return &submitter{conn: conn, client: client}, nil
}

// send submits raw for the envelope sender from and one recipient. raw
// must have CRLF line ends; dot-stuffing is done on the wire.
func (s *submitter) send(from, to string, raw []byte) error {
	if err := s.conn.SetDeadline(time.Now().Add(smtpTimeout)); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := s.client.Mail(from); err != nil {
		return fmt.Errorf("smtp mail from %s: %w", from, err)
	}
	if err := s.client.Rcpt(to); err != nil {
		return fmt.Errorf("smtp rcpt to %s: %w", to, err)
	}
	w, err := s.client.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	_, writeErr := w.Write(raw)
	if err := errors.Join(writeErr, w.Close()); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	return nil
}

func (s *submitter) close() {
	// Every message was accepted before close is called; QUIT only ends
	// the session.
	_ = s.client.Quit()
	_ = s.conn.Close()
}
