package ingest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// dialTimeout bounds the TCP connect to the IMAP server.
const dialTimeout = 30 * time.Second

// Fetched is one message as fetched from the watched mailbox.
type Fetched struct {
	UID, UIDValidity uint32
	Mailbox          string
	// Raw is the whole message, or only its header when Truncated is set.
	Raw []byte
	// Size is the RFC822.SIZE the server reported. It is larger than
	// len(Raw) when Truncated is set.
	Size int64
	// Truncated is set when the message is over MaxFetchBytes and only
	// its header was fetched.
	Truncated bool
}

// Verdict is the handler's decision on one fetched message.
type Verdict struct {
	UID uint32
	// Quarantine moves the message to the quarantine folder instead of
	// marking it processed.
	Quarantine bool
}

// BatchHandler processes the messages the watcher fetches.
type BatchHandler interface {
	// HandleBatch returns after everything derived from the batch is
	// stored, with one Verdict per message it finished. A message left
	// without a verdict stays unmarked, and a later scan hands it over
	// again. On error the watcher marks nothing, logs the error and
	// reconnects. The watcher calls HandleBatch from one goroutine at a
	// time, with a context that its own shutdown does not cancel.
	HandleBatch(ctx context.Context, batch []Fetched) ([]Verdict, error)
}

// MailboxStates stores, per mailbox, the UIDVALIDITY and the highest UID
// handled.
type MailboxStates interface {
	// MailboxState returns zeros and a nil error for a mailbox that has
	// no saved state.
	MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error)
	SaveMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error
}

// imapSession is one logged-in connection with the watched mailbox
// selected. It is used from one goroutine.
type imapSession struct {
	client *imapclient.Client
	// exists receives a value, without blocking the client's reader,
	// whenever the server reports a new message count.
	exists chan struct{}
	caps   imap.CapSet

	uidValidity uint32
	// lastUID is the highest UID handled, as saved in MailboxStates.
	lastUID uint32
	// seenUID is the highest UID fetched so far. An incremental scan
	// looks above it.
	seenUID      uint32
	lastFullScan time.Time
}

func (s *imapSession) canIdle() bool { return s.caps.Has(imap.CapIdle) }

func (s *imapSession) canMove() bool { return s.caps.Has(imap.CapMove) }

func (s *imapSession) canUIDExpunge() bool { return s.caps.Has(imap.CapUIDPlus) }

// dial connects to the server, sets up TLS as configured and waits for
// the greeting. Cancelling ctx aborts it.
func (w *Watcher) dial(ctx context.Context, exists chan<- struct{}) (*imapclient.Client, error) {
	dialer := &net.Dialer{Timeout: dialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", w.cfg.Addr, err)
	}
	// Closing the connection is the only way to interrupt STARTTLS or the
	// wait for the greeting.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })

	c, err := w.greet(ctx, conn, exists)
	if !stop() && err == nil {
		_ = c.Close() // ctx ended; its error is the one worth returning
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", w.cfg.Addr, preferContextErr(ctx, err))
	}
	return c, nil
}

// greet starts the IMAP client on conn and waits for the greeting. It
// closes conn on failure.
func (w *Watcher) greet(ctx context.Context, conn net.Conn, exists chan<- struct{}) (*imapclient.Client, error) {
	opts := &imapclient.Options{
		TLSConfig:             w.tls.Clone(),
		UnilateralDataHandler: existsHandler(exists),
	}
	c, err := w.newClient(ctx, conn, opts)
	if err != nil {
		_ = conn.Close() // the handshake error is the one worth returning
		return nil, err
	}
	if err := c.WaitGreeting(); err != nil {
		_ = c.Close() // the greeting error is the one worth returning
		return nil, fmt.Errorf("read greeting: %w", err)
	}
	return c, nil
}

// newClient starts the IMAP client on conn in the configured TLS mode.
func (w *Watcher) newClient(ctx context.Context, conn net.Conn, opts *imapclient.Options) (*imapclient.Client, error) {
	switch w.cfg.TLS {
	case TLSImplicit:
		conf := w.tls.Clone()
		conf.NextProtos = []string{"imap"}
		tlsConn := tls.Client(conn, conf)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		return imapclient.New(tlsConn, opts), nil
	case TLSStartTLS:
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
		return c, nil
	default:
		return imapclient.New(conn, opts), nil
	}
}

