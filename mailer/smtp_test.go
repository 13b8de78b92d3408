package mailer

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/keluhan/keluhan/workflow"
)

// sampleOutgoing is an acknowledgment as the workflow queues it.
func sampleOutgoing() *workflow.Outgoing {
	return &workflow.Outgoing{
		Key:           "ack:mid:complaint-1@example.com:siti.rahmawati@example.com",
		Ticket:        "KLH-2026-000123",
		Kind:          workflow.MailAck,
		Language:      "id",
		Role:          workflow.RoleRequester,
		To:            workflow.Party{Name: "Siti Rahmawati", Email: "siti.rahmawati@example.com"},
		From:          workflow.Party{Name: "Service Desk Diskominfo", Email: "helpdesk@layanan.example.go.id"},
		ReplyTo:       "helpdesk+t1.abc@layanan.example.go.id",
		Subject:       "[KLH-2026-000123] Keluhan Anda telah kami terima: Tidak bisa login ke SIMPEG",
		Text:          "Yth. Bapak/Ibu Siti Rahmawati,\n\nKeluhan Anda telah kami terima.\n",
		HTML:          "<p>Yth. Bapak/Ibu Siti Rahmawati,</p>\n",
		MessageID:     "klh-2026-000123.ack.1@layanan.example.go.id",
		InReplyTo:     "complaint-1@example.com",
		References:    []string{"complaint-1@example.com", "complaint-0@example.com"},
		AutoSubmitted: "auto-replied",
		Capped:        true,
		CreatedAt:     time.Date(2026, time.December, 4, 14, 31, 0, 0, wib),
	}
}

func newTestSender(t *testing.T, ts *testServer, cfg SMTPConfig) *SMTPSender {
	t.Helper()
	cfg.Host = "127.0.0.1"
	cfg.Port = ts.Port
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	cfg.Timeout = 5 * time.Second
	s, err := NewSMTPSender(cfg, nil)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func parseReceived(t *testing.T, r received) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("parse received message: %v", err)
	}
	return msg
}

