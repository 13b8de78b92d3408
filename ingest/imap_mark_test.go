package ingest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Dovecot always offers MOVE, so the COPY fallback runs against the
// in-process go-imap server with MOVE left out of its capabilities.
func TestMoveMessagesWithoutMove(t *testing.T) {
	tests := []struct {
		name           string
		caps           imap.CapSet
		wantInbox      uint32
		wantDeleted    uint32
		wantQuarantine uint32
	}{
		{"copy and uid expunge", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}, 1, 0, 2},
		{"copy without uidplus leaves deleted", imap.CapSet{imap.CapIMAP4rev1: {}}, 3, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := startMemServer(t, tt.caps, nil)
			cfg := IMAPConfig{Addr: addr, TLS: TLSNone, Username: memUser, Password: memPassword}
			w, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			s, err := w.connect(ctx)
			if err != nil {
				t.Fatalf("connect() error = %v", err)
			}
			defer w.disconnect(s, true)
			if s.canMove() {
				t.Fatalf("canMove() = true with caps %v, want false", tt.caps)
			}
			for i := range 3 {
				appendRaw(t, s.client, "INBOX", testMessage(fmt.Sprintf("m%d", i), 0))
			}

			if err := moveMessages(s, imap.UIDSetNum(1, 2), "Quarantine"); err != nil {
				t.Fatalf("moveMessages(1:2) error = %v", err)
			}

			inbox := mailboxStatus(t, s.client, "INBOX")
			if inbox.NumMessages == nil || *inbox.NumMessages != tt.wantInbox {
				t.Errorf("INBOX messages after move = %v, want %d", inbox.NumMessages, tt.wantInbox)
			}
			if inbox.NumDeleted == nil || *inbox.NumDeleted != tt.wantDeleted {
				t.Errorf("INBOX deleted after move = %v, want %d", inbox.NumDeleted, tt.wantDeleted)
			}
			quarantine := mailboxStatus(t, s.client, "Quarantine")
			if quarantine.NumMessages == nil || *quarantine.NumMessages != tt.wantQuarantine {
				t.Errorf("Quarantine messages after move = %v, want %d", quarantine.NumMessages, tt.wantQuarantine)
			}

			uids, _, err := w.searchUnprocessed(s, 0)
			if err != nil {
				t.Fatalf("searchUnprocessed() error = %v", err)
			}
			if want := []imap.UID{3}; !reflect.DeepEqual(uids, want) {
				t.Errorf("searchUnprocessed() after move = %v, want %v", uids, want)
			}
		})
	}
}

// appendRaw appends raw to mailbox and returns its UID.
func appendRaw(t *testing.T, c *imapclient.Client, mailbox string, raw []byte) uint32 {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
	return uint32(data.UID)
}

func mailboxStatus(t *testing.T, c *imapclient.Client, mailbox string) *imap.StatusData {
	t.Helper()
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumDeleted: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", mailbox, err)
	}
	return data
}

// testMessage returns a small message whose Message-ID and subject carry
// id, with a body padded to at least bodySize bytes.
func testMessage(id string, bodySize int) []byte {
	body := "Mohon bantuan, aplikasi tidak bisa dibuka.\r\n"
	for len(body) < bodySize {
		body += "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n"
	}
	return []byte("From: Pelapor <user1@example.com>\r\n" +
		"To: helpdesk@layanan.example.go.id\r\n" +
		"Subject: Keluhan " + id + "\r\n" +
		"Message-ID: <" + id + "@example.com>\r\n" +
		"Date: Mon, 2 Mar 2026 09:00:00 +0700\r\n" +
		"\r\n" + body)
}

func TestBatchesIsolateBigMessages(t *testing.T) {
	var big imap.UIDSet
	big.AddNum(3, 6)
	got := batches([]imap.UID{1, 2, 3, 4, 5, 6, 7}, big, 2)
	want := [][]imap.UID{{1, 2}, {3}, {4, 5}, {6}, {7}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("batches = %v, want %v", got, want)
	}
}
