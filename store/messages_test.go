package store

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
)

func saveStates(t *testing.T, s *Store, in ...*ingest.Inbound) []ingest.SaveState {
	t.Helper()
	states, err := s.SaveMessages(context.Background(), in)
	if err != nil {
		t.Fatalf("SaveMessages() error: %v", err)
	}
	return states
}

func TestSaveMessagesIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := inbound("a@x", "first"), inbound("b@x", "second")

		if got, want := saveStates(t, s, a, b), []ingest.SaveState{ingest.SaveNew, ingest.SaveNew}; !slices.Equal(got, want) {
			t.Fatalf("SaveMessages(new) = %v, want %v", got, want)
		}
		if got, want := saveStates(t, s, inbound("a@x", "first"), inbound("b@x", "second")), []ingest.SaveState{ingest.SavePending, ingest.SavePending}; !slices.Equal(got, want) {
			t.Fatalf("SaveMessages(again, unfinished) = %v, want %v", got, want)
		}

		err := s.FinishMessages(ctx, []ingest.Outcome{
			{Key: "a@x", Disposition: ingest.DispositionDone, Ticket: "KLH-2026-000001"},
			{Key: "b@x", Disposition: ingest.DispositionQuarantined, Reason: "too large"},
		})
		if err != nil {
			t.Fatalf("FinishMessages() error: %v", err)
		}
		if got, want := saveStates(t, s, inbound("a@x", "first"), inbound("b@x", "second")), []ingest.SaveState{ingest.SaveDone, ingest.SaveDone}; !slices.Equal(got, want) {
			t.Fatalf("SaveMessages(again, finished) = %v, want %v", got, want)
		}
	})
}

func TestSaveMessagesReusedMessageID(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		saveStates(t, s, inbound("dup@x", "original"))

		other := inbound("dup@x", "different content")
		wantKey := "dup@x#" + other.Msg.ContentHash[:16]
		if got := saveStates(t, s, other); !slices.Equal(got, []ingest.SaveState{ingest.SaveNew}) {
			t.Fatalf("SaveMessages(reused id) = %v, want [new]", got)
		}
		if other.Msg.Key != wantKey {
			t.Errorf("SaveMessages(reused id) key = %q, want %q", other.Msg.Key, wantKey)
		}

		repeat := inbound("dup@x", "different content")
		if got := saveStates(t, s, repeat); !slices.Equal(got, []ingest.SaveState{ingest.SavePending}) {
			t.Errorf("SaveMessages(repeat of reused id) = %v, want [pending]", got)
		}
		if repeat.Msg.Key != wantKey {
			t.Errorf("SaveMessages(repeat of reused id) key = %q, want %q", repeat.Msg.Key, wantKey)
		}

		third := inbound("dup@x", "third content")
		saveStates(t, s, third)
		if third.Msg.Key == wantKey || third.Msg.Key == "dup@x" {
			t.Errorf("SaveMessages(third content) key = %q, want a key of its own", third.Msg.Key)
		}

		d, err := s.Message(context.Background(), "dup@x")
		if err != nil {
			t.Fatalf("Message(dup@x) error: %v", err)
		}
		if d.Text != "original" {
			t.Errorf("Message(dup@x).Text = %q, want %q", d.Text, "original")
		}
	})
}

func TestSaveMessagesSameBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		in := []*ingest.Inbound{inbound("m@x", "body"), inbound("m@x", "body"), inbound("m@x", "other body")}
		got := saveStates(t, s, in...)
		want := []ingest.SaveState{ingest.SaveNew, ingest.SaveDone, ingest.SaveNew}
		if !slices.Equal(got, want) {
			t.Fatalf("SaveMessages(batch with repeats) = %v, want %v", got, want)
		}
		if in[2].Msg.Key == "m@x" {
			t.Errorf("SaveMessages(batch with repeats) third key = %q, want a collision key", in[2].Msg.Key)
		}
	})
}

func TestSaveMessagesRejectsMissingKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		in := inbound("", "body")
		if _, err := s.SaveMessages(context.Background(), []*ingest.Inbound{in}); err == nil {
			t.Fatal("SaveMessages(no key) error = nil, want an error")
		}
	})
}