func TestSMTPSenderHeaders(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	out := sampleOutgoing()
	if err := sender.Send(t.Context(), out, nil); err != nil {
		t.Fatalf("Send: %v", err)
	}

	msgs := ts.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	if msgs[0].From != out.From.Email {
		t.Errorf("MAIL FROM = %q, want %q", msgs[0].From, out.From.Email)
	}
	if len(msgs[0].To) != 1 || msgs[0].To[0] != out.To.Email {
		t.Errorf("RCPT TO = %q, want [%q]", msgs[0].To, out.To.Email)
	}

	header := parseReceived(t, msgs[0]).Header
	decoder := new(mime.WordDecoder)
	subject, err := decoder.DecodeHeader(header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode Subject: %v", err)
	}

	tests := []struct {
		name string
		got  string
		want string
	}{
		{"Message-ID", header.Get("Message-ID"), "<klh-2026-000123.ack.1@layanan.example.go.id>"},
		{"In-Reply-To", header.Get("In-Reply-To"), "<complaint-1@example.com>"},
		{"References", header.Get("References"), "<complaint-1@example.com> <complaint-0@example.com>"},
		{"Auto-Submitted", header.Get("Auto-Submitted"), "auto-replied"},
		{"X-Auto-Response-Suppress", header.Get("X-Auto-Response-Suppress"), "All"},
		{"X-Keluhan-Loop", header.Get("X-Keluhan-Loop"), "helpdesk@layanan.example.go.id"},
		{"X-Keluhan-Ticket", header.Get("X-Keluhan-Ticket"), "KLH-2026-000123"},
		{"Reply-To", header.Get("Reply-To"), "<helpdesk+t1.abc@layanan.example.go.id>"},
		{"Subject", subject, out.Subject},
		{"Date", header.Get("Date"), "Fri, 04 Dec 2026 14:31:00 +0700"},
		{"X-Mailer", header.Get("X-Mailer"), ""},
		{"User-Agent", header.Get("User-Agent"), ""},
		{"Precedence", header.Get("Precedence"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("header %s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	to, err := header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Siti Rahmawati" || to[0].Address != out.To.Email {
		t.Errorf("header To = %v (%v), want Siti Rahmawati <%s>", to, err, out.To.Email)
	}
}

func TestSMTPSenderPersonalMailHasNoAutoHeaders(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	out := sampleOutgoing()
	out.AutoSubmitted = ""
	out.Ticket = ""
	if err := sender.Send(t.Context(), out, nil); err != nil {
		t.Fatalf("Send: %v", err)
	}

	header := parseReceived(t, ts.Messages()[0]).Header
	for _, name := range []string{"Auto-Submitted", "X-Auto-Response-Suppress", "X-Keluhan-Ticket"} {
		if got := header.Get(name); got != "" {
			t.Errorf("header %s = %q, want none for mail a person wrote", name, got)
		}
	}
}

func TestSMTPSenderBodyAndAttachment(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	report := strings.Repeat("<tr><td>KLH-2026-000123</td></tr>\n", 2000)
	opened := 0
	attachments := []Attachment{{
		Filename:    "laporan-keluhan-2026-11.html",
		ContentType: "text/html",
		Open: func() (io.ReadCloser, error) {
			opened++
			return io.NopCloser(strings.NewReader(report)), nil
		},
	}}
	if err := sender.Send(t.Context(), sampleOutgoing(), attachments); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if opened != 1 {
		t.Errorf("attachment opened %d times, want 1", opened)
	}

	parts := readParts(t, parseReceived(t, ts.Messages()[0]))
	wantTypes := []string{"text/plain", "text/html", "text/html"}
	if len(parts) != len(wantTypes) {
		t.Fatalf("message has %d leaf parts, want %d", len(parts), len(wantTypes))
	}
	for i, want := range wantTypes {
		if parts[i].mediaType != want {
			t.Errorf("part %d type = %q, want %q", i, parts[i].mediaType, want)
		}
	}
	if !strings.Contains(parts[0].body, "Keluhan Anda telah kami terima.") {
		t.Errorf("text part = %q, want the outgoing text", parts[0].body)
	}
	if parts[2].filename != "laporan-keluhan-2026-11.html" || parts[2].body != report {
		t.Errorf("attachment = %q with %d bytes, want laporan-keluhan-2026-11.html with %d bytes",
			parts[2].filename, len(parts[2].body), len(report))
	}
}

// leafPart is one decoded leaf of a received MIME message.
type leafPart struct {
	mediaType string
	filename  string
	body      string
}

func readParts(t *testing.T, msg *mail.Message) []leafPart {
	t.Helper()
	var parts []leafPart
	collectParts(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &parts)
	return parts
}

// collectParts decodes base64 itself; multipart.Reader already decodes
// quoted-printable.
func collectParts(t *testing.T, contentType, encoding string, body io.Reader, parts *[]leafPart) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("parse content type %q: %v", contentType, err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		data, err := io.ReadAll(body)
		if err == nil && strings.EqualFold(encoding, "base64") {
			data, err = base64.StdEncoding.DecodeString(string(bytes.ReplaceAll(data, []byte("\r\n"), nil)))
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		*parts = append(*parts, leafPart{mediaType: mediaType, body: string(data)})
		return
	}

	reader := multipart.NewReader(body, params["boundary"])
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("read multipart: %v", err)
		}
		before := len(*parts)
		collectParts(t, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, parts)
		if len(*parts) > before {
			(*parts)[len(*parts)-1].filename = part.FileName()
		}
	}
}

func TestSMTPSenderRejectsLineBreaks(t *testing.T) {
	tests := []struct {
		name   string
		change func(*workflow.Outgoing)
	}{
		{"subject", func(o *workflow.Outgoing) { o.Subject = "Keluhan\r\nBcc: victim@example.com" }},
		{"to name", func(o *workflow.Outgoing) { o.To.Name = "Siti\nBcc: victim@example.com" }},
		{"from name", func(o *workflow.Outgoing) { o.From.Name = "Desk\r" }},
		{"reply-to", func(o *workflow.Outgoing) { o.ReplyTo = "a@example.com\nX: y" }},
		{"message id", func(o *workflow.Outgoing) { o.MessageID = "id@x\r\nX: y" }},
		{"in-reply-to", func(o *workflow.Outgoing) { o.InReplyTo = "id@x\nX: y" }},
		{"references", func(o *workflow.Outgoing) { o.References = []string{"a@x", "b@x\nX: y"} }},
		{"auto-submitted", func(o *workflow.Outgoing) { o.AutoSubmitted = "auto-replied\nX: y" }},
		{"ticket", func(o *workflow.Outgoing) { o.Ticket = "KLH\nX: y" }},
		{"message id with brackets", func(o *workflow.Outgoing) { o.MessageID = "<id@x>" }},
		{"missing message id", func(o *workflow.Outgoing) { o.MessageID = "" }},
	}

	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := sampleOutgoing()
			tt.change(out)

			err := sender.Send(t.Context(), out, nil)
			if !errors.Is(err, ErrInvalidHeader) {
				t.Errorf("Send(%s) error = %v, want ErrInvalidHeader", tt.name, err)
			}
			if IsTemporary(err) {
				t.Errorf("IsTemporary(Send(%s)) = true, want false", tt.name)
			}
		})
	}
	if n := len(ts.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSMTPSenderClassifiesReplies(t *testing.T) {
	tests := []struct {
		name          string
		stage         string
		code          int
		enhanced      smtp.EnhancedCode
		wantTemporary bool
	}{
		{"greylisted at rcpt", "rcpt", 451, smtp.EnhancedCode{4, 7, 1}, true},
		{"mailbox full at data", "data", 452, smtp.EnhancedCode{4, 2, 2}, true},
		{"sender refused", "mail", 421, smtp.EnhancedCode{4, 3, 0}, true},
		{"unknown user", "rcpt", 550, smtp.EnhancedCode{5, 1, 1}, false},
		{"spam at data", "data", 554, smtp.EnhancedCode{5, 7, 1}, false},
		{"sender rejected", "mail", 553, smtp.EnhancedCode{5, 7, 1}, false},
	}

	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts.failNext(tt.stage, tt.code, tt.enhanced, "test reply")

			err := sender.Send(t.Context(), sampleOutgoing(), nil)
			var sendErr *SendError
			if !errors.As(err, &sendErr) {
				t.Fatalf("Send() error = %v, want *SendError", err)
			}
			if sendErr.Temporary != tt.wantTemporary || sendErr.Code != tt.code {
				t.Errorf("Send() = SendError{Temporary: %v, Code: %d}, want {Temporary: %v, Code: %d}",
					sendErr.Temporary, sendErr.Code, tt.wantTemporary, tt.code)
			}
		})
	}

	if err := sender.Send(t.Context(), sampleOutgoing(), nil); err != nil {
		t.Errorf("Send() after the failures error = %v, want nil", err)
	}
}

