package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embeddedFerret is a FerretDB server running inside this process, with
// the lock on its data folder.
type embeddedFerret struct {
	uri    string
	dir    string
	lock   *os.File
	cancel context.CancelFunc
	done   chan error
}

// socketName is the file name of the embedded FerretDB's Unix socket in
// its folder.
const socketName = "ferretdb.sock"

// maxSocketPath keeps a socket's path within sockaddr_un on Linux, which
// holds 108 bytes with the terminating NUL.
const maxSocketPath = 100

// MaxDataDirSocket is the longest absolute data folder path, in bytes,
// whose embedded FerretDB still gets a Unix socket.
const MaxDataDirSocket = maxSocketPath - len("/"+ferretDirName+"/"+socketName)

// startFerret starts FerretDB with the SQLite handler, keeping one SQLite
// file per database in dir, which must exist. The caller holds the lock
// of dir; stop releases it.
//
// FerretDB 1.24 with the SQLite handler has no authentication, so it
// listens on a Unix socket in dir, which only dir's owner can reach
// (mode 0700). When dir's path is too long for a socket it listens on a
// free loopback port instead and logs a warning, because any local user
// who finds that port can read and write the data while keluhan runs.
func startFerret(dir string, lock *os.File, log *slog.Logger) (*embeddedFerret, error) {
	listener := ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}
	sock := filepath.Join(dir, socketName)
	if len(sock) <= maxSocketPath {
		// A socket left by a process that died is stale, since this
		// process holds dir's lock.
		if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("start embedded ferretdb: remove stale socket: %w", err)
		}
		listener = ferretdb.ListenerConfig{Unix: sock}
	} else {
		log.Warn("data folder path too long for a unix socket; embedded ferretdb listens on loopback tcp without authentication", "dir", dir, "max_socket_path", maxSocketPath)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  listener,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    ferretLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded ferretdb in %s: %w", dir, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e := &embeddedFerret{dir: dir, lock: lock, cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- f.Run(ctx) }()
	e.uri = f.MongoDBURI()
	if listener.Unix != "" {
		e.uri = socketURI(sock)
	}

	log.Info("embedded ferretdb started", "dir", dir, "uri", e.uri)
	return e, nil
}

// stop removes the address file, cancels FerretDB, waits until it has
// closed its listener and SQLite files, or until ctx ends, and then
// releases the data folder's lock.
func (e *embeddedFerret) stop(ctx context.Context) error {
	errs := []error{removeAddress(e.dir)}
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			errs = append(errs, fmt.Errorf("stop embedded ferretdb: %w", err))
		}
	case <-ctx.Done():
		// FerretDB may still write its files, so the lock stays held
		// until the process exits.
		return errors.Join(append(errs, fmt.Errorf("stop embedded ferretdb: %w", ctx.Err()))...)
	}
	if err := e.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("release lock of %s: %w", e.dir, err))
	}
	return errors.Join(errs...)
}

// socketURI returns the MongoDB URI of the Unix socket at path. The
// driver splits the host list at commas before it decodes the hosts, so
// every byte but letters, digits and ".-_~" is percent-encoded.
func socketURI(path string) string {
	var b strings.Builder
	b.WriteString("mongodb://")
	for _, c := range []byte(path) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString("/")
	return b.String()
}

// ferretLogger passes only FerretDB's errors to log, because FerretDB
// logs every error reply it sends (a duplicate key, for one) as a full
// message dump at Warn level.
func ferretLogger(log *slog.Logger) *slog.Logger {
	h := minLevelHandler{min: slog.LevelError, handler: log.Handler()}
	return slog.New(h).With("component", "ferretdb")
}

// minLevelHandler drops records below min. FerretDB adds attributes for
// every connection and request, and a text handler formats them at once,
// so attributes and groups are only noted here and applied to the
// wrapped handler when a record passes, which is rare.
type minLevelHandler struct {
	min     slog.Level
	handler slog.Handler
	pending []func(slog.Handler) slog.Handler
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.handler.Enabled(ctx, level)
}

func (h minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	out := h.handler
	for _, apply := range h.pending {
		out = apply(out)
	}
	return out.Handle(ctx, r)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(next slog.Handler) slog.Handler { return next.WithAttrs(attrs) })
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return h.with(func(next slog.Handler) slog.Handler { return next.WithGroup(name) })
}

// with returns h with apply noted after the pending changes.
func (h minLevelHandler) with(apply func(slog.Handler) slog.Handler) minLevelHandler {
	pending := make([]func(slog.Handler) slog.Handler, len(h.pending), len(h.pending)+1)
	copy(pending, h.pending)
	h.pending = append(pending, apply)
	return h
}
