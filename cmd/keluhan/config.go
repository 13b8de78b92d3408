package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"
)

// Config is the whole configuration file. keluhan.example.yaml documents
// every key; secrets may also come from KELUHAN_* environment variables
// or the files named by their _FILE variants.
type Config struct {
	Language     string `yaml:"language"`
	TimeZone     string `yaml:"time_zone"`
	DataDir      string `yaml:"data_dir"`
	TicketPrefix string `yaml:"ticket_prefix"`

	Helpdesk  HelpdeskConfig  `yaml:"helpdesk"`
	IMAP      IMAPConfig      `yaml:"imap"`
	SMTP      SMTPConfig      `yaml:"smtp"`
	MongoDB   MongoConfig     `yaml:"mongodb"`
	Roles     RolesConfig     `yaml:"roles"`
	Triage    TriageConfig    `yaml:"triage"`
	Procedure ProcedureConfig `yaml:"procedure"`
	SLA       SLAConfig       `yaml:"sla"`
	Similar   SimilarConfig   `yaml:"similar"`
	Trust     TrustConfig     `yaml:"trust"`
	Privacy   PrivacyConfig   `yaml:"privacy"`
	Limits    LimitsConfig    `yaml:"limits"`
	Outbox    OutboxConfig    `yaml:"outbox"`
	Templates TemplatesConfig `yaml:"templates"`
	HTTP      HTTPConfig      `yaml:"http"`
	Reports   ReportsConfig   `yaml:"reports"`
	Retention RetentionConfig `yaml:"retention"`
	Log       LogConfig       `yaml:"log"`

	// warnings are found while loading: secrets set twice, or written in
	// the file itself. CheckConfig reports them.
	warnings []loadWarning
}

// loadWarning is a finding of LoadConfig that is not an error.
type loadWarning struct {
	key  string
	kind string // "both" or "in_file"
	name string // the environment variable concerned
}

// SyntaxError is a configuration file that cannot be read as keluhan's
// YAML: a typo in a key, a wrong type, broken YAML. It never quotes the
// file's text, which may hold a secret.
type SyntaxError struct {
	Line, Column int
	// Detail is the parser's description, such as `unknown field "pasword"`.
	Detail string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("config line %d column %d: %s", e.Line, e.Column, e.Detail)
}

// SecretFileError is a _FILE variable naming a file that cannot be read.
type SecretFileError struct {
	Variable, Path string
	Err            error
}

func (e *SecretFileError) Error() string {
	return fmt.Sprintf("read %s (%s): %v", e.Variable, e.Path, e.Err)
}

func (e *SecretFileError) Unwrap() error { return e.Err }

// HelpdeskConfig is the desk's own address and reply tokens.
type HelpdeskConfig struct {
	Address        string `yaml:"address"`
	Name           string `yaml:"name"`
	ReplyTokens    *bool  `yaml:"reply_tokens"`
	TokenSecret    Secret `yaml:"token_secret"`
	TokenSecretOld Secret `yaml:"token_secret_old"`
	TokenTTL       string `yaml:"token_ttl"`
}

// IMAPConfig is the mailbox keluhan watches.
type IMAPConfig struct {
	Address          string `yaml:"address"`
	TLS              string `yaml:"tls"`
	Insecure         bool   `yaml:"insecure"`
	CAFile           string `yaml:"ca_file"`
	Username         string `yaml:"username"`
	Password         Secret `yaml:"password"`
	Auth             string `yaml:"auth"`
	OAuthTokenFile   string `yaml:"oauth_token_file"`
	OAuthTokenCmd    string `yaml:"oauth_token_command"`
	Mailbox          string `yaml:"mailbox"`
	ProcessedFlag    string `yaml:"processed_flag"`
	ProcessedFolder  string `yaml:"processed_folder"`
	QuarantineFolder string `yaml:"quarantine_folder"`
	BatchSize        int    `yaml:"batch_size"`
	PollInterval     string `yaml:"poll_interval"`
}

// SMTPConfig is the server keluhan sends through.
type SMTPConfig struct {
	Address        string `yaml:"address"`
	TLS            string `yaml:"tls"`
	Insecure       bool   `yaml:"insecure"`
	CAFile         string `yaml:"ca_file"`
	Username       string `yaml:"username"`
	Password       Secret `yaml:"password"`
	Auth           string `yaml:"auth"`
	OAuthTokenFile string `yaml:"oauth_token_file"`
	OAuthTokenCmd  string `yaml:"oauth_token_command"`
}

