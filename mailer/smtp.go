package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/keluhan/keluhan/workflow"
)

// TLS modes of SMTPConfig.TLS.
const (
	// TLSImplicit opens TLS before SMTP starts, usually on port 465.
	TLSImplicit = "implicit"
	// TLSStartTLS upgrades a plain connection with STARTTLS and fails when
	// the server does not offer it; usually port 587.
	TLSStartTLS = "starttls"
	// TLSNone sends without encryption, for a relay on the same host or a
	// test server; usually port 25.
	TLSNone = "none"
)

// Authentication mechanisms of SMTPConfig.Auth.
const (
	AuthNone        = ""
	AuthPlain       = "plain"
	AuthLogin       = "login"
	AuthXOAuth2     = "xoauth2"
	AuthOAuthBearer = "oauthbearer"
)

// maxIdle is how long an unused connection is kept. RFC 5321 section
// 4.5.3.2.7 recommends that servers wait at least 5 minutes for the next
// command, but some close sooner, and reusing a closed connection costs a
// failed NOOP and a new dial.
const maxIdle = time.Minute

// SMTPConfig configures the connection to the submission server.
type SMTPConfig struct {
	Host string
	// Port defaults to 465 for TLSImplicit, 587 for TLSStartTLS and 25
	// for TLSNone.
	Port int
	// TLS is TLSImplicit, TLSStartTLS or TLSNone; empty means
	// TLSStartTLS.
	TLS                string
	Username, Password string
	// Auth is AuthNone, AuthPlain, AuthLogin, AuthXOAuth2 or
	// AuthOAuthBearer.
	Auth string
	// TokenSource returns the OAuth 2.0 access token for AuthXOAuth2 and
	// AuthOAuthBearer. It is called before every new connection.
	TokenSource func(ctx context.Context) (string, error)
	// CAFile is a PEM file of certificate authorities that replaces the
	// system roots when set.
	CAFile string
	// Insecure skips certificate verification.
	Insecure bool
	// HeloName is the name sent in EHLO; empty means the host name.
	HeloName string
	// Timeout bounds the dial and each SMTP command; zero means 30
	// seconds.
	Timeout time.Duration
}

// Attachment is a file to attach to an outgoing email. Open is called
// each time the message is written, and the returned reader is closed
// after it has been copied.
type Attachment struct {
	Filename    string
	ContentType string
	Open        func() (io.ReadCloser, error)
}

// SMTPSender delivers outgoing email over one SMTP connection, kept open
// across sends and dialled again after an error or after it was idle for
// a minute. It is safe for concurrent use; sends are serialised.
type SMTPSender struct {
	cfg    SMTPConfig
	log    *slog.Logger
	client *gomail.Client

	mu       sync.Mutex
	conn     *smtp.Client // nil while not connected
	lastUsed time.Time
}

// NewSMTPSender checks cfg and prepares the client; it does not connect.
// A nil log discards log output.
func NewSMTPSender(cfg SMTPConfig, log *slog.Logger) (*SMTPSender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}

	opts, err := cfg.clientOptions()
	if err != nil {
		return nil, err
	}

	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}

	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("smtp_server", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	warnTransport(cfg, log)
	return &SMTPSender{cfg: cfg, log: log, client: client}, nil
}

// warnTransport logs once, at start, a connection to another machine
// that is not encrypted or not verified.
func warnTransport(cfg SMTPConfig, log *slog.Logger) {
	if ip := net.ParseIP(cfg.Host); cfg.Host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	if cfg.TLS == TLSNone {
		log.Warn("smtp connection is not encrypted, so credentials and mail cross the network in clear text")
	}
	if cfg.Insecure && cfg.TLS != TLSNone {
		log.Warn("smtp certificate verification is off")
	}
}

func (cfg SMTPConfig) withDefaults() (SMTPConfig, error) {
	if cfg.Host == "" {
		return cfg, fmt.Errorf("smtp host: missing")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}

	defaultPorts := map[string]int{TLSImplicit: 465, TLSStartTLS: 587, TLSNone: 25}
	port, ok := defaultPorts[cfg.TLS]
	if !ok {
		return cfg, fmt.Errorf("smtp tls %q: invalid, want %s, %s or %s", cfg.TLS, TLSImplicit, TLSStartTLS, TLSNone)
	}
	if cfg.Port == 0 {
		cfg.Port = port
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, fmt.Errorf("smtp port %d: out of range", cfg.Port)
	}

	return cfg, cfg.validateAuth()
}

