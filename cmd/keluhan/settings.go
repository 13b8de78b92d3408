package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/calendar"
	"github.com/keluhan/keluhan/workflow/triage"
)

// settings are the component configurations built from a checked Config.
type settings struct {
	loc      *time.Location
	cal      *calendar.Calendar
	rules    workflow.Rules
	desk     workflow.DeskConfig
	triage   *triage.Rules
	store    store.Config
	imap     ingest.IMAPConfig
	smtp     mailer.SMTPConfig
	worker   mailer.WorkerConfig
	pipeline ingest.PipelineConfig
	render   mailer.RenderConfig
	tick     time.Duration
	keep     time.Duration
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"min": time.Sunday, "sen": time.Monday, "sel": time.Tuesday, "rab": time.Wednesday,
	"kam": time.Thursday, "jum": time.Friday, "sab": time.Saturday,
}

var stepNames = map[string]workflow.Step{
	"verification": workflow.StepVerify, "first_follow_up": workflow.StepFollowUp,
	"closure": workflow.StepClose, "handoff_ack": workflow.StepHandoff,
}

// buildSettings turns a configuration that passed CheckConfig into the
// components' configurations. Errors here mean the check missed a case.
func buildSettings(cfg *Config) (*settings, error) {
	s := &settings{}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	s.loc = loc
	if err := s.buildCalendar(cfg); err != nil {
		return nil, err
	}
	if err := s.buildRules(cfg); err != nil {
		return nil, err
	}
	if err := s.buildTriage(cfg); err != nil {
		return nil, err
	}
	if err := s.buildDesk(cfg); err != nil {
		return nil, err
	}
	s.buildStore(cfg)
	if err := s.buildMail(cfg); err != nil {
		return nil, err
	}
	return s, s.buildSchedules(cfg)
}

func (s *settings) buildCalendar(cfg *Config) error {
	start, end, err := parseHours(cfg.SLA.WorkingHours)
	if err != nil {
		return fmt.Errorf("sla.working_hours: %w", err)
	}
	cc := calendar.Config{Location: s.loc, Start: start, End: end}
	for _, d := range cfg.SLA.WorkingDays {
		cc.Days = append(cc.Days, weekdays[strings.ToLower(d)])
	}
	if cfg.SLA.HolidaysFile != "" {
		hs, err := calendar.LoadHolidays(cfg.SLA.HolidaysFile)
		if err != nil {
			return fmt.Errorf("sla.holidays_file: %w", err)
		}
		cc.Holidays = hs
	}
	cal, err := calendar.New(cc)
	if err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	s.cal = cal
	return nil
}

func (s *settings) buildRules(cfg *Config) error {
	r := workflow.DefaultRules()
	for name, v := range cfg.SLA.Standards {
		d, err := calendar.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("sla.standards.%s: %w", name, err)
		}
		r.Standards[stepNames[name]] = d
	}
	r.WarnShare = cfg.SLA.WarnAt
	every, err := calendar.ParseDuration(cfg.SLA.ReminderEvery)
	if err != nil {
		return fmt.Errorf("sla.reminder_every: %w", err)
	}
	r.ReminderEvery = every.Working(s.cal.DayLength())
	r.MaxReminders = *cfg.SLA.MaxReminders
	if r.ReopenWindow, err = parseSpan(cfg.Procedure.ReopenWindow); err != nil {
		return fmt.Errorf("procedure.reopen_window: %w", err)
	}
	r.RootCause = cfg.Procedure.RootCause
	s.rules = r
	return nil
}

func (s *settings) buildTriage(cfg *Config) error {
	if cfg.Triage.RulesFile == "" {
		s.triage = triage.Default()
		return nil
	}
	rules, err := triage.Load(cfg.Triage.RulesFile)
	if err != nil {
		return fmt.Errorf("triage.rules_file: %w", err)
	}
	s.triage = rules
	return nil
}

