package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

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

// startFerret starts FerretDB with the SQLite handler on a free loopback
// port, keeping one SQLite file per database in dir, which must exist.
// The caller holds the lock of dir; stop releases it.
//
// NOTE: FerretDB 1.24 with the SQLite handler has no authentication, so
// any local user who finds the port can read and write the data while
// keluhan runs.
func startFerret(dir string, lock *os.File, log *slog.Logger) (*embeddedFerret, error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
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

// ferretLogger passes only FerretDB's errors to log, because FerretDB
// logs every error reply it sends (a duplicate key, for one) as a full
// message dump at Warn level.
func ferretLogger(log *slog.Logger) *slog.Logger {
	h := minLevelHandler{min: slog.LevelError, Handler: log.Handler()}
	return slog.New(h).With("component", "ferretdb")
}

// minLevelHandler drops records below min.
type minLevelHandler struct {
	min slog.Level
	slog.Handler
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{min: h.min, Handler: h.Handler.WithAttrs(attrs)}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{min: h.min, Handler: h.Handler.WithGroup(name)}
}
