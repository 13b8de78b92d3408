package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	// imapTimeout bounds one IMAP session of Append.
	imapTimeout = 30 * time.Second
	// sessionSlack is added to a wait's timeout for login and the final
	// fetch.
	sessionSlack = 30 * time.Second
	// pollInterval is the pause between two looks at a mailbox.
	pollInterval = 50 * time.Millisecond
)

// Fetched is one message read back over IMAP.
type Fetched struct {
	UID          uint32
	Flags        []imap.Flag
	InternalDate time.Time
	// Raw is the whole stored message, BODY[]. Delivery through SMTP
	// prepends Return-Path, Delivered-To and two Received headers to the
	// bytes sent; Append stores the bytes exactly.
	Raw []byte
}

// HasFlag reports whether the message has flag. IMAP flags and keywords
// compare case-insensitively (RFC 3501 section 2.3.2).
func (f Fetched) HasFlag(flag imap.Flag) bool {
	for _, have := range f.Flags {
		if strings.EqualFold(string(have), string(flag)) {
			return true
		}
	}
	return false
}

// Header returns the first value of the named header field, as net/mail
// reads it, or "" when the field is missing or the header cannot be
// parsed.
func (f Fetched) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(f.Raw))
	if err != nil {
		return ""
	}
	return msg.Header.Get(name)
}

// Append stores raw in mailbox of user over IMAP with the given flags and
// keywords, creating the mailbox if it does not exist, and returns the new
// message's UID. raw is stored byte for byte.
func (e *Env) Append(t testing.TB, user, mailbox string, raw []byte, flags ...imap.Flag) uint32 {
	t.Helper()

	uid, err := e.appendMessage(user, mailbox, raw, flags)
	if err != nil {
		t.Fatalf("Append(%s, %s): %v", user, mailbox, err)
	}
	return uid
}

// WaitMessages polls mailbox of user until it holds at least n messages
// and returns all of them in UID order, or fails the test after timeout. A
// mailbox that does not exist yet counts as empty. It reads with EXAMINE
// and BODY.PEEK[], so it changes no flags.
func (e *Env) WaitMessages(t testing.TB, user, mailbox string, n int, timeout time.Duration) []Fetched {
	t.Helper()

	msgs, err := e.waitMessages(user, mailbox, n, timeout)
	if err != nil {
		t.Fatalf("WaitMessages(%s, %s, %d): %v", user, mailbox, n, err)
	}
	return msgs
}

// WaitMessage polls mailbox of user until a message for which match
// returns true arrives and returns the first such message, or fails the
// test after timeout. Use it on mailboxes that other tests deliver to as
// well. Like WaitMessages, it changes no flags.
func (e *Env) WaitMessage(t testing.TB, user, mailbox string, timeout time.Duration, match func(Fetched) bool) Fetched {
	t.Helper()

	msg, err := e.waitMessage(user, mailbox, timeout, match)
	if err != nil {
		t.Fatalf("WaitMessage(%s, %s): %v", user, mailbox, err)
	}
	return msg
}

func (e *Env) appendMessage(user, mailbox string, raw []byte, flags []imap.Flag) (uint32, error) {
	s, err := e.openIMAP(user, imapTimeout)
	if err != nil {
		return 0, err
	}
	defer s.close()

	data, err := s.append(mailbox, raw, flags)
	if isTryCreate(err) {
		if err := s.client.Create(mailbox, nil).Wait(); err != nil {
			return 0, fmt.Errorf("create %s: %w", mailbox, err)
		}
		data, err = s.append(mailbox, raw, flags)
	}
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", mailbox, err)
	}

	if data.UID == 0 {
		return 0, fmt.Errorf("append to %s: server returned no UID (UIDPLUS missing)", mailbox)
	}
	return uint32(data.UID), nil
}

func (e *Env) waitMessages(user, mailbox string, n int, timeout time.Duration) ([]Fetched, error) {
	s, err := e.openIMAP(user, timeout+sessionSlack)
	if err != nil {
		return nil, err
	}
	defer s.close()

	deadline := time.Now().Add(timeout)
	for {
		data, err := s.examine(mailbox)
		if err == nil && data.NumMessages >= uint32(n) {
			return s.fetchFrom(1, data.NumMessages)
		}

		if time.Now().After(deadline) {
			return nil, waitTimeoutError(timeout, data, err)
		}
		time.Sleep(pollInterval)
	}
}

