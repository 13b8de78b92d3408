package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow/calendar"
	"github.com/keluhan/keluhan/workflow/triage"
)

// Problem is one finding of the configuration check: the key it concerns,
// what is wrong and how to fix it, already in the configured language.
type Problem struct {
	Key     string
	Message string
	Fix     string
	// Warning problems let keluhan run; errors stop it.
	Warning bool
}

// checker collects problems in one language.
type checker struct {
	p        printer
	problems []Problem
}

func (c *checker) fail(key string, msg text, fix text, args ...any) {
	c.add(key, false, msg, fix, args...)
}

func (c *checker) warn(key string, msg text, fix text, args ...any) {
	c.add(key, true, msg, fix, args...)
}

// add formats msg with the value arguments and fix with the arguments
// that follow the ones msg uses.
func (c *checker) add(key string, warning bool, msg, fix text, args ...any) {
	n := strings.Count(c.p.t(msg), "%") - 2*strings.Count(c.p.t(msg), "%%")
	if n > len(args) {
		n = len(args)
	}
	c.problems = append(c.problems, Problem{
		Key: key, Warning: warning,
		Message: c.p.t(msg, args[:n]...),
		Fix:     c.p.t(fix, args[n:]...),
	})
}

// CheckConfig returns every problem of a configuration. forServe adds
// what only the daemon needs (IMAP, SMTP, roles).
func CheckConfig(cfg *Config, forServe bool) []Problem {
	c := &checker{p: printer{lang: cfg.Language}}
	c.checkGeneral(cfg)
	c.checkHelpdesk(cfg)
	if forServe {
		c.checkIMAP(cfg)
		c.checkSMTP(cfg)
		c.checkRoles(cfg)
	}
	c.checkMongo(cfg)
	c.checkProcedure(cfg)
	c.checkSLA(cfg)
	c.checkLimits(cfg)
	c.checkWarnings(cfg)
	return c.problems
}

// checkWarnings reports what loading noticed: a secret set twice, or
// written in the file.
func (c *checker) checkWarnings(cfg *Config) {
	for _, w := range cfg.warnings {
		switch w.kind {
		case "both":
			c.warn(w.name, msgSecretTwice, msgFixSecretTwice, w.name, w.name)
		case "in_file":
			c.warn(w.key, msgSecretInFile, msgFixSecretInFile, w.name, w.name)
		}
	}
}

var prefixPattern = regexp.MustCompile(`^[A-Z]{2,8}$`)

func (c *checker) checkGeneral(cfg *Config) {
	c.choice("language", cfg.Language, "id", "en")
	if _, err := time.LoadLocation(cfg.TimeZone); err != nil {
		c.fail("time_zone", msgInvalidZone, msgFixZone, cfg.TimeZone)
	}
	if !prefixPattern.MatchString(cfg.TicketPrefix) {
		c.fail("ticket_prefix", msgInvalidPrefix, msgFixPrefix, cfg.TicketPrefix)
	}
	c.choice("log.level", cfg.Log.Level, "debug", "info", "warn", "error")
	c.choice("log.format", cfg.Log.Format, "auto", "json", "text")
	if addr := cfg.HTTP.Address(); addr != "" {
		c.hostPort("http.listen", addr)
	}
	if cfg.Triage.RulesFile != "" {
		if _, err := triage.Load(cfg.Triage.RulesFile); err != nil {
			c.fail("triage.rules_file", msgUnreadable, msgFixUnreadable, err)
		}
	}
}

func (c *checker) checkHelpdesk(cfg *Config) {
	c.address("helpdesk.address", cfg.Helpdesk.Address, true)
	if cfg.Helpdesk.Name == "" {
		c.fail("helpdesk.name", msgRequired, msgFixRequired, "helpdesk.name")
	}
	c.span("helpdesk.token_ttl", cfg.Helpdesk.TokenTTL)
	if *cfg.Helpdesk.ReplyTokens && len(cfg.Helpdesk.TokenSecret.Reveal()) < 16 {
		c.fail("helpdesk.token_secret", msgNoSecret, msgFixSecret)
	}
}