// MongoConfig selects the store; an empty URI runs the embedded one.
type MongoConfig struct {
	URI      Secret `yaml:"uri"`
	Database string `yaml:"database"`
	CAFile   string `yaml:"ca_file"`
	Insecure bool   `yaml:"insecure"`
}

// Person is a configured address with a display name.
type Person struct {
	Name     string `yaml:"name"`
	Address  string `yaml:"address"`
	Language string `yaml:"language"`
}

// RolesConfig lists the desk's people.
type RolesConfig struct {
	ServiceDesk        []Person `yaml:"service_desk"`
	ComplaintManagers  []Person `yaml:"complaint_managers"`
	Supervisors        []Person `yaml:"supervisors"`
	IncidentManagement Person   `yaml:"incident_management"`
}

// TriageConfig names a replacement keyword rules file.
type TriageConfig struct {
	RulesFile string `yaml:"rules_file"`
}

// ProcedureConfig holds procedure settings outside the SLA.
type ProcedureConfig struct {
	ReopenWindow string `yaml:"reopen_window"`
	RootCause    string `yaml:"root_cause"`
}

// SLAConfig sets the working-time calendar and the time standards.
type SLAConfig struct {
	WorkingDays       []string          `yaml:"working_days"`
	WorkingHours      string            `yaml:"working_hours"`
	HolidaysFile      string            `yaml:"holidays_file"`
	Standards         map[string]string `yaml:"standards"`
	WarnAt            float64           `yaml:"warn_at"`
	ReminderEvery     string            `yaml:"reminder_every"`
	MaxReminders      *int              `yaml:"max_reminders"`
	SummaryThreshold  int               `yaml:"summary_threshold"`
	SchedulerInterval string            `yaml:"scheduler_interval"`
}

// SimilarConfig tunes similar-complaint detection.
type SimilarConfig struct {
	Window   string  `yaml:"window"`
	MinScore float64 `yaml:"min_score"`
	Max      int     `yaml:"max"`
}

// TrustConfig names the servers whose Authentication-Results count.
type TrustConfig struct {
	AuthServIDs []string `yaml:"authserv_ids"`
}

// PrivacyConfig controls what staff mail reveals.
type PrivacyConfig struct {
	MaskRequester bool `yaml:"mask_requester"`
}

// LimitsConfig bounds inbound and automatic mail.
type LimitsConfig struct {
	MaxMessageBytes     string `yaml:"max_message_bytes"`
	MaxAttachments      int    `yaml:"max_attachments"`
	MaxNewPerSenderHour *int   `yaml:"max_new_per_sender_hour"`
	AutoReplyCap        int    `yaml:"auto_reply_cap"`
	AutoReplyWindow     string `yaml:"auto_reply_window"`
}

// OutboxConfig tunes delivery retries.
type OutboxConfig struct {
	MaxAttempts int `yaml:"max_attempts"`
	// Lease is how long a claimed email stays with one sender before
	// another may take it over, as after a crash.
	Lease       string `yaml:"lease"`
	BaseBackoff string `yaml:"base_backoff"`
	MaxBackoff  string `yaml:"max_backoff"`
}

// TemplatesConfig names a folder of template overrides.
type TemplatesConfig struct {
	Dir string `yaml:"dir"`
}

// HTTPConfig is the operations endpoint (/healthz, /metrics).
type HTTPConfig struct {
	// Listen is host:port; unset means 127.0.0.1:9310, and "" or "off"
	// turns the endpoint off.
	Listen *string `yaml:"listen"`
}

// ReportsConfig schedules the periodic mail to supervisors.
type ReportsConfig struct {
	WeeklyDigest  *bool `yaml:"weekly_digest"`
	MonthlyReport *bool `yaml:"monthly_report"`
	// MonthlyWorkingDay is which working day of the month sends last
	// month's report; 1 is the first.
	MonthlyWorkingDay int `yaml:"monthly_working_day"`
}

// RetentionConfig says how long closed tickets are kept.
type RetentionConfig struct {
	KeepClosed string `yaml:"keep_closed"`
}

