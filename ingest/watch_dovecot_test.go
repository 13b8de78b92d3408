package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/keluhan/keluhan/testenv"
)

// waitTimeout bounds every wait for the watcher in these tests. It is a
// generous upper limit, not a speed goal. Dovecot reports new mail about
// 0.5 s after delivery.
const waitTimeout = 15 * time.Second

var errHandlerTest = errors.New("store unavailable")

// recordingHandler records what the watcher hands over and returns a
// verdict for every message.
type recordingHandler struct {
	// failCalls is the number of first calls that fail.
	failCalls int
	// quarantine picks the messages to quarantine.
	quarantine func(Fetched) bool
	// release, when set, makes every call wait until it is closed.
	release chan struct{}
	// entered receives a value when a call starts, if it has room.
	entered chan struct{}

	mu    sync.Mutex
	calls int
	// handled counts successful handovers per Message-ID.
	handled map[string]int
	fetched []Fetched
	// ctxErrs is the context error each call saw when it returned.
	ctxErrs []error
}

func (h *recordingHandler) HandleBatch(ctx context.Context, batch []Fetched) ([]Verdict, error) {
	h.mu.Lock()
	h.calls++
	call := h.calls
	h.mu.Unlock()

	if h.entered != nil {
		select {
		case h.entered <- struct{}{}:
		default:
		}
	}
	if h.release != nil {
		<-h.release
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	h.ctxErrs = append(h.ctxErrs, ctx.Err())
	if call <= h.failCalls {
		return nil, errHandlerTest
	}
	if h.handled == nil {
		h.handled = make(map[string]int)
	}
	verdicts := make([]Verdict, 0, len(batch))
	for _, f := range batch {
		h.handled[messageID(f.Raw)]++
		h.fetched = append(h.fetched, f)
		verdicts = append(verdicts, Verdict{UID: f.UID, Quarantine: h.quarantine != nil && h.quarantine(f)})
	}
	return verdicts, nil
}

// handledCounts returns a copy of the handover count per Message-ID.
func (h *recordingHandler) handledCounts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.handled))
	for id, n := range h.handled {
		out[id] = n
	}
	return out
}

func (h *recordingHandler) fetchedByID(id string) (Fetched, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.fetched {
		if messageID(f.Raw) == id {
			return f, true
		}
	}
	return Fetched{}, false
}

// messageID returns the local part of the Message-ID of raw, which is
// the id testMessage was given.
func messageID(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "unreadable: " + err.Error()
	}
	id, _, _ := strings.Cut(strings.Trim(msg.Header.Get("Message-Id"), "<>"), "@")
	return id
}

// memStates keeps mailbox states in memory.
type memStates struct {
	mu     sync.Mutex
	states map[string][2]uint32
}

func (m *memStates) MailboxState(_ context.Context, mailbox string) (uint32, uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.states[mailbox]
	return s[0], s[1], nil
}

func (m *memStates) SaveMailboxState(_ context.Context, mailbox string, uidValidity, lastUID uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.states == nil {
		m.states = make(map[string][2]uint32)
	}
	m.states[mailbox] = [2]uint32{uidValidity, lastUID}
	return nil
}

func (m *memStates) get(mailbox string) [2]uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[mailbox]
}

// testLogger writes the watcher's logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// countingHandler counts log records by message and passes them on.
type countingHandler struct {
	slog.Handler
	mu     *sync.Mutex
	counts map[string]int
}