func (s *settings) buildDesk(cfg *Config) error {
	d := workflow.DeskConfig{
		Desk:                workflow.Party{Name: cfg.Helpdesk.Name, Email: strings.ToLower(cfg.Helpdesk.Address)},
		Prefix:              cfg.TicketPrefix,
		Language:            cfg.Language,
		Location:            s.loc,
		Incident:            person(cfg.Roles.IncidentManagement).Party,
		TrustedAuthServIDs:  cfg.Trust.AuthServIDs,
		MaskRequester:       cfg.Privacy.MaskRequester,
		SimilarMin:          cfg.Similar.MinScore,
		SimilarMax:          cfg.Similar.Max,
		MaxNewPerSenderHour: *cfg.Limits.MaxNewPerSenderHour,
		SLASummaryAt:        cfg.SLA.SummaryThreshold,
	}
	d.Staff = append(d.Staff, staffOf(cfg.Roles.ServiceDesk, workflow.RoleServiceDesk)...)
	d.Staff = append(d.Staff, staffOf(cfg.Roles.ComplaintManagers, workflow.RoleComplaintManager)...)
	d.Staff = append(d.Staff, staffOf(cfg.Roles.Supervisors, workflow.RoleSupervisor)...)
	var err error
	if d.SimilarWindow, err = parseSpan(cfg.Similar.Window); err != nil {
		return fmt.Errorf("similar.window: %w", err)
	}
	if d.TokenTTL, err = parseSpan(cfg.Helpdesk.TokenTTL); err != nil {
		return fmt.Errorf("helpdesk.token_ttl: %w", err)
	}
	if *cfg.Helpdesk.ReplyTokens {
		tokens, err := workflow.NewTokens(cfg.TicketPrefix, []byte(cfg.Helpdesk.TokenSecret.Reveal()), []byte(cfg.Helpdesk.TokenSecretOld.Reveal()))
		if err != nil {
			return fmt.Errorf("helpdesk.token_secret: %w", err)
		}
		d.Tokens = tokens
	}
	s.desk = d
	return nil
}

func person(p Person) workflow.StaffMember {
	return workflow.StaffMember{Party: workflow.Party{Name: p.Name, Email: strings.ToLower(p.Address)}, Language: p.Language}
}

func staffOf(people []Person, role workflow.Role) []workflow.StaffMember {
	var out []workflow.StaffMember
	for _, p := range people {
		m := person(p)
		m.Role = role
		out = append(out, m)
	}
	return out
}

func (s *settings) buildStore(cfg *Config) {
	s.store = store.Config{
		URI:      cfg.MongoDB.URI.Reveal(),
		Database: cfg.MongoDB.Database,
		DataDir:  cfg.DataDir,
		CAFile:   cfg.MongoDB.CAFile,
		Insecure: cfg.MongoDB.Insecure,
	}
	// The store keeps recent tickets in memory for similar-complaint
	// matching; its window must cover the one the Desk asks for.
	if window := s.desk.SimilarWindow + 48*time.Hour; window > store.DefaultRecentWindow {
		s.store.RecentWindow = window
	}
}

func (s *settings) buildMail(cfg *Config) error {
	if err := s.buildIMAP(cfg); err != nil {
		return err
	}
	if err := s.buildSMTP(cfg); err != nil {
		return err
	}
	maxBytes, err := parseSize(cfg.Limits.MaxMessageBytes)
	if err != nil {
		return fmt.Errorf("limits.max_message_bytes: %w", err)
	}
	s.pipeline = ingest.PipelineConfig{
		Parse: ingest.ParseOptions{
			OurDomains:      []string{addressDomain(s.desk.Desk.Email)},
			HelpdeskAddress: s.desk.Desk.Email,
		},
		MaxMessageBytes: maxBytes,
		MaxAttachments:  cfg.Limits.MaxAttachments,
	}
	s.render = mailer.RenderConfig{Dir: cfg.Templates.Dir, Location: s.loc, WorkingDay: s.cal.DayLength()}
	return s.buildWorker(cfg)
}

func (s *settings) buildIMAP(cfg *Config) error {
	poll, err := parseSpan(cfg.IMAP.PollInterval)
	if err != nil {
		return fmt.Errorf("imap.poll_interval: %w", err)
	}
	m := cfg.IMAP
	s.imap = ingest.IMAPConfig{
		Addr: m.Address, TLS: m.TLS, Username: m.Username, Password: m.Password.Reveal(),
		Auth: authMode(m.Auth), CAFile: m.CAFile, Insecure: m.Insecure,
		Mailbox: m.Mailbox, ProcessedFlag: m.ProcessedFlag, ProcessedFolder: m.ProcessedFolder,
		QuarantineFolder: m.QuarantineFolder, BatchSize: m.BatchSize, PollInterval: poll,
		TokenSource: tokenSource(m.OAuthTokenFile, m.OAuthTokenCmd),
	}
	// Messages over the size limit are quarantined anyway; fetching only
	// their header keeps a huge message from being read into memory.
	maxBytes, err := parseSize(cfg.Limits.MaxMessageBytes)
	if err != nil {
		return fmt.Errorf("limits.max_message_bytes: %w", err)
	}
	s.imap.MaxFetchBytes = maxBytes
	return nil
}

