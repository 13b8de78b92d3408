package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// deliveryTimeout is how long a test waits for SMTP delivery; delivery
// usually takes under 200 ms.
const deliveryTimeout = 20 * time.Second

func TestLoadEnv(t *testing.T) {
	full := map[string]string{
		varRuntimeDir:  "/tmp/rt",
		varIMAP:        "127.0.0.1:1143",
		varIMAPS:       "127.0.0.1:1993",
		varSMTP:        "127.0.0.1:2525",
		varDovecotConf: "/tmp/rt/dovecot.conf",
		varPostfixDir:  "/tmp/rt/postfix/etc",
		varCA:          "/tmp/rt/tls/cert.pem",
	}
	tests := []struct {
		name    string
		drop    []string
		wantErr string
	}{
		{name: "all set"},
		{name: "imap missing", drop: []string{varIMAP}, wantErr: "missing KELUHAN_TEST_IMAP"},
		{name: "two missing", drop: []string{varSMTP, varCA}, wantErr: "missing KELUHAN_TEST_SMTP, KELUHAN_TEST_CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(name string) string {
				if slices.Contains(tt.drop, name) {
					return ""
				}
				return full[name]
			}

			env, err := loadEnv(getenv)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("loadEnv() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadEnv() error = %v, want nil", err)
			}
			if env.IMAPAddr != full[varIMAP] || env.SMTPAddr != full[varSMTP] || env.CAFile != full[varCA] {
				t.Errorf("loadEnv() = %+v, want addresses from %v", env, full)
			}
			if env.Domain != Domain {
				t.Errorf("loadEnv().Domain = %q, want %q", env.Domain, Domain)
			}
		})
	}
}

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", data: "", want: map[string]string{}},
		{
			name: "values with equals signs",
			data: "A=1\n\n# comment\nB=x=y\n",
			want: map[string]string{"A": "1", "B": "x=y"},
		},
		{name: "line without equals", data: "A=1\nbroken\n", wantErr: true},
		{name: "empty name", data: "=value\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnvFile(tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseEnvFile(%q) error = %v, want error %v", tt.data, err, tt.wantErr)
			}
			if !tt.wantErr && fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parseEnvFile(%q) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    MailboxStatus
		wantErr bool
	}{
		{
			name: "inbox",
			out:  "INBOX messages=2 uidnext=5 uidvalidity=1733300000\n",
			want: MailboxStatus{Messages: 2, UIDValidity: 1733300000, UIDNext: 5},
		},
		{
			name: "mailbox name with spaces",
			out:  "Old Mail messages=0 uidnext=1 uidvalidity=7\n",
			want: MailboxStatus{Messages: 0, UIDValidity: 7, UIDNext: 1},
		},
		{name: "missing uidnext", out: "INBOX messages=2 uidvalidity=1\n", wantErr: true},
		{name: "not a number", out: "INBOX messages=x uidnext=1 uidvalidity=1\n", wantErr: true},
		{name: "empty", out: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatus(%q) error = %v, want error %v", tt.out, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatus(%q) = %+v, want %+v", tt.out, got, tt.want)
			}
		})
	}
}

func TestLoginAndPassword(t *testing.T) {
	env := &Env{Domain: Domain}
	tests := []struct {
		user      string
		wantLogin string
		wantPass  string
	}{
		{"helpdesk", "helpdesk@layanan.example.go.id", "helpdesk-pass"},
		{"helpdesk+KLH-1@layanan.example.go.id", "helpdesk@layanan.example.go.id", "helpdesk-pass"},
		{"Budi@Contoh.go.id", "budi@contoh.go.id", "budi-pass"},
		{"user1@example.com", "user1@example.com", "user1-pass"},
		{"helpdesk-3f9a2c1b+tok", "helpdesk-3f9a2c1b@layanan.example.go.id", "helpdesk-3f9a2c1b-pass"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			if got := env.Login(tt.user); got != tt.wantLogin {
				t.Errorf("Login(%q) = %q, want %q", tt.user, got, tt.wantLogin)
			}
			if got := env.Password(tt.user); got != tt.wantPass {
				t.Errorf("Password(%q) = %q, want %q", tt.user, got, tt.wantPass)
			}
		})
	}
}