func newCountingLogger(t *testing.T) (*slog.Logger, func(msg string) int) {
	h := countingHandler{Handler: testLogger(t).Handler(), mu: &sync.Mutex{}, counts: map[string]int{}}
	count := func(msg string) int {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.counts[msg]
	}
	return slog.New(h), count
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	h.counts[r.Message]++
	h.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.Handler = h.Handler.WithAttrs(attrs)
	return h
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	h.Handler = h.Handler.WithGroup(name)
	return h
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// dovecotConfig returns a configuration for user over plain IMAP with
// short backoffs.
func dovecotConfig(env *testenv.Env, user string) IMAPConfig {
	return IMAPConfig{
		Addr: env.IMAPAddr, TLS: TLSNone, Username: env.Login(user), Password: env.Password(user),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
	}
}

// startWatcher runs w until the test ends and returns a function that
// stops it and returns Run's error.
func startWatcher(t *testing.T, w *Watcher) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(waitTimeout):
				runErr = errors.New("Run did not return after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", waitTimeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitHandled waits until every id was handled at least once.
func waitHandled(t *testing.T, h *recordingHandler, ids ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("messages %v handled", ids), func() bool {
		counts := h.handledCounts()
		for _, id := range ids {
			if counts[id] == 0 {
				return false
			}
		}
		return true
	})
}

// loginUser opens a second connection as user for changing the
// mailbox list.
func loginUser(t *testing.T, env *testenv.Env, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(env.IMAPAddr, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", env.IMAPAddr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(env.Login(user), env.Password(user)).Wait(); err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	return c
}

// appendMessages appends one test message per id to mailbox of user.
func appendMessages(t *testing.T, env *testenv.Env, user, mailbox string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		env.Append(t, user, mailbox, testMessage(id, 0))
	}
}

// flagCount returns how many of the n messages in mailbox of user have
// flag.
func flagCount(t *testing.T, env *testenv.Env, user, mailbox string, n int, flag imap.Flag) int {
	t.Helper()
	count := 0
	for _, msg := range env.WaitMessages(t, user, mailbox, n, waitTimeout) {
		if msg.HasFlag(flag) {
			count++
		}
	}
	return count
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i+1)
	}
	return out
}

func TestWatchHandlesExistingMessagesOnce(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "existing")
	want := ids("existing", 5)
	appendMessages(t, env, user, "INBOX", want...)

	// Over implicit TLS, verified with the test CA.
	cfg := dovecotConfig(env, user)
	cfg.Addr, cfg.TLS, cfg.CAFile = env.IMAPSAddr, TLSImplicit, env.CAFile
	cfg.BatchSize = 2
	h := &recordingHandler{}
	states := &memStates{}
	w, err := NewWatcher(cfg, h, states, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	observed := 0
	w.SetPollObserver(func(_ time.Duration, n int) {
		mu.Lock()
		observed += n
		mu.Unlock()
	})
	stop := startWatcher(t, w)

	waitHandled(t, h, want...)
	waitFor(t, "a status with a scan", func() bool { return !w.Status().LastPoll.IsZero() })
	status := w.Status()
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	for _, id := range want {
		if n := h.handledCounts()[id]; n != 1 {
			t.Errorf("message %s handled %d times, want 1", id, n)
		}
	}
	if n := flagCount(t, env, user, "INBOX", len(want), "$KeluhanProcessed"); n != len(want) {
		t.Errorf("messages flagged $KeluhanProcessed = %d, want %d", n, len(want))
	}
	if n := flagCount(t, env, user, "INBOX", len(want), imap.FlagSeen); n != 0 {
		t.Errorf("messages marked \\Seen = %d, want 0", n)
	}
	mailbox := env.Status(t, user, "INBOX")
	if got := states.get("INBOX"); got != [2]uint32{mailbox.UIDValidity, 5} {
		t.Errorf("saved state = %v, want uidvalidity %d and last uid 5", got, mailbox.UIDValidity)
	}
	if !status.Connected || !status.IDLE || status.LastError != "" {
		t.Errorf("Status() = %+v, want connected, IDLE and no error", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if observed != len(want) {
		t.Errorf("poll observer saw %d messages, want %d", observed, len(want))
	}
}

func TestWatchIdleNewMail(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "idle")

	cfg := dovecotConfig(env, user)
	cfg.TLS, cfg.CAFile = TLSStartTLS, env.CAFile
	h := &recordingHandler{}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	startWatcher(t, w)
	waitFor(t, "the first scan", func() bool { return !w.Status().LastPoll.IsZero() })

	for round := range 2 {
		batch := ids(fmt.Sprintf("idle%d", round), 2)
		appendMessages(t, env, user, "INBOX", batch...)
		waitHandled(t, h, batch...)
	}
	if !w.Status().IDLE {
		t.Errorf("Status().IDLE = false, want true against Dovecot")
	}
	for id, n := range h.handledCounts() {
		if n != 1 {
			t.Errorf("message %s handled %d times, want 1", id, n)
		}
	}
}

func TestWatchPollingWithoutIdle(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "poll")

	cfg := dovecotConfig(env, user)
	cfg.PollInterval = 200 * time.Millisecond
	h := &recordingHandler{}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	w.pollOnly = true
	startWatcher(t, w)
	waitFor(t, "the first scan", func() bool { return !w.Status().LastPoll.IsZero() })

	want := ids("poll", 2)
	appendMessages(t, env, user, "INBOX", want...)
	waitHandled(t, h, want...)
	if w.Status().IDLE {
		t.Errorf("Status().IDLE = true, want false when polling")
	}
}