func (e *Env) waitMessage(user, mailbox string, timeout time.Duration, match func(Fetched) bool) (Fetched, error) {
	s, err := e.openIMAP(user, timeout+sessionSlack)
	if err != nil {
		return Fetched{}, err
	}
	defer s.close()

	deadline := time.Now().Add(timeout)
	next := uint32(1)
	for {
		data, err := s.examine(mailbox)
		if err == nil && uint32(data.UIDNext) > next {
			msgs, err := s.fetchFrom(next, data.NumMessages)
			if err != nil {
				return Fetched{}, err
			}
			for _, msg := range msgs {
				if match(msg) {
					return msg, nil
				}
			}
			next = uint32(data.UIDNext)
		}

		if time.Now().After(deadline) {
			return Fetched{}, waitTimeoutError(timeout, data, err)
		}
		time.Sleep(pollInterval)
	}
}

// waitTimeoutError describes the mailbox as the last look found it.
func waitTimeoutError(timeout time.Duration, last *imap.SelectData, lastErr error) error {
	if lastErr != nil {
		return fmt.Errorf("timed out after %s: %w", timeout, lastErr)
	}
	return fmt.Errorf("timed out after %s with %d messages in the mailbox", timeout, last.NumMessages)
}

func isTryCreate(err error) bool {
	var imapErr *imap.Error
	return errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate
}

// imapSession is one logged-in IMAP connection that closes itself when
// its time is up, so a stuck server fails the test instead of hanging it.
type imapSession struct {
	client   *imapclient.Client
	watchdog *time.Timer
}

// openIMAP logs in as user at IMAPAddr without TLS.
func (e *Env) openIMAP(user string, timeout time.Duration) (*imapSession, error) {
	conn, err := net.DialTimeout("tcp", e.IMAPAddr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to imap: %w", err)
	}

	client := imapclient.New(conn, nil)
	s := &imapSession{
		client:   client,
		watchdog: time.AfterFunc(timeout, func() { client.Close() }),
	}

	login := e.Login(user)
	if err := client.Login(login, e.Password(user)).Wait(); err != nil {
		s.close()
		return nil, fmt.Errorf("login %s: %w", login, err)
	}
	return s, nil
}

func (s *imapSession) close() {
	s.watchdog.Stop()
	// The session's results are already read; a failed close loses nothing.
	_ = s.client.Close()
}

func (s *imapSession) append(mailbox string, raw []byte, flags []imap.Flag) (*imap.AppendData, error) {
	cmd := s.client.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	_, writeErr := cmd.Write(raw)
	closeErr := cmd.Close()
	data, err := cmd.Wait()

	if writeErr != nil {
		return nil, writeErr
	}
	if closeErr != nil {
		return nil, closeErr
	}
	return data, err
}

func (s *imapSession) examine(mailbox string) (*imap.SelectData, error) {
	data, err := s.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", mailbox, err)
	}
	return data, nil
}

// fetchFrom returns the messages with UID first or higher in the selected
// mailbox, which holds count messages.
func (s *imapSession) fetchFrom(first, count uint32) ([]Fetched, error) {
	if count == 0 {
		return nil, nil
	}

	// BODY.PEEK[] is the whole message, read without setting \Seen.
	wholeBody := &imap.FetchItemBodySection{Peek: true}
	opts := &imap.FetchOptions{
		UID:          true,
		Flags:        true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{wholeBody},
	}
	uids := imap.UIDSet{{Start: imap.UID(first), Stop: 0}}
	bufs, err := s.client.Fetch(uids, opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch uid %d:*: %w", first, err)
	}

	// "first:*" also returns the last message when first is past it.
	var msgs []Fetched
	for _, buf := range bufs {
		if uint32(buf.UID) < first {
			continue
		}
		msgs = append(msgs, Fetched{
			UID:          uint32(buf.UID),
			Flags:        buf.Flags,
			InternalDate: buf.InternalDate,
			Raw:          buf.FindBodySection(wholeBody),
		})
	}
	return msgs, nil
}