func TestSplitPrefix(t *testing.T) {
	tests := []struct {
		name       string
		prefix     string
		wantLocal  string
		wantDomain string
		wantErr    bool
	}{
		{"bare local part", "helpdesk", "helpdesk", Domain, false},
		{"empty", "", "user", Domain, false},
		{"domain lowercased", "User@Example.com", "user", "example.com", false},
		{"contoh.go.id", "andi@contoh.go.id", "andi", "contoh.go.id", false},
		{"plus sign", "a+b", "", "", true},
		{"slash", "a/b", "", "", true},
		{"other domain", "x@other.example", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local, domain, err := splitPrefix(tt.prefix)
			if (err != nil) != tt.wantErr {
				t.Fatalf("splitPrefix(%q) error = %v, want error %v", tt.prefix, err, tt.wantErr)
			}
			if local != tt.wantLocal || domain != tt.wantDomain {
				t.Errorf("splitPrefix(%q) = %q, %q, want %q, %q", tt.prefix, local, domain, tt.wantLocal, tt.wantDomain)
			}
		})
	}
}

// recordingTB records Fatalf instead of stopping the test.
type recordingTB struct {
	testing.TB
	fatal string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}

func TestRequireIsolatedGuard(t *testing.T) {
	tests := []struct {
		name      string
		isolated  bool
		wantFatal bool
	}{
		{name: "shared pair", isolated: false, wantFatal: true},
		{name: "isolated pair", isolated: true, wantFatal: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			env := &Env{isolated: tt.isolated}

			env.requireIsolated(rec, "StopSMTP")
			if (rec.fatal != "") != tt.wantFatal {
				t.Errorf("requireIsolated(isolated=%v) fatal = %q, want fatal %v", tt.isolated, rec.fatal, tt.wantFatal)
			}
		})
	}
}

// newMessage returns a small CRLF message with a unique Message-ID.
func newMessage(t *testing.T, from, to, subject string) (raw []byte, messageID string) {
	t.Helper()

	messageID = "<" + randomHex(t, 8) + "@test.example.com>"
	raw = []byte("From: " + from + "\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: " + messageID + "\r\n" +
		"Date: Mon, 1 Dec 2025 09:00:00 +0700\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Mohon bantuan, aplikasi tidak bisa dibuka.\r\n" +
		".line starting with a dot\r\n")
	return raw, messageID
}

func TestSendMailToFixedHelpdesk(t *testing.T) {
	env := Require(t)
	t.Parallel()

	raw, messageID := newMessage(t, "user1@example.com", "helpdesk+abc@layanan.example.go.id", "Keluhan aplikasi")
	env.SendMail(t, "user1@example.com", []string{"helpdesk+abc@layanan.example.go.id"}, raw)

	got := env.WaitMessage(t, "helpdesk", "INBOX", deliveryTimeout, func(m Fetched) bool {
		return m.Header("Message-ID") == messageID
	})
	if !bytes.HasSuffix(got.Raw, raw) {
		t.Errorf("delivered message = %q, want it to end with the sent bytes %q", got.Raw, raw)
	}
	if to := got.Header("Delivered-To"); !strings.HasPrefix(to, "helpdesk") {
		t.Errorf("Delivered-To = %q, want the helpdesk mailbox", to)
	}
}

func TestSendMailToNewUsers(t *testing.T) {
	env := Require(t)
	tests := []struct {
		name   string
		prefix string
		detail string
	}{
		{name: "service desk domain", prefix: "helpdesk"},
		{name: "plus address", prefix: "helpdesk", detail: "+KLH-2026-000123.x9"},
		{name: "example.com", prefix: "user@example.com"},
		{name: "contoh.go.id", prefix: "budi@contoh.go.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			user := env.NewUser(t, tt.prefix)
			local, domain, _ := strings.Cut(user, "@")
			rcpt := local + tt.detail + "@" + domain
			raw, _ := newMessage(t, "user2@example.com", rcpt, "Tes pengiriman")

			env.SendMail(t, "user2@example.com", []string{rcpt}, raw)

			msgs := env.WaitMessages(t, user, "INBOX", 1, deliveryTimeout)
			if len(msgs) != 1 {
				t.Fatalf("WaitMessages(%s) returned %d messages, want 1", user, len(msgs))
			}
			if !bytes.HasSuffix(msgs[0].Raw, raw) {
				t.Errorf("delivered message = %q, want it to end with the sent bytes %q", msgs[0].Raw, raw)
			}
			if msgs[0].HasFlag(imap.FlagSeen) {
				t.Errorf("delivered message flags = %v, want no \\Seen", msgs[0].Flags)
			}
		})
	}
}