func TestWatchFolderModeCreatesAndMoves(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "folder")
	appendMessages(t, env, user, "INBOX", ids("folder", 3)...)

	// Dovecot creates Processed and Quarantine by itself, so other names
	// test that the watcher creates missing folders.
	cfg := dovecotConfig(env, user)
	cfg.ProcessedFolder = "Selesai"
	cfg.QuarantineFolder = "Karantina"
	h := &recordingHandler{quarantine: func(f Fetched) bool { return messageID(f.Raw) == "folder-2" }}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitHandled(t, h, ids("folder", 3)...)
	waitFor(t, "INBOX emptied", func() bool { return env.Status(t, user, "INBOX").Messages == 0 })
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	if n := env.Status(t, user, "Selesai").Messages; n != 2 {
		t.Errorf("messages in Selesai = %d, want 2", n)
	}
	if n := env.Status(t, user, "Karantina").Messages; n != 1 {
		t.Errorf("messages in Karantina = %d, want 1", n)
	}
}

func TestWatchQuarantineInFlagMode(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "quarantine")
	appendMessages(t, env, user, "INBOX", "keep", "bad")

	cfg := dovecotConfig(env, user)
	h := &recordingHandler{quarantine: func(f Fetched) bool { return messageID(f.Raw) == "bad" }}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitHandled(t, h, "keep", "bad")
	waitFor(t, "quarantine move", func() bool { return env.Status(t, user, "Quarantine").Messages == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	inbox := env.WaitMessages(t, user, "INBOX", 1, waitTimeout)
	if len(inbox) != 1 || messageID(inbox[0].Raw) != "keep" || !inbox[0].HasFlag("$KeluhanProcessed") {
		t.Errorf("INBOX after quarantine = %d messages, want only \"keep\" flagged $KeluhanProcessed", len(inbox))
	}
	quarantined := env.WaitMessages(t, user, "Quarantine", 1, waitTimeout)
	if id := messageID(quarantined[0].Raw); id != "bad" {
		t.Errorf("message in Quarantine = %q, want \"bad\"", id)
	}
}

func TestWatchHandlerErrorRetries(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "retry")
	want := ids("retry", 2)
	appendMessages(t, env, user, "INBOX", want...)

	cfg := dovecotConfig(env, user)
	h := &recordingHandler{failCalls: 2}
	log, logCount := newCountingLogger(t)
	w, err := NewWatcher(cfg, h, &memStates{}, log)
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitHandled(t, h, want...)
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	h.mu.Lock()
	calls := h.calls
	h.mu.Unlock()
	if calls != 3 {
		t.Errorf("handler calls = %d, want 2 failures and 1 success", calls)
	}
	if n := logCount("imap connected"); n != 3 {
		t.Errorf("connections = %d, want 3: one per handler call", n)
	}
	if n := flagCount(t, env, user, "INBOX", len(want), "$KeluhanProcessed"); n != len(want) {
		t.Errorf("messages flagged $KeluhanProcessed = %d, want %d", n, len(want))
	}
	if got := w.Status().LastError; got != "" {
		t.Errorf("Status().LastError = %q after a successful scan, want empty", got)
	}
}

