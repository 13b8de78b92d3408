package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embeddedFerret is a FerretDB server running inside this process.
type embeddedFerret struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// startFerret starts FerretDB with the SQLite handler on a free loopback
// port, keeping one SQLite file per database in dataDir/ferretdb.
//
// NOTE: FerretDB 1.24 with the SQLite handler has no authentication, so
// any local user who finds the port can read and write the data while
// keluhan runs.
func startFerret(dataDir string, log *slog.Logger) (*embeddedFerret, error) {
	if dataDir == "" {
		return nil, errors.New("start embedded ferretdb: data dir is empty: set the data folder or a mongodb uri")
	}

	dir := filepath.Join(dataDir, "ferretdb")
	// FerretDB requires the SQLite folder to exist before it starts.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start embedded ferretdb: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("start embedded ferretdb: %w", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    ferretLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded ferretdb in %s: %w", abs, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e := &embeddedFerret{uri: f.MongoDBURI(), cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- f.Run(ctx) }()

	log.Info("embedded ferretdb started", "dir", abs, "uri", e.uri)
	return e, nil
}

// stop cancels FerretDB and waits until it has closed its listener and
// SQLite files, or until ctx ends.
func (e *embeddedFerret) stop(ctx context.Context) error {
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			return fmt.Errorf("stop embedded ferretdb: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop embedded ferretdb: %w", ctx.Err())
	}
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