func TestSendMailRejects(t *testing.T) {
	env := Require(t)
	tests := []struct {
		name     string
		rcpt     string
		wantCode int
	}{
		{name: "other domain", rcpt: "someone@other.example", wantCode: 554},
		{name: "invalid local part", rcpt: "a/b@layanan.example.go.id", wantCode: 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			raw, _ := newMessage(t, "user1@example.com", tt.rcpt, "Ditolak")
			err := env.TrySendMail("user1@example.com", []string{tt.rcpt}, raw)

			var smtpErr *textproto.Error
			if !errors.As(err, &smtpErr) || smtpErr.Code != tt.wantCode {
				t.Errorf("TrySendMail(to %s) = %v, want SMTP reply %d", tt.rcpt, err, tt.wantCode)
			}
		})
	}
}

func TestAppendAndExpunge(t *testing.T) {
	env := Require(t)
	t.Parallel()
	user := env.NewUser(t, "staff")

	first, _ := newMessage(t, "user1@example.com", user, "Pertama")
	second, _ := newMessage(t, "user1@example.com", user, "Kedua")
	uid1 := env.Append(t, user, "INBOX", first, imap.FlagSeen, "$KeluhanProcessed")
	uid2 := env.Append(t, user, "INBOX", second)
	if uid1 != 1 || uid2 != 2 {
		t.Errorf("Append UIDs = %d, %d, want 1, 2", uid1, uid2)
	}

	msgs := env.WaitMessages(t, user, "INBOX", 2, deliveryTimeout)
	if len(msgs) != 2 {
		t.Fatalf("WaitMessages returned %d messages, want 2", len(msgs))
	}
	if !bytes.Equal(msgs[0].Raw, first) || !bytes.Equal(msgs[1].Raw, second) {
		t.Errorf("fetched messages differ from the appended bytes")
	}
	if !msgs[0].HasFlag(imap.FlagSeen) || !msgs[0].HasFlag("$keluhanprocessed") {
		t.Errorf("first message flags = %v, want \\Seen and $KeluhanProcessed", msgs[0].Flags)
	}
	if msgs[1].HasFlag(imap.FlagSeen) {
		t.Errorf("second message flags = %v, want no \\Seen", msgs[1].Flags)
	}

	before := env.Status(t, user, "INBOX")
	env.Expunge(t, user, "INBOX")
	after := env.Status(t, user, "INBOX")

	want := MailboxStatus{Messages: 0, UIDValidity: before.UIDValidity, UIDNext: 3}
	if after != want {
		t.Errorf("Status after Expunge = %+v, want %+v", after, want)
	}
}

func TestAppendCreatesMailbox(t *testing.T) {
	env := Require(t)
	t.Parallel()
	user := env.NewUser(t, "manager")

	raw, _ := newMessage(t, "user1@example.com", user, "Arsip")
	env.Append(t, user, "Arsip/2026", raw)

	msgs := env.WaitMessages(t, user, "Arsip/2026", 1, deliveryTimeout)
	if len(msgs) != 1 || !bytes.Equal(msgs[0].Raw, raw) {
		t.Errorf("WaitMessages(Arsip/2026) = %d messages, want the appended one", len(msgs))
	}
}

func TestNewUserMailboxes(t *testing.T) {
	env := Require(t)
	t.Parallel()

	a := env.NewUser(t, "helpdesk")
	b := env.NewUser(t, "helpdesk")
	if a == b {
		t.Fatalf("NewUser returned %s twice", a)
	}

	for _, mailbox := range []string{"INBOX", "Quarantine", "Processed", "Sent", "Trash"} {
		got := env.Status(t, a, mailbox)
		if got.Messages != 0 || got.UIDNext != 1 {
			t.Errorf("Status(%s, %s) = %+v, want an empty new mailbox", a, mailbox, got)
		}
	}
}

