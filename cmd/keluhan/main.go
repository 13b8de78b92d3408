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
	"regexp"
	"strconv"
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
	cmd, err := root.ExecuteContextC(ctx)
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	default:
		msg := a.explain(err)
		if cmd != nil {
			msg = a.cobraMessage(cmd, msg)
		}
		fmt.Fprintln(stderr, a.p.t(msgErrorPrefix), msg)
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
	rejectUnknownSubcommands(root)
	return root
}

// rejectUnknownSubcommands makes every command that groups subcommands
// fail on an argument that names none of them, as the root does. Cobra
// would otherwise print a group's help and succeed, so a mistyped
// subcommand (keluhan ticket lst) looked like a harmless call. A group
// called alone still prints its help.
func rejectUnknownSubcommands(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasParent() && c.HasSubCommands() {
			if !c.Runnable() {
				c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
			}
			if c.Args == nil {
				c.Args = unknownSubcommand
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownSubcommand rejects any argument of a group command with cobra's
// own "unknown command" error and suggestions, which cobraMessage then
// puts in the command line's language.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default for the root
	}
	var hint strings.Builder
	if suggestions := cmd.SuggestionsFor(args[0]); len(suggestions) > 0 {
		hint.WriteString("\n\nDid you mean this?\n")
		for _, s := range suggestions {
			fmt.Fprintf(&hint, "\t%s\n", s)
		}
	}
	return fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), hint.String())
}

// cobraShape recognises one error message that cobra or pflag writes in
// English, and rewrites it with the values it carries.
type cobraShape struct {
	re      *regexp.Regexp
	rewrite func(a *app, cmd *cobra.Command, m []string) string
}

// cobraShapes are the messages of cobra 1.10 and pflag 1.0 for a wrong
// command line. A message of no known shape is shown as it is.
var cobraShapes = []cobraShape{
	{regexp.MustCompile(`(?s)^unknown command "(.*?)" for "(.*?)"(.*)$`), func(a *app, _ *cobra.Command, m []string) string {
		msg := a.p.t(msgUnknownCommand, m[1], m[2])
		if names := suggestionNames(m[3]); names != "" {
			msg += "; " + a.p.t(msgDidYouMean, names)
		}
		return msg + " " + a.p.t(msgSeeHelp, m[2])
	}},
	// The flag's message comes first: the other invalid argument
	// message is a prefix of it.
	{regexp.MustCompile(`(?s)^invalid argument "(.*?)" for "(.*?)" flag: (.*)$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgInvalidFlagValue, m[1], m[2], a.flagValueCause(m[3]))
	}},
	{regexp.MustCompile(`(?s)^invalid argument "(.*?)" for "(.*?)"(\n.*)?$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgInvalidArgument, m[1], m[2])
	}},
	{regexp.MustCompile(`^unknown flag: (--\S+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgUnknownFlag, m[1], cmd.CommandPath())
	}},
	{regexp.MustCompile(`^unknown shorthand flag: '(.)' in (-\S+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgUnknownShorthand, "-"+m[1], m[2], cmd.CommandPath())
	}},
	{regexp.MustCompile(`^flag needs an argument: (--\S+)$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgFlagNeedsValue, m[1])
	}},
	{regexp.MustCompile(`^flag needs an argument: '(.)' in -\S+$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgFlagNeedsValue, "-"+m[1])
	}},
	{regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgArgsExact, cmd.CommandPath(), atoi(m[1]), atoi(m[2]), a.useLine(cmd))
	}},
	{regexp.MustCompile(`^accepts at most (\d+) arg\(s\), received (\d+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgArgsAtMost, cmd.CommandPath(), atoi(m[1]), atoi(m[2]), a.useLine(cmd))
	}},
	{regexp.MustCompile(`^requires at least (\d+) arg\(s\), only received (\d+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgArgsAtLeast, cmd.CommandPath(), atoi(m[1]), atoi(m[2]), a.useLine(cmd))
	}},
	{regexp.MustCompile(`^accepts between (\d+) and (\d+) arg\(s\), received (\d+)$`), func(a *app, cmd *cobra.Command, m []string) string {
		return a.p.t(msgArgsBetween, cmd.CommandPath(), atoi(m[1]), atoi(m[2]), atoi(m[3]), a.useLine(cmd))
	}},
	{regexp.MustCompile(`^required flag\(s\) (.*) not set$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgRequiredFlags, m[1])
	}},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), func(a *app, _ *cobra.Command, m []string) string {
		return a.p.t(msgBadFlagSyntax, m[1])
	}},
}

// cobraMessage rewrites a message of cobra or pflag about a wrong command
// line in the command line's language, naming the command that failed.
func (a *app) cobraMessage(cmd *cobra.Command, msg string) string {
	for _, shape := range cobraShapes {
		if m := shape.re.FindStringSubmatch(msg); m != nil {
			return shape.rewrite(a, cmd, m)
		}
	}
	return msg
}

// suggestionNames reads the command names of cobra's "Did you mean
// this?" tail.
func suggestionNames(tail string) string {
	_, list, ok := strings.Cut(tail, "Did you mean this?")
	if !ok {
		return ""
	}
	return strings.Join(strings.Fields(list), ", ")
}

// flagValueCause explains why pflag could not read a flag's value; a
// cause of no known kind is kept as it is.
func (a *app) flagValueCause(cause string) string {
	switch {
	case strings.Contains(cause, "value out of range"):
		return a.p.t(msgValueOutOfRange)
	case strings.HasPrefix(cause, "strconv.ParseInt"), strings.HasPrefix(cause, "strconv.ParseUint"):
		return a.p.t(msgWantWholeNumber)
	case strings.HasPrefix(cause, "strconv.ParseFloat"):
		return a.p.t(msgWantNumber)
	case strings.HasPrefix(cause, "strconv.ParseBool"):
		return a.p.t(msgWantBool)
	case strings.HasPrefix(cause, "time: "):
		return a.p.t(msgWantDuration)
	}
	return cause
}

// useLine is the command's usage line in the command line's language.
func (a *app) useLine(cmd *cobra.Command) string {
	if a.p.lang == "en" {
		return cmd.UseLine()
	}
	return strings.Replace(cmd.UseLine(), "[flags]", "[opsi]", 1)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // the pattern matched digits only
	return n
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
	return a.loadConfigWith(forServe, nil)
}

// loadConfigWith is loadConfig with adjust applied to the configuration
// before it is checked, when adjust is not nil.
func (a *app) loadConfigWith(forServe bool, adjust func(*Config)) (*Config, error) {
	cfg, err := a.readConfig(a.stderr)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(cfg)
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
