package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// openDataDir opens a Store on the embedded FerretDB of dir, with the
// test clock, and closes it when the test ends.
func openDataDir(t *testing.T, dir string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(%s) error: %v", dir, err)
	}
	s.now = func() time.Time { return testNow }
	t.Cleanup(func() {
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close() error: %v", err)
		}
	})
	return s
}

func TestOpenOwnerThenClient(t *testing.T) {
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)

	tests := []struct {
		name               string
		s                  *Store
		embedded, ownsServ bool
	}{
		{"first open", owner, true, true},
		{"second open", client, true, false},
	}
	for _, tt := range tests {
		if got := tt.s.Embedded(); got != tt.embedded {
			t.Errorf("Embedded(%s) = %v, want %v", tt.name, got, tt.embedded)
		}
		if got := tt.s.OwnsServer(); got != tt.ownsServ {
			t.Errorf("OwnsServer(%s) = %v, want %v", tt.name, got, tt.ownsServ)
		}
	}
	if owner.index == nil || client.index != nil {
		t.Errorf("ticket index: owner %v, client %v, want only the owner to keep one", owner.index != nil, client.index != nil)
	}
	if client.uri != owner.uri {
		t.Errorf("client uri = %s, want the owner's %s", client.uri, owner.uri)
	}

	insertTickets(t, owner, ticket("KLH-2026-000001", "mid:a@x", t0))
	if _, err := client.Ticket(context.Background(), "KLH-2026-000001"); err != nil {
		t.Errorf("client Ticket(written by owner) error: %v", err)
	}
}

func TestClientRejectsOwnerWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	insertTickets(t, owner, ticket("KLH-2026-000001", "mid:a@x", t0))
	enqueue(t, owner, outgoing("o1", t0))

	next := ticket("KLH-2026-000001", "mid:a@x", t0)
	next.Version = 2
	ops := []struct {
		name string
		run  func() error
	}{
		{"UpdateTicket", func() error { return client.UpdateTicket(ctx, next, 1) }},
		{"ClaimOutgoing", func() error { _, err := client.ClaimOutgoing(ctx, "w", t0, time.Minute); return err }},
		{"MarkSent", func() error { return client.MarkSent(ctx, "o1", "w", t0) }},
		{"MarkRetry", func() error { return client.MarkRetry(ctx, "o1", "w", t0, "x") }},
		{"MarkFailed", func() error { return client.MarkFailed(ctx, "o1", "w", "x") }},
		{"MarkSuppressed", func() error { return client.MarkSuppressed(ctx, "o1", "w", "x") }},
		{"AcquireLease", func() error { _, err := client.AcquireLease(ctx, "scheduler", "w", t0, time.Minute); return err }},
		{"ReleaseLease", func() error { return client.ReleaseLease(ctx, "scheduler", "w") }},
		{"SaveMailboxState", func() error { return client.SaveMailboxState(ctx, "INBOX", 1, 2) }},
		{"ImportTickets", func() error { _, err := client.ImportTickets(ctx, nil); return err }},
		{"ImportRecords", func() error { _, err := client.ImportRecords(ctx, nil); return err }},
		{"ImportOutgoing", func() error { _, err := client.ImportOutgoing(ctx, nil); return err }},
		{"ImportMessages", func() error { _, err := client.ImportMessages(ctx, nil); return err }},
		{"InsertRaw", func() error { _, err := client.InsertRaw(ctx, collTickets, nil); return err }},
	}
	for _, op := range ops {
		if err := op.run(); !errors.Is(err, ErrNotOwner) {
			t.Errorf("client %s() error = %v, want ErrNotOwner", op.name, err)
		}
	}

	got, err := owner.Ticket(ctx, "KLH-2026-000001")
	if err != nil || got.Version != 1 {
		t.Errorf("Ticket() after the client's rejected update = %+v, %v, want version 1", got, err)
	}
}

