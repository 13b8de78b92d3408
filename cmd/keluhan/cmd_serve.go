package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// newCommand returns a subcommand with its help flag in the command
// line's language.
func (a *app) newCommand(use string, short text) *cobra.Command {
	c := &cobra.Command{Use: use, Short: a.p.t(short)}
	c.Flags().BoolP("help", "h", false, a.p.t(text{"bantuan untuk perintah ini", "help for this command"}))
	return c
}

func (a *app) serveCommand() *cobra.Command {
	c := a.newCommand("serve", helpServe)
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := a.loadConfig(true)
		if err != nil {
			return err
		}
		log := newLogger(cfg.Log, a.stderr)
		set, err := buildSettings(cfg)
		if err != nil {
			return err
		}
		d, err := openDaemon(cmd.Context(), cfg, set, log, time.Now)
		if err != nil {
			return err
		}
		return d.run(cmd.Context(), cfg.HTTP.Address())
	}
	return c
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newLogger returns the daemon's logger, writing to w: JSON when
// standard output is not a terminal (a service manager or a pipe) or
// with format json, text otherwise.
func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(cfg.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	useJSON := cfg.Format == "json" || (cfg.Format == "auto" && !isTerminal(os.Stdout))
	if useJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