// existsHandler returns a handler that signals exists on every EXISTS
// response. It runs on the client's reader goroutine, so it only tries a
// non-blocking send. One pending signal is enough to trigger a scan.
func existsHandler(exists chan<- struct{}) *imapclient.UnilateralDataHandler {
	return &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages == nil {
				return
			}
			select {
			case exists <- struct{}{}:
			default:
			}
		},
	}
}

// login authenticates with the configured method. For the OAuth methods
// it gets a fresh token from TokenSource.
func (w *Watcher) login(ctx context.Context, c *imapclient.Client) error {
	switch w.cfg.Auth {
	case AuthXOAUTH2, AuthOAuthBearer:
		token, err := w.cfg.TokenSource(ctx)
		if err != nil {
			return fmt.Errorf("get oauth token for %s: %w", w.cfg.Username, err)
		}
		return w.authenticateOAuth(c, token)
	default:
		return w.loginPassword(c)
	}
}

// loginPassword uses LOGIN, or AUTHENTICATE PLAIN when the server
// advertises LOGINDISABLED.
func (w *Watcher) loginPassword(c *imapclient.Client) error {
	caps := c.Caps()
	if !caps.Has(imap.CapLoginDisabled) {
		if err := c.Login(w.cfg.Username, w.cfg.Password).Wait(); err != nil {
			return fmt.Errorf("login as %s: %w", w.cfg.Username, err)
		}
		return nil
	}

	if !caps.Has(imap.AuthCap(sasl.Plain)) {
		return fmt.Errorf("login as %s: server disables LOGIN and offers no AUTH=PLAIN, try tls implicit or starttls", w.cfg.Username)
	}
	if err := c.Authenticate(sasl.NewPlainClient("", w.cfg.Username, w.cfg.Password)); err != nil {
		return fmt.Errorf("authenticate PLAIN as %s: %w", w.cfg.Username, err)
	}
	return nil
}

func (w *Watcher) authenticateOAuth(c *imapclient.Client, token string) error {
	if w.cfg.Auth == AuthXOAUTH2 {
		client := newXOAUTH2Client(w.cfg.Username, token)
		if err := c.Authenticate(client); err != nil {
			return fmt.Errorf("authenticate XOAUTH2 as %s: %w", w.cfg.Username, client.withServerStatus(err))
		}
		return nil
	}

	host, port := splitHostPort(w.cfg.Addr)
	client := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: w.cfg.Username,
		Token:    token,
		Host:     host,
		Port:     port,
	})
	if err := c.Authenticate(client); err != nil {
		return fmt.Errorf("authenticate OAUTHBEARER as %s: %w", w.cfg.Username, err)
	}
	return nil
}

// splitHostPort returns the host and numeric port of addr, or a zero port
// when it is not a number.
func splitHostPort(addr string) (string, int) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	port, err := net.LookupPort("tcp", portText)
	if err != nil {
		return host, 0
	}
	return host, port
}

// hasSelectable reports whether a LIST reply names a mailbox that can
// hold messages.
func hasSelectable(list []*imap.ListData) bool {
	for _, data := range list {
		selectable := true
		for _, attr := range data.Attrs {
			if attr == imap.MailboxAttrNoSelect || attr == imap.MailboxAttrNonExistent {
				selectable = false
			}
		}
		if selectable {
			return true
		}
	}
	return false
}

// acceptsKeyword reports whether SELECT's PERMANENTFLAGS let keyword be
// stored. A server that sent no PERMANENTFLAGS allows every flag
// (RFC 3501 section 7.1).
func acceptsKeyword(permanent []imap.Flag, keyword string) bool {
	if len(permanent) == 0 {
		return true
	}
	for _, f := range permanent {
		if f == imap.FlagWildcard || strings.EqualFold(string(f), keyword) {
			return true
		}
	}
	return false
}