func (c *checker) checkIMAP(cfg *Config) {
	m := cfg.IMAP
	c.hostPort("imap.address", m.Address)
	c.choice("imap.tls", m.TLS, "implicit", "starttls", "none")
	c.choice("imap.auth", m.Auth, "", "password", "xoauth2", "oauthbearer")
	if m.Username == "" {
		c.fail("imap.username", msgRequired, msgFixRequired, "imap.username")
	}
	c.credentials("imap", m.Auth, m.Password, m.OAuthTokenFile, m.OAuthTokenCmd, "KELUHAN_IMAP_PASSWORD")
	c.transport("imap", m.Address, m.TLS, m.Insecure)
	c.span("imap.poll_interval", m.PollInterval)
	if m.BatchSize < 1 || m.BatchSize > 500 {
		c.fail("imap.batch_size", msgRange, msgFixRange, m.BatchSize, "1-500", "1-500")
	}
}

func (c *checker) checkSMTP(cfg *Config) {
	m := cfg.SMTP
	c.hostPort("smtp.address", m.Address)
	c.choice("smtp.tls", m.TLS, "implicit", "starttls", "none")
	c.choice("smtp.auth", m.Auth, "", "none", "plain", "login", "xoauth2", "oauthbearer")
	if m.Auth != "none" && (m.Username != "" || m.Auth != "") {
		c.credentials("smtp", m.Auth, m.Password, m.OAuthTokenFile, m.OAuthTokenCmd, "KELUHAN_SMTP_PASSWORD")
	}
	c.transport("smtp", m.Address, m.TLS, m.Insecure)
}

func (c *checker) checkMongo(cfg *Config) {
	uri := cfg.MongoDB.URI.Reveal()
	if uri != "" && !strings.HasPrefix(uri, "mongodb://") && !strings.HasPrefix(uri, "mongodb+srv://") {
		c.fail("mongodb.uri", msgInvalidURI, msgFixURI)
		return
	}
	if uri != "" {
		if _, err := connstring.ParseAndValidate(uri); err != nil {
			// The driver's message may quote the URI and its password,
			// so only the fact is shown.
			c.fail("mongodb.uri", msgInvalidURI, msgFixURI)
			return
		}
	}
	if uri != "" && strings.Contains(uri, "://") {
		c.mongoTransport(uri, cfg.MongoDB.Insecure)
	}
	if cfg.MongoDB.Insecure {
		c.warn("mongodb.insecure", msgInsecure, msgFixInsecure)
	}
	if uri == "" {
		c.checkDataDir(cfg.DataDir)
	}
}