// The command line opens tickets, lists and retries outbox rows through
// a client Store while the daemon runs.
func TestClientCommandLineWork(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)
	if _, err := owner.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}

	enqueue(t, owner, outgoing("o1", t0))
	claim(t, owner, "w", t0)
	if err := owner.MarkFailed(ctx, "o1", "w", "550 no such user"); err != nil {
		t.Fatalf("MarkFailed() error: %v", err)
	}
	if n, err := client.RetryOutgoing(ctx, "o1", t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("client RetryOutgoing(o1) = %d, %v, want 1", n, err)
	}
	if o := claim(t, owner, "w", t0.Add(time.Minute)); o.Key != "o1" {
		t.Errorf("owner ClaimOutgoing() after the client's retry = %s, want o1", o.Key)
	}

	if _, err := client.AllocateNumbers(ctx, "KLH-2026", 1); err != nil {
		t.Fatalf("client AllocateNumbers() error: %v", err)
	}
	manual := ticket("KLH-2026-000001", "manual:abc", t0)
	manual.NextTimer = t0.Add(time.Hour)
	insertTickets(t, client, manual)
	enqueue(t, client, outgoing("manual:abc#ack", t0))

	owner.index.notesAt = time.Time{}
	due, err := owner.TicketsDue(ctx, t0.Add(2*time.Hour), 0)
	if err != nil {
		t.Fatalf("owner TicketsDue() error: %v", err)
	}
	if got := ticketNumbers(due); len(got) != 1 || got[0] != "KLH-2026-000001" {
		t.Errorf("owner TicketsDue() after a client opened a ticket = %v, want [KLH-2026-000001]", got)
	}
	bySource, err := owner.TicketsBySource(ctx, []string{"manual:abc"})
	if err != nil || bySource["manual:abc"] == nil {
		t.Errorf("owner TicketsBySource(manual:abc) = %v, %v, want the client's ticket", bySource, err)
	}
	notes, err := owner.ticketNotes.CountDocuments(ctx, bson.D{})
	if err != nil || notes != 0 {
		t.Errorf("ticket notes after the owner read them = %d, %v, want 0", notes, err)
	}

	rows, err := client.ListOutgoing(ctx, OutboxFilter{})
	if err != nil || len(rows) != 2 {
		t.Errorf("client ListOutgoing() = %d rows, %v, want 2", len(rows), err)
	}
}

// A client that died after noting a ticket and before inserting it
// leaves a note that names no ticket. The owner keeps such a note for a
// while and then drops it.
func TestTicketNoteWithoutTicket(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)

	pending := ticket("KLH-2026-000001", "manual:a", t0)
	if err := client.noteTickets(ctx, []*workflow.Ticket{pending}); err != nil {
		t.Fatalf("noteTickets() error: %v", err)
	}
	steps := []struct {
		name      string
		insert    bool
		now       time.Time
		wantNotes int64
		wantCount int
	}{
		{"note only, fresh", false, testNow, 1, 0},
		{"ticket inserted after the note", true, testNow, 0, 1},
	}
	for _, st := range steps {
		if st.insert {
			insertTickets(t, client, pending)
		}
		owner.now = func() time.Time { return st.now }
		owner.index.notesAt = time.Time{}
		counts, err := owner.CountTickets(ctx)
		if err != nil {
			t.Fatalf("CountTickets(%s) error: %v", st.name, err)
		}
		if counts[workflow.StateNew] != st.wantCount {
			t.Errorf("CountTickets(%s) = %v, want %d new", st.name, counts, st.wantCount)
		}
		if n, err := owner.ticketNotes.CountDocuments(ctx, bson.D{}); err != nil || n != st.wantNotes {
			t.Errorf("ticket notes after %s = %d, %v, want %d", st.name, n, err, st.wantNotes)
		}
	}

	lost := ticket("KLH-2026-000002", "manual:b", t0)
	if err := client.noteTickets(ctx, []*workflow.Ticket{lost}); err != nil {
		t.Fatalf("noteTickets() error: %v", err)
	}
	owner.now = func() time.Time { return testNow.Add(2 * noteExpiry) }
	owner.index.notesAt = time.Time{}
	if _, err := owner.CountTickets(ctx); err != nil {
		t.Fatalf("CountTickets() error: %v", err)
	}
	if n, err := owner.ticketNotes.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("ticket notes after expiry = %d, %v, want 0", n, err)
	}
}

