package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/triage"
)

func (a *app) configCommand() *cobra.Command {
	c := a.newCommand("config", helpConfig)
	check := a.newCommand("check", helpCheck)
	check.Args = cobra.NoArgs
	check.RunE = func(*cobra.Command, []string) error {
		cfg, err := a.readConfig(a.stdout)
		if err != nil {
			return err
		}
		if printProblems(a.stdout, a.p, a.configPath, CheckConfig(cfg, true)) > 0 {
			return exitError{code: 2}
		}
		return nil
	}
	c.AddCommand(check)
	return c
}

// withCore loads the configuration, opens the store and runs fn. Command
// line tools log only warnings and errors, to standard error. On the
// embedded store it refuses a data folder that holds no store yet, since
// a wrong data_dir would otherwise show an empty desk. These commands
// queue no mail, so they run without the reply-token secret.
func (a *app) withCore(ctx context.Context, fn func(c *core) error) error {
	return a.openCore(ctx, coreNeeds{}, fn)
}

// withNewCore is withCore for import, which may start a store in an
// empty data folder.
func (a *app) withNewCore(ctx context.Context, fn func(c *core) error) error {
	return a.openCore(ctx, coreNeeds{create: true}, fn)
}

// withDeskCore is withCore for ticket open, which may start a store and
// queues mail with reply tokens, so it needs the token secret.
func (a *app) withDeskCore(ctx context.Context, fn func(c *core) error) error {
	return a.openCore(ctx, coreNeeds{create: true, tokens: true}, fn)
}

// coreNeeds lists what a command requires from openCore.
type coreNeeds struct {
	// create allows an empty data folder, in which the store starts.
	create bool
	// tokens requires the reply-token secret.
	tokens bool
}

func (a *app) openCore(ctx context.Context, needs coreNeeds, fn func(c *core) error) error {
	cfg, err := a.loadConfigWith(false, func(cfg *Config) {
		// A command that queues no mail signs no reply token, so a
		// missing secret is replaced by a random one it never shows.
		if !needs.tokens && len(cfg.Helpdesk.TokenSecret.Reveal()) < 16 {
			cfg.Helpdesk.TokenSecret = Secret(randomKey() + randomKey())
		}
	})
	if err != nil {
		return err
	}
	if !needs.create && cfg.MongoDB.URI.Reveal() == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "ferretdb")); errors.Is(err, fs.ErrNotExist) {
			return errors.New(a.p.t(msgNoStore, cfg.DataDir, a.configPath))
		}
	}
	set, err := buildSettings(cfg)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := openCore(ctx, set, log, time.Now)
	if err != nil {
		return err
	}
	defer c.close()
	return fn(c)
}

func (a *app) ticketCommand() *cobra.Command {
	c := a.newCommand("ticket", helpTicket)
	c.AddCommand(a.ticketListCommand(), a.ticketShowCommand(), a.ticketOpenCommand())
	return c
}

func (a *app) ticketListCommand() *cobra.Command {
	c := a.newCommand("list", helpList)
	state := c.Flags().String("state", "", a.p.t(helpState))
	since := c.Flags().String("since", "", a.p.t(helpSince))
	limit := c.Flags().Int("limit", 100, a.p.t(helpLimit))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		filter, err := a.ticketFilter(*state, *since, *limit)
		if err != nil {
			return err
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			tickets, err := c.store.ListTickets(cmd.Context(), filter)
			if err != nil {
				return err
			}
			a.printTicketList(c, tickets)
			return nil
		})
	}
	return c
}

// stateNames accepts the Indonesian words for the states too.
var stateNames = map[string]workflow.State{
	"baru": workflow.StateNew, "insiden": workflow.StateIncident, "eskalasi": workflow.StateEscalated,
	"tindak_lanjut": workflow.StateFollowUp, "tindaklanjut": workflow.StateFollowUp,
	"menunggu": workflow.StateWaiting, "selesai": workflow.StateClosed, "ditutup": workflow.StateClosed,
}

func (a *app) ticketFilter(state, since string, limit int) (store.TicketFilter, error) {
	state = strings.ToLower(strings.TrimSpace(state))
	f := store.TicketFilter{State: workflow.State(state), Limit: limit}
	if s, ok := stateNames[state]; ok {
		f.State = s
	}
	if state != "" && !f.State.Valid() {
		return f, errors.New(a.p.t(msgBadState, state))
	}
	if since != "" {
		t, err := time.Parse("2006-01-02", since)
		if err != nil {
			return f, errors.New(a.p.t(msgBadDate, since))
		}
		f.Since = t
	}
	return f, nil
}