// checkDataDir checks the folder of the embedded store: FerretDB cannot
// use a path with "%", "?" or "#", and a long path gets no socket.
func (c *checker) checkDataDir(dir string) {
	if strings.ContainsAny(dir, "%?#") {
		c.fail("data_dir", msgDataDirChars, msgFixDataDirChars, dir)
		return
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	if n := len(abs); n > store.MaxDataDirSocket {
		c.warn("data_dir", msgDataDirLong, msgFixDataDirLong, abs, n, store.MaxDataDirSocket)
	}
}

func (c *checker) checkRoles(cfg *Config) {
	seen := map[string]string{}
	groups := []struct {
		key    string
		people []Person
	}{
		{"roles.service_desk", cfg.Roles.ServiceDesk},
		{"roles.complaint_managers", cfg.Roles.ComplaintManagers},
		{"roles.supervisors", cfg.Roles.Supervisors},
	}
	for _, g := range groups {
		if len(g.people) == 0 {
			c.fail(g.key, msgNobodyInRole, msgFixRole, g.key)
		}
		for i, p := range g.people {
			c.person(fmt.Sprintf("%s[%d]", g.key, i), p, cfg, seen)
		}
	}
	if cfg.Roles.IncidentManagement.Address == "" {
		c.fail("roles.incident_management.address", msgRequired, msgFixRequired, "roles.incident_management.address")
		return
	}
	c.person("roles.incident_management", cfg.Roles.IncidentManagement, cfg, seen)
}

func (c *checker) person(key string, p Person, cfg *Config, seen map[string]string) {
	if !c.address(key+".address", p.Address, true) {
		return
	}
	email := strings.ToLower(p.Address)
	if sameMailbox(email, strings.ToLower(cfg.Helpdesk.Address)) {
		c.fail(key+".address", msgIsHelpdesk, msgFixIsHelpdesk, p.Address)
	}
	if _, dup := seen[email]; dup {
		c.fail(key+".address", msgDuplicatePerson, msgFixDuplicate, p.Address)
	}
	seen[email] = key
	if p.Language != "" {
		c.choice(key+".language", p.Language, "id", "en")
	}
}

func (c *checker) checkProcedure(cfg *Config) {
	c.span("procedure.reopen_window", cfg.Procedure.ReopenWindow)
	c.choice("procedure.root_cause", cfg.Procedure.RootCause, "warn", "require", "off")
	c.span("similar.window", cfg.Similar.Window)
	if cfg.Similar.MinScore <= 0 || cfg.Similar.MinScore > 1 {
		c.fail("similar.min_score", msgRange, msgFixRange, cfg.Similar.MinScore, "0-1", "0-1")
	}
	if len(cfg.Trust.AuthServIDs) == 0 {
		c.warn("trust.authserv_ids", msgNoTrust, msgFixTrust)
	}
	c.span("retention.keep_closed", cfg.Retention.KeepClosed)
}

func (c *checker) checkSLA(cfg *Config) {
	s := cfg.SLA
	for i, d := range s.WorkingDays {
		if _, ok := weekdays[strings.ToLower(d)]; !ok {
			c.fail(fmt.Sprintf("sla.working_days[%d]", i), msgInvalidDay, msgFixDay, d)
		}
	}
	if _, _, err := parseHours(s.WorkingHours); err != nil {
		c.fail("sla.working_hours", msgInvalidHours, msgFixHours, s.WorkingHours)
	}
	if s.HolidaysFile != "" {
		if _, err := calendar.LoadHolidays(s.HolidaysFile); err != nil {
			c.fail("sla.holidays_file", msgUnreadable, msgFixUnreadable, err)
		}
	}
	for step, d := range s.Standards {
		if _, ok := stepNames[step]; !ok {
			c.fail("sla.standards."+step, msgInvalidChoice, msgFixChoice, step, "verification, first_follow_up, closure, handoff_ack")
			continue
		}
		if _, err := calendar.ParseDuration(d); err != nil {
			c.fail("sla.standards."+step, msgInvalidWorkDur, msgFixWorkDur, d)
		}
	}
	if s.WarnAt <= 0 || s.WarnAt >= 1 {
		c.fail("sla.warn_at", msgRange, msgFixRange, s.WarnAt, "0-1", "0-1")
	}
	if _, err := calendar.ParseDuration(s.ReminderEvery); err != nil {
		c.fail("sla.reminder_every", msgInvalidWorkDur, msgFixWorkDur, s.ReminderEvery)
	}
	c.span("sla.scheduler_interval", s.SchedulerInterval)
}

func (c *checker) checkLimits(cfg *Config) {
	if _, err := parseSize(cfg.Limits.MaxMessageBytes); err != nil {
		c.fail("limits.max_message_bytes", msgInvalidSize, msgFixSize, cfg.Limits.MaxMessageBytes)
	}
	c.span("limits.auto_reply_window", cfg.Limits.AutoReplyWindow)
	c.span("outbox.base_backoff", cfg.Outbox.BaseBackoff)
	c.span("outbox.max_backoff", cfg.Outbox.MaxBackoff)
	c.span("outbox.lease", cfg.Outbox.Lease)
}

func (c *checker) choice(key, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	shown := strings.Join(nonEmpty(allowed), ", ")
	c.fail(key, msgInvalidChoice, msgFixChoice, value, shown)
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) address(key, value string, required bool) bool {
	if value == "" {
		if required {
			c.fail(key, msgRequired, msgFixRequired, key)
		}
		return false
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || !strings.Contains(value, "@") {
		c.fail(key, msgInvalidAddress, msgFixAddress, value)
		return false
	}
	return true
}

func (c *checker) hostPort(key, value string) {
	if value == "" {
		c.fail(key, msgRequired, msgFixRequired, key)
		return
	}
	if _, port, err := net.SplitHostPort(value); err != nil || port == "" {
		c.fail(key, msgInvalidHostPort, msgFixHostPort, value)
	}
}

func (c *checker) span(key, value string) {
	if _, err := parseSpan(value); err != nil {
		c.fail(key, msgInvalidDuration, msgFixDuration, value)
	}
}

// credentials checks that a login has what its mechanism needs, without
// ever printing the secret.
func (c *checker) credentials(section, auth string, password Secret, tokenFile, tokenCmd, env string) {
	switch auth {
	case "xoauth2", "oauthbearer":
		if tokenFile == "" && tokenCmd == "" {
			c.fail(section+".oauth_token_file", msgNoToken, msgFixToken, section, section)
		}
	default:
		if password.Reveal() == "" {
			c.fail(section+".password", msgNoPassword, msgFixPassword, env, env)
		}
	}
}

// transport checks that a connection to another machine is encrypted
// and verified. Plain text needs insecure: true and verification off is
// allowed only with it; both still warn. Loopback servers need neither.
func (c *checker) transport(section, address, mode string, insecure bool) {
	if isLoopback(address) {
		return
	}
	if mode == "none" && !insecure {
		c.fail(section+".tls", msgPlainText, msgFixPlainTextInsecure, section)
		return
	}
	if mode == "none" {
		c.warn(section+".tls", msgPlainText, msgFixPlainText)
	}
	if insecure {
		c.warn(section+".insecure", msgInsecure, msgFixInsecure)
	}
}

// mongoTransport applies the same rule to a MongoDB URI that turns TLS
// off.
func (c *checker) mongoTransport(uri string, insecure bool) {
	lower := strings.ToLower(uri)
	plain := strings.Contains(lower, "tls=false") || strings.Contains(lower, "ssl=false")
	if !plain || mongoHostsLoopback(uri) {
		return
	}
	if !insecure {
		c.fail("mongodb.uri", msgPlainText, msgFixPlainTextInsecure, "mongodb")
		return
	}
	c.warn("mongodb.uri", msgPlainText, msgFixPlainText)
}

// mongoHostsLoopback reports whether every host of a mongodb:// URI is
// this machine.
func mongoHostsLoopback(uri string) bool {
	rest := uri[strings.Index(uri, "://")+3:]
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	hosts := strings.SplitN(rest, "/", 2)[0]
	hosts = strings.SplitN(hosts, "?", 2)[0]
	for _, h := range strings.Split(hosts, ",") {
		if !isLoopback(h) {
			return false
		}
	}
	return true
}

// isLoopback reports whether host:port names this machine.
func isLoopback(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadProblem turns an error of LoadConfig into a problem to print, or
// returns false for an error that is not about the file's content.
func loadProblem(p printer, err error) (Problem, bool) {
	var syn *SyntaxError
	if errors.As(err, &syn) {
		return Problem{
			Key:     p.t(msgLineColumn, syn.Line, syn.Column),
			Message: p.t(msgSyntax, syn.Detail),
			Fix:     p.t(msgFixSyntax),
		}, true
	}
	var sf *SecretFileError
	if errors.As(err, &sf) {
		return Problem{
			Key:     sf.Variable,
			Message: p.t(msgSecretFile, sf.Path, sf.Err),
			Fix:     p.t(msgFixSecretFile, sf.Variable),
		}, true
	}
	return Problem{}, false
}

// printProblems writes the check's findings and returns the number of
// errors.
func printProblems(w io.Writer, p printer, path string, problems []Problem) int {
	errs, warns := 0, 0
	for _, pr := range problems {
		if pr.Warning {
			warns++
		} else {
			errs++
		}
	}
	if len(problems) == 0 {
		fmt.Fprintln(w, p.t(msgCheckOK, path))
		return 0
	}
	fmt.Fprintln(w, p.t(msgCheckProblems, path, errs, warns))
	for _, pr := range problems {
		sev := p.t(msgSeverityError)
		if pr.Warning {
			sev = p.t(msgSeverityWarn)
		}
		fmt.Fprintf(w, "- [%s] %s: %s\n  %s: %s\n", sev, pr.Key, pr.Message, p.t(msgFix), pr.Fix)
	}
	return errs
}

// sameMailbox reports whether two addresses reach one mailbox once a
// "+detail" is dropped, as sub-addressing delivers them.
func sameMailbox(a, b string) bool {
	strip := func(s string) string {
		local, domain, _ := strings.Cut(s, "@")
		local, _, _ = strings.Cut(local, "+")
		return local + "@" + domain
	}
	return strip(a) == strip(b)
}
