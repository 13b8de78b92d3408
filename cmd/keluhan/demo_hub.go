package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// mailHub is the demo's own mail system on loopback: an in-memory IMAP
// server and an SMTP receiver that delivers into its mailboxes, like a
// small Postfix in front of Dovecot. It exists for `keluhan demo` only.
type mailHub struct {
	mem      *imapmemserver.Server
	imapSrv  *imapserver.Server
	smtpSrv  *smtp.Server
	imapAddr string
	smtpAddr string

	mu    sync.Mutex
	users map[string]*imapmemserver.User
}

// demoPassword is every demo mailbox's password; the servers listen on
// loopback only and hold nothing but the demo's fictional mail.
const demoPassword = "demo"

// startMailHub starts both servers on 127.0.0.1 with a mailbox (INBOX
// and Quarantine) for each address.
func startMailHub(addresses []string) (*mailHub, error) {
	h := &mailHub{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}}
	for _, a := range addresses {
		if err := h.addUser(a); err != nil {
			return nil, err
		}
	}
	if err := h.startIMAP(); err != nil {
		return nil, err
	}
	if err := h.startSMTP(); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *mailHub) addUser(address string) error {
	u := imapmemserver.NewUser(address, demoPassword)
	for _, box := range []string{"INBOX", "Quarantine"} {
		if err := u.Create(box, nil); err != nil {
			return fmt.Errorf("create mailbox %s for %s: %w", box, address, err)
		}
	}
	h.mem.AddUser(u)
	h.users[address] = u
	return nil
}

func (h *mailHub) startIMAP() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen imap: %w", err)
	}
	h.imapAddr = ln.Addr().String()
	h.imapSrv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return h.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}, imap.CapUIDPlus: {}, imap.CapMove: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	go func() {
		_ = h.imapSrv.Serve(ln) // returns when the demo closes the server
	}()
	return nil
}

func (h *mailHub) startSMTP() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen smtp: %w", err)
	}
	h.smtpAddr = ln.Addr().String()
	h.smtpSrv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &hubSession{hub: h}, nil
	}))
	h.smtpSrv.Domain = "localhost"
	h.smtpSrv.AllowInsecureAuth = true
	h.smtpSrv.ErrorLog = log.New(io.Discard, "", 0)
	go func() {
		_ = h.smtpSrv.Serve(ln) // returns when the demo closes the server
	}()
	return nil
}

func (h *mailHub) close() {
	if h.smtpSrv != nil {
		_ = h.smtpSrv.Close() // demo teardown; the process exits next
	}
	if h.imapSrv != nil {
		_ = h.imapSrv.Close() // demo teardown; the process exits next
	}
}

// deliver stores a message in the INBOX of the mailbox an address
// belongs to; "helpdesk+token@..." belongs to "helpdesk@...".
func (h *mailHub) deliver(rcpt string, raw []byte) error {
	local, domain, _ := strings.Cut(strings.ToLower(rcpt), "@")
	local, _, _ = strings.Cut(local, "+")
	h.mu.Lock()
	u, ok := h.users[local+"@"+domain]
	h.mu.Unlock()
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox: " + rcpt}
	}
	_, err := u.Append("INBOX", literal{Reader: bytes.NewReader(raw), size: int64(len(raw))}, &imap.AppendOptions{Time: time.Now()})
	return err
}

// literal adapts bytes to imap.LiteralReader.
type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// hubSession receives one SMTP transaction.
type hubSession struct {
	hub  *mailHub
	rcpt []string
}

func (s *hubSession) Reset()        { s.rcpt = nil }
func (s *hubSession) Logout() error { return nil }

func (s *hubSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *hubSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, domain, _ := strings.Cut(strings.ToLower(to), "@")
	local, _, _ = strings.Cut(local, "+")
	s.hub.mu.Lock()
	_, ok := s.hub.users[local+"@"+domain]
	s.hub.mu.Unlock()
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *hubSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for _, to := range s.rcpt {
		if err := s.hub.deliver(to, raw); err != nil {
			return err
		}
	}
	return nil
}

// fetchAll returns every message in a mailbox's INBOX, oldest first.
func (h *mailHub) fetchAll(ctx context.Context, address string) ([][]byte, error) {
	c, err := imapclient.DialInsecure(h.imapAddr, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Login(address, demoPassword).Wait(); err != nil {
		return nil, err
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || sel.NumMessages == 0 {
		return nil, err
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages)
	msgs, err := c.Fetch(set, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, m := range msgs {
		for _, body := range m.BodySection {
			out = append(out, body.Bytes)
		}
	}
	return out, ctx.Err()
}

// waitFor polls a mailbox until match accepts a message, and returns it.
func (h *mailHub) waitFor(ctx context.Context, address string, timeout time.Duration, match func([]byte) bool) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		msgs, err := h.fetchAll(ctx, address)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, errors.New("timed out")
}