func (a *app) printTicketList(c *core, tickets []*workflow.Ticket) {
	if len(tickets) == 0 {
		fmt.Fprintln(a.stdout, a.p.t(msgNoTickets))
		return
	}
	tw := newTable(a.stdout)
	tw.row(a.p.t(colNumber), a.p.t(colReceived), a.p.t(colState), a.p.t(colCategory), a.p.t(colRequester), a.p.t(colSubject))
	for _, t := range tickets {
		tw.row(t.Number, c.localTime(t.ReceivedAt), c.label(a.p.lang, "state", string(t.State)),
			c.categoryLabel(a.p.lang, t), partyText(t.Requester), clip(t.Subject, 60))
	}
	tw.flush()
}

func (a *app) ticketShowCommand() *cobra.Command {
	c := a.newCommand("show NOMOR", helpShow)
	asJSON := c.Flags().Bool("json", false, a.p.t(helpJSON))
	c.Args = cobra.ExactArgs(1)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		number := strings.ToUpper(strings.Trim(args[0], "[]"))
		return a.withCore(cmd.Context(), func(c *core) error {
			t, err := c.store.Ticket(cmd.Context(), number)
			if errors.Is(err, store.ErrNotFound) {
				return errors.New(a.p.t(msgTicketNotFound, number))
			}
			if err != nil {
				return err
			}
			records, err := c.store.Records(cmd.Context(), number)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(a.stdout, map[string]any{"ticket": t, "records": records})
			}
			a.printTicket(c, t, records)
			return nil
		})
	}
	return c
}

func (a *app) outboxCommand() *cobra.Command {
	c := a.newCommand("outbox", helpOutbox)
	list := a.newCommand("list", helpOutboxList)
	status := list.Flags().String("status", "", a.p.t(helpStatus))
	limit := list.Flags().Int("limit", 100, a.p.t(helpLimit))
	list.Args = cobra.NoArgs
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		st, ok := outboxStatus(*status)
		if !ok {
			return errors.New(a.p.t(msgBadStatus, *status))
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			rows, err := c.store.ListOutgoing(cmd.Context(), store.OutboxFilter{Status: st, Limit: *limit})
			if err != nil {
				return err
			}
			a.printOutbox(c, rows)
			return nil
		})
	}
	retry := a.newCommand("retry [KUNCI]", helpRetry)
	all := retry.Flags().Bool("all", false, a.p.t(helpAll))
	retry.Args = cobra.MaximumNArgs(1)
	retry.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && !*all {
			return errors.New(a.p.t(msgNeedKeyOrAll))
		}
		key := ""
		if len(args) == 1 {
			key = args[0]
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			n, err := c.store.RetryOutgoing(cmd.Context(), key, time.Now())
			switch {
			case errors.Is(err, store.ErrNotFound):
				return errors.New(a.p.t(msgNoSuchRow, key))
			case errors.Is(err, store.ErrConflict):
				return errors.New(a.p.t(msgNotRetryable, key))
			case err != nil:
				return err
			}
			fmt.Fprintln(a.stdout, a.p.t(msgRetried, n))
			return nil
		})
	}
	c.AddCommand(list, retry)
	return c
}

func (a *app) printOutbox(c *core, rows []*workflow.Outgoing) {
	if len(rows) == 0 {
		fmt.Fprintln(a.stdout, a.p.t(msgNoOutbox))
		return
	}
	tw := newTable(a.stdout)
	tw.row(a.p.t(colCreated), a.p.t(colStatus), a.p.t(colAttempts), a.p.t(colKind), a.p.t(colTo), a.p.t(colSubject), a.p.t(colError), a.p.t(colKey))
	for _, r := range rows {
		tw.row(c.localTime(r.CreatedAt), a.outboxStatusName(r.Status), fmt.Sprint(r.Attempts), c.label(a.p.lang, "mail", r.Kind), r.To.Email,
			clip(r.Subject, 50), clip(r.LastError, 40), r.Key)
	}
	tw.flush()
}