func TestWatchHandlerErrorMarksNothing(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "nomark")
	appendMessages(t, env, user, "INBOX", ids("nomark", 2)...)

	cfg := dovecotConfig(env, user)
	h := &recordingHandler{failCalls: 1 << 30}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitFor(t, "two failed handler calls", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.calls >= 2
	})
	waitFor(t, "the error in the status", func() bool { return strings.Contains(w.Status().LastError, errHandlerTest.Error()) })
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	if n := flagCount(t, env, user, "INBOX", 2, "$KeluhanProcessed"); n != 0 {
		t.Errorf("messages flagged after handler errors = %d, want 0", n)
	}
}

func TestWatchDovecotRestart(t *testing.T) {
	env := testenv.RequireIsolated(t)
	user := env.NewUser(t, "restart")
	before := ids("before", 3)
	appendMessages(t, env, user, "INBOX", before...)

	relay := startRelay(t, env.IMAPAddr)
	cfg := dovecotConfig(env, user)
	cfg.Addr = relay.addr()
	h := &recordingHandler{}
	log, logCount := newCountingLogger(t)
	w, err := NewWatcher(cfg, h, &memStates{}, log)
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitHandled(t, h, before...)

	// The relay cuts the watcher off while Dovecot restarts, as a server
	// restart that ends its client processes would.
	relay.setDown(true)
	env.RestartDovecot(t)
	relay.setDown(false)
	after := ids("after", 3)
	appendMessages(t, env, user, "INBOX", after...)
	waitHandled(t, h, after...)
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	counts := h.handledCounts()
	for _, id := range slices.Concat(before, after) {
		if counts[id] != 1 {
			t.Errorf("message %s handled %d times, want 1", id, counts[id])
		}
	}
	if n := logCount("imap connected"); n < 2 {
		t.Errorf("connections = %d, want a reconnect after the restart", n)
	}
	if n := flagCount(t, env, user, "INBOX", len(before)+len(after), "$KeluhanProcessed"); n != len(before)+len(after) {
		t.Errorf("messages flagged $KeluhanProcessed = %d, want %d", n, len(before)+len(after))
	}
}

