package mailer

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is an SMTP server on 127.0.0.1 that stores the messages it
// accepts and replies with queued errors on demand.
type testServer struct {
	Addr string
	Port int

	server   *smtp.Server
	listener net.Listener

	mu          sync.Mutex
	messages    []received
	failures    []failure
	conns       []*smtp.Conn
	connections int
	// hold, when set, makes DATA wait until it is closed.
	hold chan struct{}
	// dataStarted receives once for every DATA command that started.
	dataStarted chan struct{}
	// plainAuth and tokenAuth check credentials for PLAIN and
	// OAUTHBEARER. With both nil the server offers no AUTH.
	plainAuth func(username, password string) error
	tokenAuth func(username, token string) error
}

// received is one accepted message.
type received struct {
	From string
	To   []string
	Data []byte
}

// failure is the error reply to one stage of the next transaction.
type failure struct {
	stage string // "mail", "rcpt" or "data"
	err   *smtp.SMTPError
}

func startTestServer(t *testing.T) *testServer {
	t.Helper()

	ts := &testServer{dataStarted: make(chan struct{}, 64)}
	ts.server = smtp.NewServer(ts)
	ts.server.Domain = "localhost"
	ts.server.AllowInsecureAuth = true
	ts.server.ReadTimeout = 10 * time.Second
	ts.server.WriteTimeout = 10 * time.Second

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ts.listener = listener
	ts.Addr = listener.Addr().String()
	ts.Port = listener.Addr().(*net.TCPAddr).Port

	go func() {
		// Serve returns when the server is closed at cleanup.
		_ = ts.server.Serve(listener)
	}()
	t.Cleanup(func() { _ = ts.server.Close() })
	return ts
}

// failNext makes the next transaction fail at stage with the given SMTP
// code; failures queue up, one per transaction.
func (ts *testServer) failNext(stage string, code int, enhanced smtp.EnhancedCode, message string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.failures = append(ts.failures, failure{stage: stage, err: &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: message}})
}

// takeFailure removes and returns the queued error for stage, if the next
// queued failure is at that stage.
func (ts *testServer) takeFailure(stage string) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.failures) == 0 || ts.failures[0].stage != stage {
		return nil
	}
	f := ts.failures[0]
	ts.failures = ts.failures[1:]
	return f.err
}

// stop closes the listener and every connection, so that dialling fails.
func (ts *testServer) stop() {
	_ = ts.listener.Close()
	_ = ts.server.Close()
}

func (ts *testServer) Messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.messages...)
}

func (ts *testServer) Connections() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.connections
}

// dropConnections closes every open client connection, as a server does
// with an idle one.
func (ts *testServer) dropConnections() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, c := range ts.conns {
		_ = c.Close()
	}
	ts.conns = nil
}

func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.connections++
	ts.conns = append(ts.conns, c)
	return &testSession{server: ts}, nil
}

// testSession is one client connection to testServer.
type testSession struct {
	server *testServer
	from   string
	to     []string
	authed bool
}

func (s *testSession) AuthMechanisms() []string {
	var mechs []string
	if s.server.plainAuth != nil {
		mechs = append(mechs, sasl.Plain)
	}
	if s.server.tokenAuth != nil {
		mechs = append(mechs, sasl.OAuthBearer)
	}
	return mechs
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error {
			if err := s.server.plainAuth(username, password); err != nil {
				return err
			}
			s.authed = true
			return nil
		}), nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(opts sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if err := s.server.tokenAuth(opts.Username, opts.Token); err != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			s.authed = true
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.needsAuth() {
		return smtp.ErrAuthRequired
	}
	if err := s.server.takeFailure("mail"); err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.server.takeFailure("rcpt"); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	s.server.dataStarted <- struct{}{}
	if hold := s.server.holdChannel(); hold != nil {
		<-hold
	}

	var data bytes.Buffer
	if _, err := io.Copy(&data, r); err != nil {
		return err
	}
	if err := s.server.takeFailure("data"); err != nil {
		return err
	}

	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.messages = append(s.server.messages, received{From: s.from, To: s.to, Data: data.Bytes()})
	return nil
}

func (s *testSession) needsAuth() bool {
	return (s.server.plainAuth != nil || s.server.tokenAuth != nil) && !s.authed
}

func (ts *testServer) holdChannel() chan struct{} {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.hold
}

func (s *testSession) Reset() {
	s.from = ""
	s.to = nil
}

func (s *testSession) Logout() error { return nil }

// errRejected is what the test auth functions return for bad credentials.
var errRejected = errors.New("rejected")