func TestSMTPSenderReusesConnection(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	for i := range 3 {
		if err := sender.Send(t.Context(), sampleOutgoing(), nil); err != nil {
			t.Fatalf("Send #%d: %v", i+1, err)
		}
	}
	if got := ts.Connections(); got != 1 {
		t.Errorf("connections after 3 sends = %d, want 1", got)
	}
}

func TestSMTPSenderRedialsClosedConnection(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	if err := sender.Send(t.Context(), sampleOutgoing(), nil); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	ts.dropConnections()

	if err := sender.Send(t.Context(), sampleOutgoing(), nil); err != nil {
		t.Fatalf("Send after the server closed the connection: %v", err)
	}
	if got := len(ts.Messages()); got != 2 {
		t.Errorf("server received %d messages, want 2", got)
	}
	if got := ts.Connections(); got != 2 {
		t.Errorf("connections = %d, want 2", got)
	}
}

func TestSMTPSenderRedialsAfterError(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})

	ts.failNext("data", 451, smtp.EnhancedCode{4, 3, 0}, "try later")
	if err := sender.Send(t.Context(), sampleOutgoing(), nil); !IsTemporary(err) {
		t.Fatalf("Send() error = %v, want a temporary error", err)
	}
	if err := sender.Send(t.Context(), sampleOutgoing(), nil); err != nil {
		t.Fatalf("Send() after the error: %v", err)
	}
	if got := ts.Connections(); got != 2 {
		t.Errorf("connections = %d, want 2: a new one after the error", got)
	}
}