func TestWatchUIDValidityChange(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "uidvalidity")
	const mailbox = "Pengaduan"
	appendMessages(t, env, user, mailbox, "uidv-1", "uidv-2")

	cfg := dovecotConfig(env, user)
	cfg.Mailbox = mailbox
	h := &recordingHandler{}
	states := &memStates{}
	w, err := NewWatcher(cfg, h, states, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startWatcher(t, w)
	waitHandled(t, h, "uidv-1", "uidv-2")
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	oldState := states.get(mailbox)

	// Dovecot derives UIDVALIDITY from the clock in seconds, so a
	// mailbox recreated within the same second keeps it.
	admin := loginUser(t, env, user)
	if err := admin.Delete(mailbox).Wait(); err != nil {
		t.Fatalf("delete %s: %v", mailbox, err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := admin.Create(mailbox, nil).Wait(); err != nil {
		t.Fatalf("create %s again: %v", mailbox, err)
	}
	appendMessages(t, env, user, mailbox, "uidv-1", "uidv-2")
	recreated := env.Status(t, user, mailbox)
	if recreated.UIDValidity == oldState[0] {
		t.Fatalf("uidvalidity %d unchanged after recreating %s", recreated.UIDValidity, mailbox)
	}

	w, err = NewWatcher(cfg, h, states, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop = startWatcher(t, w)
	waitFor(t, "messages handed over again", func() bool {
		counts := h.handledCounts()
		return counts["uidv-1"] == 2 && counts["uidv-2"] == 2
	})
	if err := stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	if got := states.get(mailbox); got != [2]uint32{recreated.UIDValidity, 2} {
		t.Errorf("saved state = %v, want uidvalidity %d and last uid 2", got, recreated.UIDValidity)
	}
}

func TestWatchOversizeFetchesHeaderOnly(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "big")
	big := testMessage("big", 8000)
	env.Append(t, user, "INBOX", big)
	appendMessages(t, env, user, "INBOX", "small")

	cfg := dovecotConfig(env, user)
	cfg.MaxFetchBytes = 4096
	h := &recordingHandler{}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	startWatcher(t, w)
	waitHandled(t, h, "big", "small")

	gotBig, _ := h.fetchedByID("big")
	if !gotBig.Truncated || gotBig.Size != int64(len(big)) {
		t.Errorf("big message Truncated = %v, Size = %d, want true and %d", gotBig.Truncated, gotBig.Size, len(big))
	}
	header, _, _ := bytes.Cut(big, []byte("\r\n\r\n"))
	if want := append(header, "\r\n\r\n"...); !bytes.Equal(gotBig.Raw, want) {
		t.Errorf("big message Raw = %q, want the header %q", gotBig.Raw, want)
	}
	gotSmall, _ := h.fetchedByID("small")
	if gotSmall.Truncated || !bytes.Equal(gotSmall.Raw, testMessage("small", 0)) {
		t.Errorf("small message Truncated = %v, Raw = %q, want the whole message", gotSmall.Truncated, gotSmall.Raw)
	}
}

func TestWatchShutdownFinishesBatch(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "shutdown")
	want := ids("shutdown", 3)
	appendMessages(t, env, user, "INBOX", want...)

	cfg := dovecotConfig(env, user)
	h := &recordingHandler{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	w, err := NewWatcher(cfg, h, &memStates{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	select {
	case <-h.entered:
	case <-time.After(waitTimeout):
		t.Fatal("handler was never called")
	}
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run() returned %v while the handler still held the batch", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(h.release)

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run() = %v, want nil", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run() did not return after the handler finished")
	}
	h.mu.Lock()
	ctxErr := h.ctxErrs[0]
	h.mu.Unlock()
	if ctxErr != nil {
		t.Errorf("handler context error = %v, want nil during shutdown", ctxErr)
	}
	if n := flagCount(t, env, user, "INBOX", len(want), "$KeluhanProcessed"); n != len(want) {
		t.Errorf("messages flagged after shutdown = %d, want %d", n, len(want))
	}
}

func TestCheckDovecot(t *testing.T) {
	env := testenv.Require(t)
	user := env.NewUser(t, "check")
	// A wrong password is left to TestCheckLogin, because Dovecot's auth
	// penalty delays logins from an address after a failed one, which
	// would slow down the other packages' tests that share the server.
	tests := []struct {
		name    string
		change  func(*IMAPConfig)
		wantErr bool
	}{
		{"plain imap", func(*IMAPConfig) {}, false},
		{"starttls with ca", func(c *IMAPConfig) { c.TLS, c.CAFile = TLSStartTLS, env.CAFile }, false},
		{"implicit tls with ca", func(c *IMAPConfig) { c.Addr, c.TLS, c.CAFile = env.IMAPSAddr, TLSImplicit, env.CAFile }, false},
		{"implicit tls insecure", func(c *IMAPConfig) { c.Addr, c.TLS, c.Insecure = env.IMAPSAddr, TLSImplicit, true }, false},
		{"implicit tls unknown ca", func(c *IMAPConfig) { c.Addr, c.TLS = env.IMAPSAddr, TLSImplicit }, true},
		{"missing mailbox", func(c *IMAPConfig) { c.Mailbox = "Tidak-Ada" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := dovecotConfig(env, user)
			tt.change(&cfg)
			w, err := NewWatcher(cfg, nopHandler{}, nopStates{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := w.Check(ctx); (err != nil) != tt.wantErr {
				t.Errorf("Check(%s) = %v, want error %v", tt.name, err, tt.wantErr)
			}
		})
	}
}
