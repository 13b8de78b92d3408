package main

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// imapTimeout bounds one IMAP command's reads and writes.
const imapTimeout = 2 * time.Minute

// mailbox is one logged-in IMAP connection without TLS, for the test
// servers on loopback.
type mailbox struct {
	client *imapclient.Client
}

func dialIMAP(addr, user, password string) (*mailbox, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to imap %s: %w", addr, err)
	}
	client := imapclient.New(conn, nil)
	if err := client.Login(user, password).Wait(); err != nil {
		client.Close()
		return nil, fmt.Errorf("imap login %s: %w", user, err)
	}
	return &mailbox{client: client}, nil
}

func (m *mailbox) close() {
	// Nothing is pending once the caller closes, so a failed logout or
	// close loses nothing.
	_ = m.client.Logout().Wait()
	_ = m.client.Close()
}

// appendRaw stores raw in mailbox name byte for byte.
func (m *mailbox) appendRaw(name string, raw []byte) error {
	cmd := m.client.Append(name, int64(len(raw)), nil)
	_, writeErr := cmd.Write(raw)
	closeErr := cmd.Close()
	_, err := cmd.Wait()
	if err = errors.Join(writeErr, closeErr, err); err != nil {
		return fmt.Errorf("append to %s: %w", name, err)
	}
	return nil
}

// status returns the message count and UIDNEXT of mailbox name.
func (m *mailbox) status(name string) (messages, uidNext uint32, err error) {
	data, err := m.client.Status(name, &imap.StatusOptions{NumMessages: true, UIDNext: true}).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("status %s: %w", name, err)
	}
	if data.NumMessages == nil {
		return 0, 0, fmt.Errorf("status %s: server returned no MESSAGES", name)
	}
	return *data.NumMessages, uint32(data.UIDNext), nil
}

// countWithout returns the number of messages in mailbox name and how
// many of them lack keyword. It selects the mailbox read-only each time,
// so that flag changes by other sessions are seen.
func (m *mailbox) countWithout(name string, keyword imap.Flag) (total, without uint32, err error) {
	sel, err := m.client.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("examine %s: %w", name, err)
	}
	if sel.NumMessages == 0 {
		return 0, 0, nil
	}

	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{keyword}}
	data, err := m.client.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("search %s for messages without %s: %w", name, keyword, err)
	}
	return sel.NumMessages, uint32(len(data.AllUIDs())), nil
}

// exists reports whether mailbox name exists.
func (m *mailbox) exists(name string) (bool, error) {
	list, err := m.client.List("", name, nil).Collect()
	if err != nil {
		return false, fmt.Errorf("list %s: %w", name, err)
	}
	return len(list) > 0, nil
}
