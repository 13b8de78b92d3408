package ingest

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"strings"
	"time"
)

// TLS modes for IMAPConfig.TLS.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// Login methods for IMAPConfig.Auth.
const (
	AuthPlain       = "plain"
	AuthXOAUTH2     = "xoauth2"
	AuthOAuthBearer = "oauthbearer"
)

// maxIdleRestart is the longest IDLE may run before it is restarted,
// because RFC 2177 lets a server drop a client after 30 minutes of
// inactivity.
const maxIdleRestart = 29 * time.Minute

// ErrInvalidConfig is wrapped by every error NewWatcher returns for an
// IMAPConfig value that cannot work.
var ErrInvalidConfig = errors.New("invalid imap config")

// IMAPConfig is the server, login and mailbox settings of a Watcher.
// NewWatcher fills the zero fields with the defaults named on each field.
type IMAPConfig struct {
	// Addr is the server as host:port.
	Addr string
	// TLS is "implicit" (the default), "starttls" or "none".
	TLS string
	// Username logs in with Password, or with a token for the OAuth
	// methods.
	Username, Password string
	// Auth is "plain" (the default: LOGIN, or AUTHENTICATE PLAIN when
	// the server disables LOGIN), "xoauth2" or "oauthbearer".
	Auth string
	// TokenSource returns a fresh OAuth access token. It is called once
	// per connection and is required for xoauth2 and oauthbearer.
	TokenSource func(ctx context.Context) (string, error)
	// CAFile is a PEM bundle that replaces the system roots when set.
	CAFile string
	// Insecure turns certificate verification off.
	Insecure bool

	// Mailbox is the folder watched, "INBOX" by default.
	Mailbox string
	// ProcessedFlag is the keyword set on processed messages when
	// ProcessedFolder is empty, "$KeluhanProcessed" by default.
	ProcessedFlag string
	// ProcessedFolder, when set, receives processed messages instead of
	// flagging them. It is created when missing.
	ProcessedFolder string
	// QuarantineFolder receives messages the handler quarantines,
	// "Quarantine" by default. It is created when missing.
	QuarantineFolder string

	// BatchSize is the number of messages per UID FETCH, 50 by default.
	BatchSize int
	// MaxFetchBytes is the RFC822.SIZE above which only the header is
	// fetched, 64 MiB by default and at most 4 GiB - 1 because IMAP sizes
	// are 32-bit numbers.
	MaxFetchBytes int64

	// PollInterval is the time between scans when the server does not
	// offer IDLE, 30s by default.
	PollInterval time.Duration
	// RescanInterval is the time between full scans while IDLE is in use,
	// a safety net for notifications that never came. It is 5m by default.
	RescanInterval time.Duration
	// IdleRestart is how long one IDLE command runs before it is
	// restarted, 25m by default and below 29m.
	IdleRestart time.Duration
	// MinBackoff and MaxBackoff bound the wait before a reconnect, 1s and
	// 2m by default.
	MinBackoff, MaxBackoff time.Duration
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg IMAPConfig) withDefaults() IMAPConfig {
	cfg.TLS = cmp.Or(strings.ToLower(cfg.TLS), TLSImplicit)
	cfg.Auth = cmp.Or(strings.ToLower(cfg.Auth), AuthPlain)
	cfg.Mailbox = cmp.Or(cfg.Mailbox, "INBOX")
	cfg.ProcessedFlag = cmp.Or(cfg.ProcessedFlag, "$KeluhanProcessed")
	cfg.QuarantineFolder = cmp.Or(cfg.QuarantineFolder, "Quarantine")
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 50)
	cfg.MaxFetchBytes = cmp.Or(cfg.MaxFetchBytes, 64<<20)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 30*time.Second)
	cfg.RescanInterval = cmp.Or(cfg.RescanInterval, 5*time.Minute)
	cfg.IdleRestart = cmp.Or(cfg.IdleRestart, 25*time.Minute)
	cfg.MinBackoff = cmp.Or(cfg.MinBackoff, time.Second)
	cfg.MaxBackoff = cmp.Or(cfg.MaxBackoff, 2*time.Minute)
	return cfg
}

// validate returns every problem with cfg joined, each wrapping
// ErrInvalidConfig, or nil. It expects the defaults filled in.
func (cfg IMAPConfig) validate() error {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}

	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		add("address %q must be host:port, for example imap.example.go.id:993", cfg.Addr)
	}
	switch cfg.TLS {
	case TLSImplicit, TLSStartTLS, TLSNone:
	default:
		add("tls %q must be implicit, starttls or none", cfg.TLS)
	}
	problems = append(problems, cfg.authProblems()...)
	problems = append(problems, cfg.folderProblems()...)
	problems = append(problems, cfg.limitProblems()...)

	var errs []error
	for _, p := range problems {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidConfig, p))
	}
	return errors.Join(errs...)
}