// Address returns where the operations endpoint listens, or "" when it
// is off.
func (h HTTPConfig) Address() string {
	if h.Listen == nil || *h.Listen == "off" {
		return ""
	}
	return *h.Listen
}

// LogConfig sets the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Secret is a configuration value that must never be printed. Its
// String method hides it, so that a stray %v cannot leak it.
type Secret string

// String returns a placeholder instead of the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// Reveal returns the value itself.
func (s Secret) Reveal() string { return string(s) }

// secretEnv lists each secret's environment variable.
var secretEnv = []struct {
	name string
	get  func(*Config) *Secret
}{
	{"KELUHAN_IMAP_PASSWORD", func(c *Config) *Secret { return &c.IMAP.Password }},
	{"KELUHAN_SMTP_PASSWORD", func(c *Config) *Secret { return &c.SMTP.Password }},
	{"KELUHAN_MONGODB_URI", func(c *Config) *Secret { return &c.MongoDB.URI }},
	{"KELUHAN_TOKEN_SECRET", func(c *Config) *Secret { return &c.Helpdesk.TokenSecret }},
	{"KELUHAN_TOKEN_SECRET_OLD", func(c *Config) *Secret { return &c.Helpdesk.TokenSecretOld }},
}

// LoadConfig reads a configuration file, applies secrets from the
// environment and fills defaults. A missing path is an error; unknown keys
// are errors that name the key.
func LoadConfig(path string, env func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := ParseConfig(data, env)
	if err != nil {
		return nil, err
	}
	// A relative data_dir is relative to the configuration file, so that
	// a command run from another folder finds the same store.
	if !filepath.IsAbs(cfg.DataDir) {
		if abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), cfg.DataDir)); err == nil {
			cfg.DataDir = abs
		}
	}
	return cfg, nil
}

// ParseConfig parses configuration bytes like LoadConfig.
func ParseConfig(data []byte, env func(string) string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	// An empty file decodes to io.EOF: it means an all-default config.
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(err)
	}
	if uri := c.MongoDB.URI.Reveal(); strings.Contains(uri, "@") {
		c.warnings = append(c.warnings, loadWarning{key: "mongodb.uri", kind: "in_file", name: "KELUHAN_MONGODB_URI"})
	}
	for _, key := range secretsInFile(&c) {
		c.warnings = append(c.warnings, loadWarning{key: key.key, kind: "in_file", name: key.name})
	}
	if err := applySecrets(&c, env); err != nil {
		return nil, err
	}
	c.fillDefaults()
	return &c, nil
}

// syntaxError turns a YAML error into a SyntaxError with its position
// and the parser's message, leaving out the source excerpt.
func syntaxError(err error) error {
	var yerr interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &yerr) {
		se := &SyntaxError{Detail: yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			se.Line, se.Column = tk.Position.Line, tk.Position.Column
		}
		return se
	}
	return &SyntaxError{Detail: "unreadable YAML"}
}

// secretKeys names the configuration keys of the secrets.
var secretKeys = map[string]string{
	"KELUHAN_IMAP_PASSWORD":    "imap.password",
	"KELUHAN_SMTP_PASSWORD":    "smtp.password",
	"KELUHAN_TOKEN_SECRET":     "helpdesk.token_secret",
	"KELUHAN_TOKEN_SECRET_OLD": "helpdesk.token_secret_old",
}

// secretsInFile lists the secrets written in the configuration file
// itself instead of the environment.
func secretsInFile(c *Config) []struct{ key, name string } {
	var out []struct{ key, name string }
	for _, s := range secretEnv {
		key, ok := secretKeys[s.name]
		if ok && s.get(c).Reveal() != "" {
			out = append(out, struct{ key, name string }{key, s.name})
		}
	}
	return out
}

// applySecrets takes each secret from its environment variable, or from
// the file the _FILE variable names; the environment wins over the file
// and both over the configuration file.
func applySecrets(c *Config, env func(string) string) error {
	for _, s := range secretEnv {
		value, path := env(s.name), env(s.name+"_FILE")
		if value != "" && path != "" {
			c.warnings = append(c.warnings, loadWarning{key: s.name, kind: "both", name: s.name})
		}
		if value != "" {
			*s.get(c) = Secret(value)
			continue
		}
		if path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return &SecretFileError{Variable: s.name + "_FILE", Path: path, Err: err}
		}
		*s.get(c) = Secret(strings.TrimRight(string(data), "\r\n"))
	}
	return nil
}