func TestFixedUsersLogIn(t *testing.T) {
	env := Require(t)
	users := []string{
		"helpdesk", "staff1", "staff2", "manager1", "manager2", "supervisor", "incident", "petugas",
		"user1@example.com", "user2@example.com", "user3@example.com",
		"budi@contoh.go.id", "andi@contoh.go.id",
	}
	for _, user := range users {
		t.Run(user, func(t *testing.T) {
			t.Parallel()

			s, err := env.openIMAP(user, imapTimeout)
			if err != nil {
				t.Fatalf("openIMAP(%s) error = %v, want nil", user, err)
			}
			s.close()
		})
	}
}

func TestWrongPasswordRejected(t *testing.T) {
	env := Require(t)
	t.Parallel()

	client, err := imapclient.DialInsecure(env.IMAPAddr, nil)
	if err != nil {
		t.Fatalf("DialInsecure(%s) error = %v", env.IMAPAddr, err)
	}
	defer client.Close()

	if err := client.Login("helpdesk", "wrong").Wait(); err == nil {
		t.Errorf("Login(helpdesk, wrong) error = nil, want an authentication failure")
	}
}

func TestIMAPCapabilities(t *testing.T) {
	env := Require(t)
	t.Parallel()
	user := env.NewUser(t, "helpdesk")

	s, err := env.openIMAP(user, imapTimeout)
	if err != nil {
		t.Fatalf("openIMAP(%s) error = %v", user, err)
	}
	defer s.close()

	for _, capability := range []imap.Cap{imap.CapIdle, imap.CapUIDPlus} {
		if !s.client.Caps().Has(capability) {
			t.Errorf("capabilities = %v, want %s", s.client.Caps(), capability)
		}
	}

	data, err := s.client.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	if !slices.Contains(data.PermanentFlags, imap.FlagWildcard) {
		t.Errorf("PERMANENTFLAGS = %v, want \\* so that clients may create keywords", data.PermanentFlags)
	}
}

func TestTLSWithTestCA(t *testing.T) {
	env := Require(t)
	tests := []struct {
		name string
		dial func(addr string, opts *imapclient.Options) (*imapclient.Client, error)
		addr string
	}{
		{name: "imaps", dial: imapclient.DialTLS, addr: env.IMAPSAddr},
		{name: "starttls", dial: imapclient.DialStartTLS, addr: env.IMAPAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			client, err := tt.dial(tt.addr, &imapclient.Options{TLSConfig: env.TLSConfig(t)})
			if err != nil {
				t.Fatalf("dial %s %s error = %v, want nil", tt.name, tt.addr, err)
			}
			defer client.Close()

			if err := client.Login("staff1", env.Password("staff1")).Wait(); err != nil {
				t.Errorf("Login(staff1) over %s error = %v, want nil", tt.name, err)
			}
		})
	}
}

func TestIsolatedOutage(t *testing.T) {
	env := RequireIsolated(t)
	t.Parallel()
	user := env.NewUser(t, "helpdesk")
	raw, _ := newMessage(t, "user1@example.com", user, "Saat gangguan")

	env.StopSMTP(t)
	if err := env.TrySendMail("user1@example.com", []string{user}, raw); err == nil {
		t.Fatalf("TrySendMail with SMTP stopped = nil, want a connection error")
	}

	env.StartSMTP(t)
	env.SendMail(t, "user1@example.com", []string{user}, raw)
	env.WaitMessages(t, user, "INBOX", 1, deliveryTimeout)

	env.RestartDovecot(t)
	msgs := env.WaitMessages(t, user, "INBOX", 1, deliveryTimeout)
	if len(msgs) != 1 || !bytes.HasSuffix(msgs[0].Raw, raw) {
		t.Errorf("after RestartDovecot, INBOX = %d messages, want the one delivered before", len(msgs))
	}
}