func TestDataDirLockReleasedOnClose(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first, err := Open(ctx, Config{DataDir: dir}, discardLogger())
	if err != nil {
		t.Fatalf("Open(first) error: %v", err)
	}
	insertTickets(t, first, ticket("KLH-2026-000001", "mid:a@x", t0))
	if err := first.Close(ctx); err != nil {
		t.Fatalf("Close(first) error: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ferretDirName, addressFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("address file after Close: %v, want it removed", err)
	}

	second := openDataDir(t, dir)
	if !second.OwnsServer() {
		t.Fatal("OwnsServer(open after Close) = false, want true")
	}
	if _, err := second.Ticket(ctx, "KLH-2026-000001"); err != nil {
		t.Errorf("Ticket() after reopening: %v", err)
	}
}

// An address file left by an owner that died must not send the next
// Open to a port that another program may hold: the next Open takes the
// free lock and runs FerretDB itself.
func TestOpenIgnoresStaleAddress(t *testing.T) {
	dir := t.TempDir()
	ferret := filepath.Join(dir, ferretDirName)
	if err := os.MkdirAll(ferret, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeAddress(ferret, "mongodb://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}

	s := openDataDir(t, dir)
	if !s.OwnsServer() {
		t.Fatal("OwnsServer(with a stale address file) = false, want true")
	}
	uri, err := readAddress(ferret)
	if err != nil || uri != s.uri {
		t.Errorf("address file = %q, %v, want %q", uri, err, s.uri)
	}
}

// A lock held by a process that never publishes an address fails Open
// with a message that names the lock, once ctx runs out.
func TestOpenClientWithoutOwnerAddress(t *testing.T) {
	dir := t.TempDir()
	ferret := filepath.Join(dir, ferretDirName)
	if err := os.MkdirAll(ferret, 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := lockDir(ferret)
	if err != nil || lock == nil {
		t.Fatalf("lockDir() = %v, %v, want the lock", lock, err)
	}
	defer lock.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = Open(ctx, Config{DataDir: dir}, discardLogger())
	if err == nil || !strings.Contains(err.Error(), "locked by another keluhan process") {
		t.Errorf("Open(lock held, no address) error = %v, want one naming the lock", err)
	}
}

// A client's SaveMessages and FinishMessages go through the owner's
// FerretDB like any insert.
func TestClientArchivesMessages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openDataDir(t, dir)
	client := openDataDir(t, dir)

	saveStates(t, client, inbound("c@x", "from the client"))
	if err := client.FinishMessages(ctx, []ingest.Outcome{{Key: "c@x", Disposition: ingest.DispositionDone}}); err != nil {
		t.Fatalf("client FinishMessages() error: %v", err)
	}
	d, err := owner.Message(ctx, "c@x")
	if err != nil || d.Status != MessageDone {
		t.Errorf("owner Message(c@x) = %+v, %v, want it done", d, err)
	}
}

// The embedded FerretDB listens on a Unix socket in a folder only its
// owner can enter, also when the data folder's path holds a comma and a
// space, which a MongoDB URI must encode. A client reaches it there, and
// a path too long for a socket falls back to loopback TCP.
func TestFerretSocket(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data, kantor")
	owner := openDataDir(t, dir)
	ferret := filepath.Join(dir, ferretDirName)
	if want := socketURI(filepath.Join(ferret, socketName)); owner.uri != want {
		t.Fatalf("owner uri = %q, want the socket %q", owner.uri, want)
	}
	info, err := os.Stat(ferret)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("Stat(%s) = %v, %v, want mode 0700", ferret, info, err)
	}
	client := openDataDir(t, dir)
	if client.OwnsServer() {
		t.Fatal("OwnsServer(second Open) = true, want a client")
	}
	saveStates(t, client, inbound("socket@x", "through the socket"))
	if _, err := owner.Message(ctx, "socket@x"); err != nil {
		t.Errorf("owner Message(saved by the client) error: %v", err)
	}

	long := filepath.Join(t.TempDir(), strings.Repeat("d", maxSocketPath))
	s := openDataDir(t, long)
	if !strings.HasPrefix(s.uri, "mongodb://127.0.0.1:") {
		t.Errorf("uri with a long data folder = %q, want loopback tcp", s.uri)
	}
}

// FerretDB decodes its SQLite folder's file URL and SQLite decodes it
// again, so a data folder with "%", "?" or "#" would put the database
// elsewhere or fail later. Open refuses it at once and creates nothing.
func TestOpenRejectsDataDirFerretCannotUse(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"k%41", "q?x", "h#x"} {
		dir := filepath.Join(t.TempDir(), name)
		s, err := Open(ctx, Config{DataDir: dir}, discardLogger())
		if err == nil {
			_ = s.Close(ctx)
			t.Errorf("Open(%q) succeeded, want an error naming the folder", dir)
			continue
		}
		if !strings.Contains(err.Error(), "cannot use") {
			t.Errorf("Open(%q) error = %v, want one saying ferretdb cannot use the folder", dir, err)
		}
	}
	for _, name := range []string{"spasi dan,koma", "ünï", "titik;koma"} {
		dir := filepath.Join(t.TempDir(), name)
		s := openDataDir(t, dir)
		insertTickets(t, s, ticket("KLH-2026-000001", "mid:a@x", t0))
	}
}

// A command line that reaches the data folder through a symbolic link
// connects to the owner that opened the real path.
func TestClientThroughSymlink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "asli")
	link := filepath.Join(base, "tautan")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	owner := openDataDir(t, real)
	client := openDataDir(t, link)
	if !owner.OwnsServer() || client.OwnsServer() {
		t.Errorf("OwnsServer() = %v for the owner and %v through the link, want true and false", owner.OwnsServer(), client.OwnsServer())
	}
}