func (c *Config) fillDefaults() {
	setDefault(&c.Language, "id")
	setDefault(&c.TimeZone, "Asia/Jakarta")
	setDefault(&c.DataDir, "./data")
	setDefault(&c.TicketPrefix, "KLH")
	setDefault(&c.Helpdesk.TokenTTL, "180d")
	if c.Helpdesk.ReplyTokens == nil {
		on := true
		c.Helpdesk.ReplyTokens = &on
	}
	setDefault(&c.IMAP.TLS, "implicit")
	setDefault(&c.IMAP.Mailbox, "INBOX")
	setDefault(&c.IMAP.ProcessedFlag, "$KeluhanProcessed")
	setDefault(&c.IMAP.QuarantineFolder, "Quarantine")
	setDefault(&c.IMAP.PollInterval, "30s")
	if c.IMAP.BatchSize == 0 {
		c.IMAP.BatchSize = 50
	}
	setDefault(&c.SMTP.TLS, "starttls")
	setDefault(&c.MongoDB.Database, "keluhan")
	setDefault(&c.Procedure.ReopenWindow, "14d")
	setDefault(&c.Procedure.RootCause, "warn")
	c.SLA.fillDefaults()
	setDefault(&c.Similar.Window, "90d")
	if c.Similar.MinScore == 0 {
		c.Similar.MinScore = 0.3
	}
	if c.Similar.Max == 0 {
		c.Similar.Max = 5
	}
	c.Limits.fillDefaults()
	if c.Outbox.MaxAttempts == 0 {
		c.Outbox.MaxAttempts = 12
	}
	setDefault(&c.Outbox.BaseBackoff, "30s")
	setDefault(&c.Outbox.MaxBackoff, "1h")
	setDefault(&c.Outbox.Lease, "2m")
	if c.HTTP.Listen == nil {
		listen := "127.0.0.1:9310"
		c.HTTP.Listen = &listen
	}
	c.Reports.fillDefaults()
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "auto")
}

func (s *SLAConfig) fillDefaults() {
	if len(s.WorkingDays) == 0 {
		s.WorkingDays = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	setDefault(&s.WorkingHours, "08:00-16:00")
	if s.Standards == nil {
		s.Standards = map[string]string{}
	}
	for step, d := range map[string]string{"verification": "1d", "first_follow_up": "5d", "closure": "14d", "handoff_ack": "1d"} {
		if s.Standards[step] == "" {
			s.Standards[step] = d
		}
	}
	if s.WarnAt == 0 {
		s.WarnAt = 0.75
	}
	setDefault(&s.ReminderEvery, "1d")
	if s.MaxReminders == nil {
		three := 3
		s.MaxReminders = &three
	}
	if s.SummaryThreshold == 0 {
		s.SummaryThreshold = 5
	}
	setDefault(&s.SchedulerInterval, "1m")
}

func (l *LimitsConfig) fillDefaults() {
	setDefault(&l.MaxMessageBytes, "25MB")
	if l.MaxAttachments == 0 {
		l.MaxAttachments = 20
	}
	if l.MaxNewPerSenderHour == nil {
		twenty := 20
		l.MaxNewPerSenderHour = &twenty
	}
	if l.AutoReplyCap == 0 {
		l.AutoReplyCap = 10
	}
	setDefault(&l.AutoReplyWindow, "24h")
}

func (r *ReportsConfig) fillDefaults() {
	on := true
	if r.WeeklyDigest == nil {
		r.WeeklyDigest = &on
	}
	if r.MonthlyReport == nil {
		r.MonthlyReport = &on
	}
	if r.MonthlyWorkingDay == 0 {
		r.MonthlyWorkingDay = 1
	}
}

func setDefault(field *string, value string) {
	if strings.TrimSpace(*field) == "" {
		*field = value
	}
}

// parseSpan reads a calendar duration: Go's forms ("30s", "24h") plus
// days ("14d"). An empty string is zero.
func parseSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d, nil
}

// parseSize reads a byte size such as "25MB", "512KB" or "1048576".
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("invalid size %q", s)
			}
			return n * u.mult, nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n, nil
}