func TestSMTPSenderServerDown(t *testing.T) {
	ts := startTestServer(t)
	sender := newTestSender(t, ts, SMTPConfig{})
	ts.stop()

	err := sender.Send(t.Context(), sampleOutgoing(), nil)
	if !errors.Is(err, ErrConnect) {
		t.Errorf("Send() to a closed server error = %v, want ErrConnect", err)
	}
	if !IsTemporary(err) {
		t.Errorf("IsTemporary(%v) = false, want true", err)
	}
}

func TestSMTPSenderAuth(t *testing.T) {
	tests := []struct {
		name    string
		cfg     SMTPConfig
		wantErr bool
	}{
		{"plain", SMTPConfig{Auth: AuthPlain, Username: "helpdesk", Password: "rahasia"}, false},
		{"plain wrong password", SMTPConfig{Auth: AuthPlain, Username: "helpdesk", Password: "salah"}, true},
		{"oauthbearer", SMTPConfig{Auth: AuthOAuthBearer, Username: "helpdesk", TokenSource: staticToken("token-1")}, false},
		{"oauthbearer bad token", SMTPConfig{Auth: AuthOAuthBearer, Username: "helpdesk", TokenSource: staticToken("expired")}, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startTestServer(t)
			ts.plainAuth = func(username, password string) error {
				if username != "helpdesk" || password != "rahasia" {
					return errRejected
				}
				return nil
			}
			ts.tokenAuth = func(username, token string) error {
				if username != "helpdesk" || token != "token-1" {
					return errRejected
				}
				return nil
			}
			sender := newTestSender(t, ts, tt.cfg)

			err := sender.Send(t.Context(), sampleOutgoing(), nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send() error = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && (!errors.Is(err, ErrConnect) || !IsTemporary(err)) {
				t.Errorf("Send() error = %v, want a temporary ErrConnect", err)
			}
		})
	}
}

func staticToken(token string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return token, nil }
}

func TestNewSMTPSenderValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  SMTPConfig
	}{
		{"missing host", SMTPConfig{}},
		{"unknown tls", SMTPConfig{Host: "smtp.example.go.id", TLS: "ssl"}},
		{"unknown auth", SMTPConfig{Host: "smtp.example.go.id", Auth: "cram-md5", Username: "u"}},
		{"plain without username", SMTPConfig{Host: "smtp.example.go.id", Auth: AuthPlain}},
		{"xoauth2 without token source", SMTPConfig{Host: "smtp.example.go.id", Auth: AuthXOAuth2, Username: "u"}},
		{"password over plain text to a remote host", SMTPConfig{Host: "smtp.example.go.id", TLS: TLSNone, Auth: AuthLogin, Username: "u"}},
		{"port out of range", SMTPConfig{Host: "smtp.example.go.id", Port: 70000}},
		{"missing ca file", SMTPConfig{Host: "smtp.example.go.id", CAFile: "testdata/none.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSMTPSender(tt.cfg, nil); err == nil {
				t.Errorf("NewSMTPSender(%+v) error = nil, want an error", tt.cfg)
			}
		})
	}
}

func TestIsTemporary(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), true},
		{"temporary", &SendError{Temporary: true, Code: 451, Err: errors.New("451 later")}, true},
		{"permanent", &SendError{Code: 550, Err: errors.New("550 unknown")}, false},
		{"wrapped permanent", errors.Join(errors.New("send"), &SendError{Code: 554, Err: errors.New("554")}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTemporary(tt.err); got != tt.want {
				t.Errorf("IsTemporary(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
