// Command keluhan runs a service desk's complaint procedure over email:
// it turns mail to the help desk into tickets, routes them through triage,
// incident hand-off or escalation, keeps the SLA clocks and sends every
// email the procedure needs. Run "keluhan --help" for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries a process exit code through cobra.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app is what every subcommand shares: the output streams, the language
// of the command line and the configuration path.
type app struct {
	stdout, stderr io.Writer
	p              printer
	configPath     string
	env            func(string) string
}

func run(args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, env: os.Getenv}
	a.configPath = configPathFrom(args, a.env)
	a.p = printer{lang: a.language()}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	default:
		fmt.Fprintln(stderr, a.p.t(msgErrorPrefix), a.explain(err))
		return 1
	}
}

// explain puts the errors people meet most often in the command line's
// language, keeping the technical chain after it for the administrator.
func (a *app) explain(err error) string {
	switch {
	case errors.Is(err, errDaemonRunning):
		return a.p.t(msgServeRunning) + " (" + err.Error() + ")"
	case errors.Is(err, store.ErrNotOwner):
		return a.p.t(msgNotOwner) + " (" + err.Error() + ")"
	case errors.Is(err, workflow.ErrNoSubject), errors.Is(err, workflow.ErrNoContact):
		return a.p.t(msgManualInvalid) + " (" + err.Error() + ")"
	}
	return err.Error()
}

// configPathFrom finds the configuration path before cobra parses the
// flags, because the help text's language comes from the file.
func configPathFrom(args []string, env func(string) string) string {
	for i, arg := range args {
		if (arg == "--config" || arg == "-c") && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(arg, "--config="); ok {
			return v
		}
	}
	if v := env("KELUHAN_CONFIG"); v != "" {
		return v
	}
	return "keluhan.yaml"
}

// language returns the command line's language: KELUHAN_LANGUAGE, else
// the configuration file's language, else Indonesian.
func (a *app) language() string {
	if v := a.env("KELUHAN_LANGUAGE"); v == "en" || v == "id" {
		return v
	}
	cfg, err := LoadConfig(a.configPath, func(string) string { return "" })
	if err == nil && cfg.Language == "en" {
		return "en"
	}
	return "id"
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "keluhan",
		Short:         a.p.t(helpRoot),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&a.configPath, "config", "c", a.configPath, a.p.t(helpConfigFlag))
	localizeCobra(root, a.p)
	root.AddCommand(
		a.serveCommand(),
		a.demoCommand(),
		a.configCommand(),
		a.inspectCommand(),
		a.ticketCommand(),
		a.outboxCommand(),
		a.triageCommand(),
		a.quarantineCommand(),
	)
	a.addRecordCommands(root)
	return root
}

// readConfig loads the configuration file. A file that cannot be read
// as configuration is reported like a check problem, with its line, and
// the command ends with status 2.
func (a *app) readConfig(w io.Writer) (*Config, error) {
	cfg, err := LoadConfig(a.configPath, a.env)
	if errors.Is(err, os.ErrNotExist) && !isSecretFileError(err) {
		return nil, errors.New(a.p.t(msgNoConfig, a.configPath))
	}
	if pr, ok := loadProblem(a.p, err); ok {
		printProblems(w, a.p, a.configPath, []Problem{pr})
		return nil, exitError{code: 2}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.p.t(msgConfigUnreadable, a.configPath), err)
	}
	a.p = printer{lang: cfg.Language}
	return cfg, nil
}

func isSecretFileError(err error) bool {
	var sf *SecretFileError
	return errors.As(err, &sf)
}

// loadConfig reads and checks the configuration; problems are printed
// and make the command fail.
func (a *app) loadConfig(forServe bool) (*Config, error) {
	cfg, err := a.readConfig(a.stderr)
	if err != nil {
		return nil, err
	}
	problems := CheckConfig(cfg, forServe)
	var errs []Problem
	for _, pr := range problems {
		if !pr.Warning {
			errs = append(errs, pr)
		}
	}
	if len(errs) > 0 {
		printProblems(a.stderr, a.p, a.configPath, errs)
		return nil, exitError{code: 2}
	}
	return cfg, nil
}

// loc returns the configured time zone, or Asia/Jakarta when there is no
// readable configuration, for commands that need no store.
func (a *app) loc() *time.Location {
	zone := "Asia/Jakarta"
	if cfg, err := LoadConfig(a.configPath, func(string) string { return "" }); err == nil {
		zone = cfg.TimeZone
	}
	if l, err := time.LoadLocation(zone); err == nil {
		return l
	}
	return time.FixedZone("WIB", 7*3600)
}
