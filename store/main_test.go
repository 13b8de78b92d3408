package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// testMongoURIVar names the variable that adds a real MongoDB to the
// backends every test runs against.
const testMongoURIVar = "KELUHAN_TEST_MONGODB_URI"

// backend is a server the suite runs against.
type backend struct {
	name string
	// uri is the server to connect to, or empty for a Store that runs its
	// own embedded FerretDB in dataRoot/<database>.
	uri      string
	dataRoot string
}

// embedded reports whether b opens Stores that run FerretDB themselves.
func (b backend) embedded() bool { return b.uri == "" }

// backends is set once by TestMain: a FerretDB shared by URI, Stores
// that each run their own embedded FerretDB, and MongoDB when
// testMongoURIVar is set.
var backends []backend

// testNow is the clock of every test Store: a week after t0, so that the
// tickets of the tests lie within the recent window.
var testNow = t0.Add(7 * 24 * time.Hour)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests starts one embedded FerretDB for the whole package; each test
// opens its own database on it.
func runTests(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "keluhan-store-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	s, err := Open(ctx, Config{DataDir: dir}, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open embedded store:", err)
		return 1
	}
	defer s.Close(ctx)

	backends = []backend{
		{name: "ferretdb", uri: s.uri + "?tls=false"},
		{name: "embedded", dataRoot: dir},
	}
	if uri := os.Getenv(testMongoURIVar); uri != "" {
		backends = append(backends, backend{name: "mongodb", uri: uri})
	}
	return m.Run()
}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// eachBackend runs fn as a subtest against every backend, with a fresh
// database.
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			fn(t, openTestStore(t, b, testDatabase(t)))
		})
	}
}

// eachBackendPair is eachBackend with two Stores on the same database,
// as two processes would have. It leaves out the embedded backend, where
// the second Store would be a client of the first with fewer rights;
// TestOwnerAndClient covers that pair.
func eachBackendPair(t *testing.T, fn func(t *testing.T, a, b *Store)) {
	t.Helper()
	for _, be := range backends {
		if be.embedded() {
			continue
		}
		t.Run(be.name, func(t *testing.T) {
			db := testDatabase(t)
			fn(t, openTestStore(t, be, db), openTestStore(t, be, db))
		})
	}
}

// openTestStore opens a Store on database, with the test clock. On the
// embedded backend every Store of one database shares a data folder, so
// the first one opened runs FerretDB and the others are its clients.
func openTestStore(t *testing.T, b backend, database string) *Store {
	t.Helper()
	ctx := context.Background()
	cfg := Config{URI: b.uri, Database: database}
	if b.embedded() {
		cfg.DataDir = filepath.Join(b.dataRoot, database)
	}
	s, err := Open(ctx, cfg, discardLogger())
	if err != nil {
		t.Fatalf("Open(%s, %s) error: %v", b.name, database, err)
	}
	s.now = func() time.Time { return testNow }
	t.Cleanup(func() {
		if !b.embedded() {
			// Dropping keeps a shared MongoDB clean; a failure leaves only
			// a stray test database.
			_ = s.db.Drop(ctx)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close() error: %v", err)
		}
	})
	return s
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// testDatabase derives a database name that is valid on both servers and
// unique per test.
func testDatabase(t *testing.T) string {
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	name := nonWord.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t_%s_%08x", name, h.Sum32())
}

// t0 is the base time of the tests, on a millisecond as BSON stores it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// inbound builds an inbound message with key whose body is content.
func inbound(key, content string) *ingest.Inbound {
	raw := []byte("Subject: keluhan\r\nMessage-ID: <" + key + ">\r\n\r\n" + content + "\r\n")
	return &ingest.Inbound{
		Msg: &ingest.Message{
			Key:         key,
			MessageID:   key,
			RawSHA256:   sha(raw),
			ContentHash: sha([]byte(content)),
			Size:        int64(len(raw)),
			Subject:     "keluhan",
			Text:        content,
			ReplyText:   content,
			Class:       ingest.ClassPerson,
		},
		Raw:         raw,
		Mailbox:     "INBOX",
		UIDValidity: 7,
		UID:         1,
		FetchedAt:   t0,
	}
}

func ticket(number, source string, received time.Time) *workflow.Ticket {
	return &workflow.Ticket{
		Number:     number,
		SourceKey:  source,
		Version:    1,
		Channel:    workflow.ChannelEmail,
		Requester:  workflow.Party{Name: "Budi", Email: "budi@example.com"},
		Language:   "id",
		Subject:    "Aplikasi tidak bisa login " + number,
		Body:       "Saya tidak bisa masuk.",
		State:      workflow.StateNew,
		ReceivedAt: received,
		UpdatedAt:  received,
	}
}

func outgoing(key string, next time.Time) workflow.Outgoing {
	return workflow.Outgoing{
		Key:         key,
		Ticket:      "KLH-2026-000001",
		Kind:        workflow.MailAck,
		Language:    "id",
		Role:        workflow.RoleRequester,
		To:          workflow.Party{Email: "budi@example.com"},
		From:        workflow.Party{Email: "helpdesk@layanan.example.go.id"},
		Subject:     "[KLH-2026-000001] Keluhan diterima",
		Text:        "Keluhan Anda sudah kami terima.",
		MessageID:   key + "@layanan.example.go.id",
		Capped:      true,
		NextAttempt: next,
		CreatedAt:   next,
	}
}