func (cfg IMAPConfig) authProblems() []string {
	var problems []string
	if cfg.Username == "" {
		problems = append(problems, "username is missing")
	}
	switch cfg.Auth {
	case AuthPlain:
		if cfg.Password == "" {
			problems = append(problems, "password is missing")
		}
	case AuthXOAUTH2, AuthOAuthBearer:
		if cfg.TokenSource == nil {
			problems = append(problems, fmt.Sprintf("auth %s needs an OAuth token source", cfg.Auth))
		}
	default:
		problems = append(problems, fmt.Sprintf("auth %q must be plain, xoauth2 or oauthbearer", cfg.Auth))
	}
	return problems
}

func (cfg IMAPConfig) folderProblems() []string {
	var problems []string
	for _, f := range []struct{ key, name string }{
		{"mailbox", cfg.Mailbox},
		{"processed_folder", cfg.ProcessedFolder},
		{"quarantine_folder", cfg.QuarantineFolder},
	} {
		if strings.ContainsAny(f.name, "*%\r\n") {
			problems = append(problems, fmt.Sprintf("%s %q must not contain *, %% or a line break", f.key, f.name))
		}
	}
	if strings.EqualFold(cfg.QuarantineFolder, cfg.Mailbox) {
		problems = append(problems, fmt.Sprintf("quarantine_folder %q must differ from mailbox", cfg.QuarantineFolder))
	}
	if strings.EqualFold(cfg.ProcessedFolder, cfg.Mailbox) {
		problems = append(problems, fmt.Sprintf("processed_folder %q must differ from mailbox", cfg.ProcessedFolder))
	}
	if cfg.ProcessedFolder != "" && strings.EqualFold(cfg.ProcessedFolder, cfg.QuarantineFolder) {
		problems = append(problems, fmt.Sprintf("processed_folder %q must differ from quarantine_folder", cfg.ProcessedFolder))
	}
	if !isKeyword(cfg.ProcessedFlag) {
		problems = append(problems, fmt.Sprintf("processed_flag %q must be an IMAP keyword: printable ASCII without spaces, ()[]{}%%*\"\\ and not starting with \\", cfg.ProcessedFlag))
	}
	return problems
}

func (cfg IMAPConfig) limitProblems() []string {
	var problems []string
	if cfg.BatchSize < 1 {
		problems = append(problems, fmt.Sprintf("batch_size %d must be at least 1", cfg.BatchSize))
	}
	if cfg.MaxFetchBytes < 1 || cfg.MaxFetchBytes > math.MaxUint32 {
		problems = append(problems, fmt.Sprintf("max_fetch_bytes %d must be between 1 and %d", cfg.MaxFetchBytes, uint32(math.MaxUint32)))
	}
	for _, d := range []struct {
		key string
		val time.Duration
	}{
		{"poll_interval", cfg.PollInterval},
		{"rescan_interval", cfg.RescanInterval},
		{"idle_restart", cfg.IdleRestart},
		{"min_backoff", cfg.MinBackoff},
		{"max_backoff", cfg.MaxBackoff},
	} {
		if d.val < 0 {
			problems = append(problems, fmt.Sprintf("%s %s must be positive", d.key, d.val))
		}
	}
	if cfg.IdleRestart >= maxIdleRestart {
		problems = append(problems, fmt.Sprintf("idle_restart %s must be under %s, because servers may drop a client idle for 30 minutes", cfg.IdleRestart, maxIdleRestart))
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		problems = append(problems, fmt.Sprintf("max_backoff %s must not be below min_backoff %s", cfg.MaxBackoff, cfg.MinBackoff))
	}
	return problems
}

// isKeyword reports whether s is a flag-keyword (RFC 3501 section 9:
// an atom) that a client may set.
func isKeyword(s string) bool {
	if s == "" || s[0] == '\\' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`(){%*"\]`, b) >= 0 {
			return false
		}
	}
	return true
}

// tlsConfig returns the client TLS configuration for cfg, or nil for
// TLS "none".
func (cfg IMAPConfig) tlsConfig() (*tls.Config, error) {
	if cfg.TLS == TLSNone {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %w", ErrInvalidConfig, cfg.Addr, err)
	}
	conf := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.Insecure,
	}
	if cfg.CAFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%w: ca_file: %w", ErrInvalidConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: ca_file %q contains no PEM certificate", ErrInvalidConfig, cfg.CAFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// isLoopbackHost reports whether the host of addr is a loopback address
// or "localhost".
func isLoopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