func (cfg SMTPConfig) validateAuth() error {
	switch cfg.Auth {
	case AuthNone:
		return nil
	case AuthPlain, AuthLogin:
		if cfg.Username == "" {
			return fmt.Errorf("smtp auth %s: missing username", cfg.Auth)
		}
	case AuthXOAuth2, AuthOAuthBearer:
		if cfg.Username == "" || cfg.TokenSource == nil {
			return fmt.Errorf("smtp auth %s: missing username or token source", cfg.Auth)
		}
	default:
		return fmt.Errorf("smtp auth %q: invalid, want plain, login, xoauth2 or oauthbearer", cfg.Auth)
	}

	if cfg.TLS == TLSNone && !isLoopback(cfg.Host) {
		return fmt.Errorf("smtp auth %s: needs tls %s or %s to send credentials to %s", cfg.Auth, TLSImplicit, TLSStartTLS, cfg.Host)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientOptions translates cfg into go-mail options. OAuth mechanisms
// are set per connection in authenticate, because the token changes.
func (cfg SMTPConfig) clientOptions() ([]gomail.Option, error) {
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}

	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.HeloName != "" {
		opts = append(opts, gomail.WithHELO(cfg.HeloName))
	}

	switch cfg.Auth {
	case AuthPlain:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
	case AuthLogin:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin))
	}
	if cfg.Auth == AuthPlain || cfg.Auth == AuthLogin {
		opts = append(opts, gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	return opts, nil
}

func (cfg SMTPConfig) tlsConfig() (*tls.Config, error) {
	conf := &tls.Config{
		ServerName:         cfg.Host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.Insecure, //nolint:gosec // only when smtp.insecure is set
	}
	if cfg.CAFile == "" {
		return conf, nil
	}

	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("smtp ca file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("smtp ca file %s: no PEM certificates", cfg.CAFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// Send delivers out with the attachments. It returns nil once the server
// accepted the message, and otherwise a *SendError saying whether a retry
// makes sense. Every header value is checked first: a CR or LF in one is
// a permanent error. The context bounds connecting and fetching an OAuth
// token. Once the SMTP transaction has begun, only Timeout bounds it, so
// a cancelled context never cuts a message in half.
func (s *SMTPSender) Send(ctx context.Context, out *workflow.Outgoing, attachments []Attachment) error {
	if out == nil {
		return &SendError{Err: fmt.Errorf("send: nil outgoing mail")}
	}

	msg, err := buildMessage(out, attachments)
	if err != nil {
		return &SendError{Err: fmt.Errorf("build message %s: %w", out.Key, err)}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliver(ctx, msg)
}

// deliver sends msg over the open connection, or a new one. When the
// server has closed a reused connection, the NOOP that go-mail sends
// before MAIL FROM fails before any of the message went out. So that case
// is sent once more over a new connection.
func (s *SMTPSender) deliver(ctx context.Context, msg *gomail.Msg) error {
	reused, err := s.connect(ctx)
	if err != nil {
		return err
	}

	err = s.client.SendWithSMTPClient(s.conn, msg)
	if err != nil && reused && isStaleConnection(err) {
		s.log.Debug("smtp connection closed by server, dialling again")
		s.drop()
		if _, err := s.connect(ctx); err != nil {
			return err
		}
		err = s.client.SendWithSMTPClient(s.conn, msg)
	}
	if err != nil {
		// After a failed command the session may be mid-transaction, so
		// the next send starts on a new connection.
		s.drop()
		return classifySendError(err)
	}

	s.lastUsed = time.Now()
	return nil
}

// connect reuses the open connection unless it was idle too long, and
// dials otherwise. It reports whether the connection was reused.
func (s *SMTPSender) connect(ctx context.Context) (bool, error) {
	if s.conn != nil && time.Since(s.lastUsed) < maxIdle {
		// The deadline set after the last command may have passed while
		// the connection was idle.
		if err := s.conn.UpdateDeadline(s.cfg.Timeout); err == nil {
			return true, nil
		}
	}
	s.drop()

	if err := ctx.Err(); err != nil {
		return false, &SendError{Temporary: true, Err: fmt.Errorf("%w: %w", ErrConnect, err)}
	}
	if err := s.authenticate(ctx); err != nil {
		return false, err
	}

	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return false, connectError(s.client.ServerAddr(), err)
	}
	s.conn = conn
	s.lastUsed = time.Now()
	s.log.Debug("smtp connection opened")
	return false, nil
}

// authenticate fetches a fresh OAuth token for the next connection. It
// does nothing for the other mechanisms, which go-mail sets up from the
// options.
func (s *SMTPSender) authenticate(ctx context.Context) error {
	if s.cfg.Auth != AuthXOAuth2 && s.cfg.Auth != AuthOAuthBearer {
		return nil
	}

	token, err := s.cfg.TokenSource(ctx)
	if err != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("%w: get oauth token: %w", ErrConnect, err)}
	}

	if s.cfg.Auth == AuthXOAuth2 {
		s.client.SetSMTPAuthCustom(smtp.XOAuth2Auth(s.cfg.Username, token))
		return nil
	}
	s.client.SetSMTPAuthCustom(saslAuth{client: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: s.cfg.Username,
		Token:    token,
		Host:     s.cfg.Host,
		Port:     s.cfg.Port,
	})})
	return nil
}

// drop closes the connection without QUIT, because QUIT could wait for
// a server that no longer responds.
func (s *SMTPSender) drop() {
	if s.conn == nil {
		return
	}
	// The connection is abandoned either way; a close error changes
	// nothing for the next send.
	_ = s.conn.Close()
	s.conn = nil
}

// Close ends the open connection, if any, with QUIT.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.conn == nil {
		return nil
	}
	conn := s.conn
	s.conn = nil

	if err := conn.UpdateDeadline(s.cfg.Timeout); err != nil {
		return fmt.Errorf("close smtp connection: %w", err)
	}
	if err := s.client.CloseWithSMTPClient(conn); err != nil {
		// QUIT failed, so the connection may still be open.
		_ = conn.Close()
		return fmt.Errorf("close smtp connection: %w", err)
	}
	return nil
}

// saslAuth adapts a go-sasl client, which implements OAUTHBEARER
// (RFC 7628), to go-mail's smtp.Auth.
type saslAuth struct {
	client sasl.Client
}

func (a saslAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return a.client.Start()
}

func (a saslAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.client.Next(challenge)
}