func TestRawLargeMessageInBlobs(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		in := inbound("big@x", "big")
		in.Raw = bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)
		in.Msg.RawSHA256 = sha(in.Raw)

		saveStates(t, s, in)
		d, err := s.Message(ctx, "big@x")
		if err != nil {
			t.Fatalf("Message(big@x) error: %v", err)
		}
		if d.RawBlob == "" || len(d.Raw) != 0 {
			t.Errorf("Message(big@x) raw_blob = %q, inline %d bytes, want a blob and no inline bytes", d.RawBlob, len(d.Raw))
		}

		raw, err := s.Raw(ctx, "big@x")
		if err != nil {
			t.Fatalf("Raw(big@x) error: %v", err)
		}
		if !bytes.Equal(raw, in.Raw) {
			t.Errorf("Raw(big@x) = %d bytes, want the %d bytes saved", len(raw), len(in.Raw))
		}

		// Saving the same bytes again reuses the blob.
		saveStates(t, s, in)
		var blobs int
		if err := s.EachBlob(ctx, func(BlobInfo) error { blobs++; return nil }); err != nil {
			t.Fatalf("EachBlob() error: %v", err)
		}
		if blobs != 1 {
			t.Errorf("EachBlob() after saving twice found %d blobs, want 1", blobs)
		}
	})
}

func TestRawSmallMessageInline(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		in := inbound("small@x", "small")
		saveStates(t, s, in)
		raw, err := s.Raw(context.Background(), "small@x")
		if err != nil {
			t.Fatalf("Raw(small@x) error: %v", err)
		}
		if !bytes.Equal(raw, in.Raw) {
			t.Errorf("Raw(small@x) = %q, want %q", raw, in.Raw)
		}
		if _, err := s.Raw(context.Background(), "missing@x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Raw(missing@x) error = %v, want ErrNotFound", err)
		}
	})
}

func TestFinishMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		saveStates(t, s, inbound("a@x", "a"), inbound("b@x", "b"))

		tests := []struct {
			name     string
			outcomes []ingest.Outcome
			wantErr  error
		}{
			{"done with ticket", []ingest.Outcome{{Key: "a@x", Disposition: ingest.DispositionDone, Ticket: "KLH-2026-000007"}}, nil},
			{"quarantined", []ingest.Outcome{{Key: "b@x", Disposition: ingest.DispositionQuarantined, Reason: "parse", Ticket: "KLH-2026-000008"}}, nil},
			{"again with new disposition", []ingest.Outcome{{Key: "b@x", Disposition: ingest.DispositionIgnored, Reason: "auto reply"}}, nil},
			{"empty", nil, nil},
		}
		for _, tt := range tests {
			err := s.FinishMessages(ctx, tt.outcomes)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("FinishMessages(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
		}

		if err := s.FinishMessages(ctx, []ingest.Outcome{{Key: "a@x", Disposition: "maybe"}}); err == nil {
			t.Error("FinishMessages(invalid disposition) error = nil, want an error")
		}

		a, err := s.Message(ctx, "a@x")
		if err != nil {
			t.Fatalf("Message(a@x) error: %v", err)
		}
		if a.Status != MessageDone || a.Ticket != "KLH-2026-000007" || a.FinishedAt.IsZero() {
			t.Errorf("Message(a@x) = status %s ticket %q finished %v, want done, KLH-2026-000007, a time", a.Status, a.Ticket, a.FinishedAt)
		}
		b, err := s.Message(ctx, "b@x")
		if err != nil {
			t.Fatalf("Message(b@x) error: %v", err)
		}
		if b.Status != MessageIgnored || b.Reason != "auto reply" || b.Ticket != "KLH-2026-000008" {
			t.Errorf("Message(b@x) = status %s reason %q ticket %q, want ignored, auto reply, the earlier ticket", b.Status, b.Reason, b.Ticket)
		}
	})
}

func TestMessageDocRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		in := inbound("rt@x", "isi keluhan")
		in.Msg.Attachments = []ingest.Attachment{{Index: 2, Filename: "bukti.pdf", ContentType: "application/pdf", Size: 20480, SHA256: "ab"}}
		in.Msg.Bounce = &ingest.Bounce{OriginalMessageID: "orig@x", Status: "5.1.1"}
		in.Msg.Date = t0
		in.Quarantine = "too many recipients"
		saveStates(t, s, in)

		d, err := s.Message(context.Background(), "rt@x")
		if err != nil {
			t.Fatalf("Message(rt@x) error: %v", err)
		}
		m := d.Message()
		if m.Text != "isi keluhan" || !m.Date.Equal(t0) || len(m.Attachments) != 1 || m.Attachments[0].Filename != "bukti.pdf" {
			t.Errorf("Message(rt@x).Message() = text %q date %v attachments %v, want the saved values", m.Text, m.Date, m.Attachments)
		}
		if m.Bounce == nil || m.Bounce.Status != "5.1.1" {
			t.Errorf("Message(rt@x).Message().Bounce = %+v, want status 5.1.1", m.Bounce)
		}
		if d.Mailbox != "INBOX" || d.UIDValidity != 7 || d.UID != 1 || d.Quarantine != "too many recipients" || d.Status != MessagePending {
			t.Errorf("Message(rt@x) = mailbox %q uidvalidity %d uid %d quarantine %q status %s, want INBOX 7 1, the reason, pending",
				d.Mailbox, d.UIDValidity, d.UID, d.Quarantine, d.Status)
		}
		if len(d.Raw) != 0 {
			t.Errorf("Message(rt@x).Raw = %d bytes, want none", len(d.Raw))
		}
	})
}

func TestMessageListings(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i, key := range []string{"m1@x", "m2@x", "m3@x", "q1@x", "q2@x"} {
			s.now = func() time.Time { return t0.Add(time.Duration(i) * time.Minute) }
			saveStates(t, s, inbound(key, key))
		}
		for _, key := range []string{"m3@x", "m1@x", "m2@x"} {
			if err := s.SetMessageTicket(ctx, key, "KLH-2026-000001"); err != nil {
				t.Fatalf("SetMessageTicket(%s) error: %v", key, err)
			}
		}
		if err := s.SetMessageTicket(ctx, "nope@x", "KLH-2026-000001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetMessageTicket(nope@x) error = %v, want ErrNotFound", err)
		}
		err := s.FinishMessages(ctx, []ingest.Outcome{
			{Key: "q1@x", Disposition: ingest.DispositionQuarantined, Reason: "parse"},
			{Key: "q2@x", Disposition: ingest.DispositionQuarantined, Reason: "size"},
		})
		if err != nil {
			t.Fatalf("FinishMessages() error: %v", err)
		}

		byTicket, err := s.MessagesByTicket(ctx, "KLH-2026-000001")
		if err != nil {
			t.Fatalf("MessagesByTicket() error: %v", err)
		}
		if got, want := messageKeys(byTicket), []string{"m1@x", "m2@x", "m3@x"}; !slices.Equal(got, want) {
			t.Errorf("MessagesByTicket() = %v, want %v", got, want)
		}

		tests := []struct {
			limit int
			want  []string
		}{
			{0, []string{"q2@x", "q1@x"}},
			{1, []string{"q2@x"}},
		}
		for _, tt := range tests {
			got, err := s.ListQuarantine(ctx, tt.limit)
			if err != nil {
				t.Fatalf("ListQuarantine(%d) error: %v", tt.limit, err)
			}
			if !slices.Equal(messageKeys(got), tt.want) {
				t.Errorf("ListQuarantine(%d) = %v, want %v", tt.limit, messageKeys(got), tt.want)
			}
		}
	})
}

func messageKeys(docs []*MessageDoc) []string {
	var keys []string
	for _, d := range docs {
		keys = append(keys, d.Key)
	}
	return keys
}

func TestKeyForCollision(t *testing.T) {
	tests := []struct {
		name, key, hash, want string
	}{
		{"plain key", "mid:a@x", "0123456789abcdef0123", "mid:a@x#0123456789abcdef"},
		{"same suffix kept", "mid:a@x#0123456789abcdef", "0123456789abcdef0123", "mid:a@x#0123456789abcdef"},
		{"hash in message id", "mid:a#1@x", "0123456789abcdef0123", "mid:a#1@x#0123456789abcdef"},
		{"short hash", "mid:a@x", "abc", "mid:a@x#abc"},
	}
	for _, tt := range tests {
		if got := KeyForCollision(tt.key, tt.hash); got != tt.want {
			t.Errorf("KeyForCollision(%q, %q) = %q, want %q", tt.key, tt.hash, got, tt.want)
		}
	}
}