func (a *app) quarantineCommand() *cobra.Command {
	c := a.newCommand("quarantine", helpQuarantine)
	limit := c.Flags().Int("limit", 100, a.p.t(helpLimit))
	ignored := c.Flags().Bool("ignored", false, a.p.t(helpIgnored))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		return a.withCore(cmd.Context(), func(c *core) error {
			list := c.store.ListQuarantine
			if *ignored {
				list = c.store.ListIgnored
			}
			docs, err := list(cmd.Context(), *limit)
			if err != nil {
				return err
			}
			a.printHeld(c, docs, *ignored)
			return nil
		})
	}
	return c
}

// printHeld lists held (or, with ignored, ignored) messages with their
// reasons in the command line's language.
func (a *app) printHeld(c *core, docs []*store.MessageDoc, ignored bool) {
	if len(docs) == 0 {
		empty := msgNoQuarantine
		if ignored {
			empty = msgNoIgnored
		}
		fmt.Fprintln(a.stdout, a.p.t(empty))
		return
	}
	tw := newTable(a.stdout)
	tw.row(a.p.t(colReceived), a.p.t(colFrom), a.p.t(colSubject), a.p.t(colReason), a.p.t(colKey))
	for _, d := range docs {
		tw.row(c.localTime(d.FetchedAt), storedFrom(d), clip(d.Subject, 50), c.render.Reason(a.p.lang, d.Reason), d.Key)
	}
	tw.flush()
}

func (a *app) triageCommand() *cobra.Command {
	c := a.newCommand("triage", helpTriage)
	eval := a.newCommand("eval FILE.jsonl", helpEval)
	asJSON := eval.Flags().Bool("json", false, a.p.t(helpJSON))
	eval.Args = cobra.ExactArgs(1)
	eval.RunE = func(_ *cobra.Command, args []string) error {
		rules, err := a.triageRules()
		if err != nil {
			return err
		}
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		items, err := triage.ReadJSONL(f)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		report := triage.Evaluate(rules, items)
		if *asJSON {
			return report.WriteJSON(a.stdout)
		}
		return report.WriteText(a.stdout, a.p.lang)
	}
	c.AddCommand(eval)
	return c
}

// triageRules returns the configured rules, or the built-in ones when
// there is no configuration file: evaluation needs no server.
func (a *app) triageRules() (*triage.Rules, error) {
	cfg, err := LoadConfig(a.configPath, a.env)
	if err != nil || cfg.Triage.RulesFile == "" {
		return triage.Default(), nil
	}
	return triage.Load(cfg.Triage.RulesFile)
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func storedFrom(d *store.MessageDoc) string {
	if d.From == nil {
		return ""
	}
	return addressText(&mail.Address{Name: d.From.Name, Address: d.From.Address})
}

// outboxStatusNames are the outbox statuses as the command line shows
// them: the same words --status accepts.
var outboxStatusNames = map[workflow.OutboxStatus]text{
	workflow.OutboxPending:    {"menunggu", "pending"},
	workflow.OutboxSending:    {"dikirim", "sending"},
	workflow.OutboxSent:       {"terkirim", "sent"},
	workflow.OutboxFailed:     {"gagal", "failed"},
	workflow.OutboxSuppressed: {"ditahan", "suppressed"},
}

// outboxStatusName returns an outbox status in the command line's
// language; an unknown status shows as stored.
func (a *app) outboxStatusName(st workflow.OutboxStatus) string {
	if name, ok := outboxStatusNames[st]; ok {
		return a.p.t(name)
	}
	return string(st)
}

// outboxStatus reads an outbox status, in English or Indonesian.
func outboxStatus(s string) (workflow.OutboxStatus, bool) {
	names := map[string]workflow.OutboxStatus{
		"": "", "pending": workflow.OutboxPending, "menunggu": workflow.OutboxPending,
		"sending": workflow.OutboxSending, "dikirim": workflow.OutboxSending,
		"sent": workflow.OutboxSent, "terkirim": workflow.OutboxSent,
		"failed": workflow.OutboxFailed, "gagal": workflow.OutboxFailed,
		"suppressed": workflow.OutboxSuppressed, "ditahan": workflow.OutboxSuppressed,
	}
	st, ok := names[strings.ToLower(strings.TrimSpace(s))]
	return st, ok
}