func (s *settings) buildSMTP(cfg *Config) error {
	m := cfg.SMTP
	host, portText, err := net.SplitHostPort(m.Address)
	if err != nil && m.Address != "" {
		return fmt.Errorf("smtp.address: %w", err)
	}
	port, _ := strconv.Atoi(portText) // zero when the address is empty: the check reports it
	auth := m.Auth
	if auth == "none" {
		auth = ""
	}
	s.smtp = mailer.SMTPConfig{
		Host: host, Port: port, TLS: m.TLS, Username: m.Username, Password: m.Password.Reveal(),
		Auth: auth, TokenSource: tokenSource(m.OAuthTokenFile, m.OAuthTokenCmd),
		CAFile: m.CAFile, Insecure: m.Insecure,
	}
	return nil
}

func (s *settings) buildWorker(cfg *Config) error {
	base, err := parseSpan(cfg.Outbox.BaseBackoff)
	if err != nil {
		return fmt.Errorf("outbox.base_backoff: %w", err)
	}
	maxBackoff, err := parseSpan(cfg.Outbox.MaxBackoff)
	if err != nil {
		return fmt.Errorf("outbox.max_backoff: %w", err)
	}
	window, err := parseSpan(cfg.Limits.AutoReplyWindow)
	if err != nil {
		return fmt.Errorf("limits.auto_reply_window: %w", err)
	}
	lease, err := parseSpan(cfg.Outbox.Lease)
	if err != nil {
		return fmt.Errorf("outbox.lease: %w", err)
	}
	host, _ := os.Hostname() // an empty host name still gives a unique owner below
	s.worker = mailer.WorkerConfig{
		Owner:           fmt.Sprintf("%s/%d", host, os.Getpid()),
		Lease:           lease,
		BaseBackoff:     base,
		MaxBackoff:      maxBackoff,
		MaxAttempts:     cfg.Outbox.MaxAttempts,
		CapPerRecipient: cfg.Limits.AutoReplyCap,
		CapWindow:       window,
	}
	return nil
}

func (s *settings) buildSchedules(cfg *Config) error {
	var err error
	if s.tick, err = parseSpan(cfg.SLA.SchedulerInterval); err != nil {
		return fmt.Errorf("sla.scheduler_interval: %w", err)
	}
	if s.keep, err = parseSpan(cfg.Retention.KeepClosed); err != nil {
		return fmt.Errorf("retention.keep_closed: %w", err)
	}
	return nil
}

// authMode maps the configuration's auth names to the watcher's.
func authMode(auth string) string {
	if auth == "password" {
		return "plain"
	}
	return auth
}

// tokenSource returns a function that reads an OAuth access token from a
// file (re-read every time, so an external refresher can rotate it) or
// from a command's standard output; nil when neither is set.
func tokenSource(file, command string) func(context.Context) (string, error) {
	switch {
	case file != "":
		return func(context.Context) (string, error) {
			data, err := os.ReadFile(file)
			if err != nil {
				return "", fmt.Errorf("read oauth token file: %w", err)
			}
			return strings.TrimSpace(string(data)), nil
		}
	case command != "":
		return func(ctx context.Context) (string, error) {
			out, err := exec.CommandContext(ctx, "/bin/sh", "-c", command).Output()
			if err != nil {
				return "", fmt.Errorf("run oauth token command: %w", err)
			}
			return strings.TrimSpace(string(out)), nil
		}
	}
	return nil
}

// addressDomain returns the part of an address after '@'.
func addressDomain(address string) string {
	_, domain, _ := strings.Cut(address, "@")
	return domain
}

// parseHours reads "08:00-16:00" into offsets from midnight.
func parseHours(s string) (start, end time.Duration, err error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return 0, 0, fmt.Errorf("invalid working hours %q", s)
	}
	if start, err = parseClock(from); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(to); err != nil {
		return 0, 0, err
	}
	if end <= start {
		return 0, 0, fmt.Errorf("working hours %q end before they start", s)
	}
	return start, end, nil
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.ReplaceAll(s, ".", ":"))
	if err != nil {
		return 0, fmt.Errorf("invalid time of day %q", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
