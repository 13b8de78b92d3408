package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusDir holds the real-world email shapes and expected.json, which
// states what a correct daemon does with each of them.
const corpusDir = "../testdata/eml"

// testOptions are the options of the help desk the corpus was written
// for.
var testOptions = ParseOptions{
	HelpdeskAddress: "helpdesk@layanan.example.go.id",
	OurDomains:      []string{"layanan.example.go.id"},
}

// corpusCase is one entry of expected.json. Only the keys about parsing
// are read here; threading and ticket keys need the whole pipeline.
type corpusCase struct {
	ID     string       `json:"id"`
	File   string       `json:"file"`
	Expect corpusExpect `json:"expect"`
}

type corpusExpect struct {
	CreatesTicket             *bool             `json:"creates_ticket"`
	AutoReply                 *bool             `json:"auto_reply"`
	From                      string            `json:"from"`
	FromName                  string            `json:"from_name"`
	Cc                        []string          `json:"cc"`
	SubjectContains           string            `json:"subject_contains"`
	SubjectNotContains        []string          `json:"subject_not_contains"`
	BodyContains              []string          `json:"body_contains"`
	BodyNotContains           []string          `json:"body_not_contains"`
	UTF8Valid                 bool              `json:"utf8_valid"`
	StrippedReplyContains     []string          `json:"stripped_reply_contains"`
	StrippedReplyNotContains  []string          `json:"stripped_reply_not_contains"`
	Attachments               []string          `json:"attachments"`
	AttachmentsAnyOf          [][]string        `json:"attachments_any_of"`
	AttachmentSHA256          map[string]string `json:"attachment_sha256"`
	AttachmentSHA256IfPresent map[string]string `json:"attachment_sha256_if_present"`
	PartsContentTypeKept      string            `json:"parts_content_type_kept"`
	RepliesTo                 string            `json:"replies_to"`
	NoOutboundTo              []string          `json:"no_outbound_to"`
	OneOf                     []corpusExpect    `json:"one_of"`
}

// readCorpusFile returns a corpus file with its placeholders replaced as
// the corpus README describes: ticket tags of the baselines and the staff
// close command.
func readCorpusFile(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	replacer := strings.NewReplacer(
		"{{TAG:B01}}", "[KLH-2026-000001]",
		"{{TAG:B02}}", "[KLH-2026-000002]",
		"{{TAG:B03}}", "[KLH-2026-000003]",
		"{{CMD_CLOSE}}", "#tutup Sudah diperbaiki",
	)
	return []byte(replacer.Replace(string(raw)))
}

func parseFixture(t testing.TB, name string) *Message {
	t.Helper()
	m, err := Parse(readCorpusFile(t, name), testOptions)
	if err != nil {
		t.Fatalf("Parse(%s) error = %v", name, err)
	}
	return m
}

func TestParseCorpus(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatalf("read expected.json: %v", err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("decode expected.json: %v", err)
	}

	for _, tc := range cases {
		t.Run(tc.ID, func(t *testing.T) {
			m := parseFixture(t, tc.File)
			for _, failure := range checkExpect(m, tc.Expect) {
				t.Errorf("Parse(%s): %s", tc.File, failure)
			}
			if failures := checkOneOf(m, tc.Expect.OneOf); len(failures) > 0 {
				t.Errorf("Parse(%s): no one_of alternative holds: %s", tc.File, strings.Join(failures, "; "))
			}
		})
	}
}

// checkOneOf returns nil when an alternative with parse expectations
// holds, or when no alternative has any.
func checkOneOf(m *Message, alternatives []corpusExpect) []string {
	var failures []string
	checked := false
	for _, alt := range alternatives {
		if alt.From == "" && len(alt.BodyContains) == 0 && alt.CreatesTicket == nil {
			continue
		}
		checked = true
		f := checkExpect(m, alt)
		if len(f) == 0 {
			return nil
		}
		failures = append(failures, f...)
	}
	if !checked {
		return nil
	}
	return failures
}

// checkExpect returns one message per expectation m does not meet.
func checkExpect(m *Message, e corpusExpect) []string {
	var f []string
	f = append(f, checkSender(m, e)...)
	f = append(f, checkSubjectAndBody(m, e)...)
	f = append(f, checkAttachments(m, e)...)
	return f
}

func checkSender(m *Message, e corpusExpect) []string {
	var f []string
	from, fromName := "", ""
	if m.From != nil {
		from, fromName = m.From.Address, m.From.Name
	}
	if e.From != "" && from != e.From {
		f = append(f, fmt.Sprintf("From = %q, want %q", from, e.From))
	}
	if e.FromName != "" && fromName != e.FromName {
		f = append(f, fmt.Sprintf("From name = %q, want %q", fromName, e.FromName))
	}

	var cc []string
	for _, a := range m.Cc {
		cc = append(cc, a.Address)
	}
	if e.Cc != nil && !slices.Equal(cc, e.Cc) {
		f = append(f, fmt.Sprintf("Cc = %q, want %q", cc, e.Cc))
	}

	requester := ""
	if r := m.Requester(); r != nil {
		requester = r.Address
	}
	if e.RepliesTo != "" && requester != e.RepliesTo {
		f = append(f, fmt.Sprintf("Requester() = %q, want %q", requester, e.RepliesTo))
	}
	if slices.Contains(e.NoOutboundTo, requester) {
		f = append(f, fmt.Sprintf("Requester() = %q, want none of %q", requester, e.NoOutboundTo))
	}

	if e.CreatesTicket != nil && *e.CreatesTicket && m.Class != ClassPerson {
		f = append(f, fmt.Sprintf("Class = %q (%s), want %q for a mail that opens a ticket", m.Class, m.Reason, ClassPerson))
	}
	if e.AutoReply != nil && !*e.AutoReply && m.Class == ClassPerson {
		f = append(f, fmt.Sprintf("Class = %q, want an automatic class so that nothing answers it", m.Class))
	}
	return f
}

func checkSubjectAndBody(m *Message, e corpusExpect) []string {
	var f []string
	if e.SubjectContains != "" && !strings.Contains(m.Subject, e.SubjectContains) {
		f = append(f, fmt.Sprintf("Subject = %q, want it to contain %q", m.Subject, e.SubjectContains))
	}
	for _, s := range e.SubjectNotContains {
		if strings.Contains(m.Subject, s) {
			f = append(f, fmt.Sprintf("Subject = %q, want it without %q", m.Subject, s))
		}
	}
	for _, s := range e.BodyContains {
		if !strings.Contains(m.Text, s) {
			f = append(f, fmt.Sprintf("Text = %q, want it to contain %q", m.Text, s))
		}
	}
	for _, s := range e.BodyNotContains {
		if strings.Contains(m.Text, s) {
			f = append(f, fmt.Sprintf("Text = %q, want it without %q", m.Text, s))
		}
	}
	if e.UTF8Valid && (!utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text)) {
		f = append(f, fmt.Sprintf("Subject %q or Text %q is not valid UTF-8", m.Subject, m.Text))
	}
	for _, s := range e.StrippedReplyContains {
		if !strings.Contains(m.ReplyText, s) {
			f = append(f, fmt.Sprintf("ReplyText = %q, want it to contain %q", m.ReplyText, s))
		}
	}
	for _, s := range e.StrippedReplyNotContains {
		if strings.Contains(m.ReplyText, s) {
			f = append(f, fmt.Sprintf("ReplyText = %q, want it without %q", m.ReplyText, s))
		}
	}
	return f
}

func checkAttachments(m *Message, e corpusExpect) []string {
	var f []string
	byName := make(map[string]Attachment)
	for _, a := range m.Attachments {
		byName[a.Filename] = a
	}
	names := func(want []string) bool {
		for _, name := range want {
			if _, ok := byName[name]; !ok {
				return false
			}
		}
		return true
	}
	if e.Attachments != nil && !names(e.Attachments) {
		f = append(f, fmt.Sprintf("Attachments = %v, want names %q", m.Attachments, e.Attachments))
	}
	if e.AttachmentsAnyOf != nil && !slices.ContainsFunc(e.AttachmentsAnyOf, names) {
		f = append(f, fmt.Sprintf("Attachments = %v, want one of %q", m.Attachments, e.AttachmentsAnyOf))
	}
	for name, sum := range e.AttachmentSHA256 {
		if got := byName[name].SHA256; got != sum {
			f = append(f, fmt.Sprintf("SHA256 of %q = %q, want %q", name, got, sum))
		}
	}
	for name, sum := range e.AttachmentSHA256IfPresent {
		if a, ok := byName[name]; ok && a.SHA256 != sum {
			f = append(f, fmt.Sprintf("SHA256 of %q = %q, want %q", name, a.SHA256, sum))
		}
	}
	if t := e.PartsContentTypeKept; t != "" && !slices.Contains(m.Parts, t) {
		f = append(f, fmt.Sprintf("Parts = %q, want %q kept", m.Parts, t))
	}
	return f
}

// fixtureWant is what the fixtures written for this package must parse
// to. Empty fields are not checked.
type fixtureWant struct {
	class       Class
	reason      string
	keyPrefix   string
	from        string
	text        []string
	notText     []string
	replyText   string
	attachments []Attachment
	bounce      *Bounce
	warnings    []string
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file string
		want fixtureWant
	}{
		{"X01-unknown-charset-label.eml", fixtureWant{
			class:    ClassPerson,
			text:     []string{"CAFÉ SENJA, seharusnya CAFÉ SENJÁ."},
			warnings: []string{`unknown charset "x-mac-klingon"`},
		}},
		{"X02-multipart-without-boundary-parameter.eml", fixtureWant{
			text: []string{"Bukti permohonan terlampir."},
			attachments: []Attachment{{Index: 1, Filename: "bukti.pdf", ContentType: "application/pdf", Size: 30,
				SHA256: "6cfa0baff52ca768e4f03014bf23e293b74428966cc8b9abeb6b645d68a66b90"}},
			warnings: []string{"boundary taken from the body"},
		}},
		{"X03-truncated-multipart.eml", fixtureWant{
			text:     []string{"Scan KTP saya terlampir"},
			warnings: []string{"not closed: message truncated"},
		}},
		{"X04-missing-message-id-date-from.eml", fixtureWant{
			class:     ClassPerson,
			keyPrefix: "sha256:",
			text:      []string{"formulir lama"},
			warnings:  []string{"missing Message-ID", "missing Date", "missing From"},
		}},
		{"X05-forward-as-attachment.eml", fixtureWant{
			class:     ClassPerson,
			text:      []string{"sudah dua minggu belum ada jawaban"},
			notText:   []string{"belum terbit"},
			replyText: "Mohon ditindaklanjuti keluhan pemohon di bawah ini, sudah dua minggu belum ada jawaban.",
			attachments: []Attachment{{Index: 1, Filename: "Keluhan pemohon.eml", ContentType: "message/rfc822", Size: 286,
				SHA256: "0c9cc4204127c7cb12f28230a2bbe2bbad15bb4d50d0d85634c2262f7ac818c2"}},
		}},
		{"X06-html-only-inline-images.eml", fixtureWant{
			class:     ClassPerson,
			text:      []string{"Berikut tangkapan layar galatnya:"},
			replyText: "Berikut tangkapan layar galatnya:",
			attachments: []Attachment{
				{Index: 1, Filename: "lampiran-1.jpg", ContentType: "image/jpeg", Size: 18, Inline: true, ContentID: "layar@x06",
					SHA256: "64887026ba9be2981f162145cd9292806cf2a0bfdeb1c43ccb8a4a8105339960"},
				{Index: 2, Filename: "logo.png", ContentType: "image/png", Size: 16, Inline: true, ContentID: "logo@x06",
					SHA256: "6bfa0f11bb948b9fb5f298c105b93953ed6c3df36afc0dd0081b3b0619525366"},
			},
		}},
		{"X07-bounce-postfix-dsn.eml", fixtureWant{
			class:  ClassBounce,
			reason: "dsn: multipart/report",
			bounce: &Bounce{OriginalMessageID: "klh.ack.9f3a1c@layanan.example.go.id", Recipient: "budi.salah@contoh.go.id",
				Status: "5.1.1", Action: "failed", Diagnostic: "550 5.1.1 <budi.salah@contoh.go.id>: Recipient address rejected: User unknown"},
		}},
		{"X08-bounce-exchange-ndr.eml", fixtureWant{
			class:  ClassBounce,
			reason: "dsn: multipart/report",
			text:   []string{"couldn't be delivered"},
			bounce: &Bounce{OriginalMessageID: "klh.ack.77b2@layanan.example.go.id", Recipient: "siti.lama@example.com",
				Status: "5.1.10", Action: "failed", Diagnostic: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
		}},
		{"X09-bounce-gmail.eml", fixtureWant{
			class: ClassBounce,
			text:  []string{"Address not found"},
			bounce: &Bounce{OriginalMessageID: "klh.closure.5d1e@layanan.example.go.id", Recipient: "andi.lama@gmail.example",
				Status: "5.1.1", Action: "failed", Diagnostic: "550-5.1.1 The email account that you tried to reach does not exist."},
		}},
		{"X10-bounce-qmail-plain.eml", fixtureWant{
			class:  ClassBounce,
			reason: "from: mailer-daemon",
			bounce: &Bounce{OriginalMessageID: "klh.reply.0c4f@layanan.example.go.id"},
		}},
		{"X11-out-of-office-indonesian-subject.eml", fixtureWant{class: ClassAutoReply, reason: "subject: out of office"}},
		{"X12-out-of-office-english-gmail.eml", fixtureWant{class: ClassAutoReply, reason: "x-autoreply"}},
		{"X13-list-precedence-only.eml", fixtureWant{class: ClassList, reason: "precedence: list"}},
		{"X14-loop-own-acknowledgment.eml", fixtureWant{class: ClassLoop, reason: "loop-header: X-Keluhan-Loop"}},
		{"X15-attachment-names.eml", fixtureWant{
			class: ClassPerson,
			attachments: []Attachment{
				{Index: 1, Filename: "Surat Keterangan – Kuasa.pdf", ContentType: "application/pdf", Size: 21,
					SHA256: "435f6a0bc6006615d8ef7b6bf4ce160568c2470a02f619f84dff37a837acbc5a"},
				{Index: 2, Filename: "Bukti Pembayaran José.pdf", ContentType: "application/pdf", Size: 21,
					SHA256: "073215956bcad7f56044afb295652d09cd2ca10304db0244d33011c4d54fefc4"},
				{Index: 3, Filename: "passwd", ContentType: "application/octet-stream", Size: 11,
					SHA256: "7cf1f940025c27c78e5e4a707519f0e06178702e6dc16722f3d48e13f5e60d9e"},
				{Index: 4, Filename: "lampiran-4.png", ContentType: "image/png", Size: 11,
					SHA256: "8c6a1b79ffd6b5078ac03198c63115090378eb8d93e21ab5c5cc49a74f7d8acd"},
				{Index: 5, Filename: "tagihanfdp.exe", ContentType: "application/octet-stream", Size: 10,
					SHA256: "73fa9a9329062a42ee1dd1b291097660ef2fcf8c1331aec861211c69d7becbda"},
				{Index: 6, Filename: "hidden.txt", ContentType: "text/plain", Size: 10,
					SHA256: "93b5583f5feb0af46b9140009560250e26e40fa800e26aafd4737f6930c28826"},
				{Index: 7, Filename: "bukti bayar.pdf", ContentType: "application/pdf", Size: 21,
					SHA256: "0bf25fb3c2d217af33a2318e27a807af986056258cfa90fd2bf88bde7ed35d7b"},
			},
		}},
		{"X16-html-body-with-plain-footer-part.eml", fixtureWant{
			class:     ClassPerson,
			text:      []string{"Status permohonan D002024088888 tidak berubah sejak Juni.\n-- \nPesan ini telah dipindai"},
			replyText: "Status permohonan D002024088888 tidak berubah sejak Juni.",
		}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := parseFixture(t, tt.file)
			checkFixture(t, tt.file, m, tt.want)
		})
	}
}

func checkFixture(t *testing.T, file string, m *Message, want fixtureWant) {
	t.Helper()
	if want.class != "" && m.Class != want.class {
		t.Errorf("Parse(%s).Class = %q (%s), want %q", file, m.Class, m.Reason, want.class)
	}
	if want.reason != "" && m.Reason != want.reason {
		t.Errorf("Parse(%s).Reason = %q, want %q", file, m.Reason, want.reason)
	}
	if want.keyPrefix != "" && !strings.HasPrefix(m.Key, want.keyPrefix) {
		t.Errorf("Parse(%s).Key = %q, want prefix %q", file, m.Key, want.keyPrefix)
	}
	for _, s := range want.text {
		if !strings.Contains(m.Text, s) {
			t.Errorf("Parse(%s).Text = %q, want it to contain %q", file, m.Text, s)
		}
	}
	for _, s := range want.notText {
		if strings.Contains(m.Text, s) {
			t.Errorf("Parse(%s).Text = %q, want it without %q", file, m.Text, s)
		}
	}
	if want.replyText != "" && m.ReplyText != want.replyText {
		t.Errorf("Parse(%s).ReplyText = %q, want %q", file, m.ReplyText, want.replyText)
	}
	if want.attachments != nil && !slices.Equal(m.Attachments, want.attachments) {
		t.Errorf("Parse(%s).Attachments = %+v, want %+v", file, m.Attachments, want.attachments)
	}
	if want.bounce != nil && (m.Bounce == nil || *m.Bounce != *want.bounce) {
		t.Errorf("Parse(%s).Bounce = %+v, want %+v", file, m.Bounce, want.bounce)
	}
	for _, w := range want.warnings {
		if !slices.ContainsFunc(m.Warnings, func(got string) bool { return strings.Contains(got, w) }) {
			t.Errorf("Parse(%s).Warnings = %q, want one containing %q", file, m.Warnings, w)
		}
	}
}

func TestParseHeaderFields(t *testing.T) {
	b02 := parseFixture(t, "B02-siti-outlook-pnbp.eml")
	c41 := parseFixture(t, "C41-outlook-reply-no-references.eml")
	if b02.ThreadIndex == "" || c41.ThreadIndex != b02.ThreadIndex {
		t.Errorf("Parse(C41).ThreadIndex = %q, want %q as in B02", c41.ThreadIndex, b02.ThreadIndex)
	}
	if got := b02.Header["Content-Language"]; !slices.Equal(got, []string{"id-ID"}) {
		t.Errorf("Parse(B02).Header[Content-Language] = %q, want [id-ID]", got)
	}

	c19 := parseFixture(t, "C19-date-header-swallows-folded-lines.eml")
	if got := c19.Date.UTC().Format("2006-01-02T15:04:05Z"); got != "2024-08-01T03:55:28Z" {
		t.Errorf("Parse(C19).Date = %s, want 2024-08-01T03:55:28Z", got)
	}

	c63 := parseFixture(t, "C63-staff-command-only-reply.eml")
	if len(c63.AuthResults) != 1 || !strings.HasPrefix(c63.AuthResults[0], "mx.layanan.example.go.id; spf=pass") {
		t.Errorf("Parse(C63).AuthResults = %q, want the one mx.layanan.example.go.id result", c63.AuthResults)
	}
	if c63.ReplyText != "#tutup Sudah diperbaiki" {
		t.Errorf("Parse(C63).ReplyText = %q, want %q", c63.ReplyText, "#tutup Sudah diperbaiki")
	}

	c21 := parseFixture(t, "C21-very-long-subject.eml")
	if strings.ContainsAny(c21.Subject, "\r\n") || !strings.HasSuffix(c21.Subject, "D002024000090") {
		t.Errorf("Parse(C21).Subject = %q, want one line ending in D002024000090", c21.Subject)
	}

	b01 := parseFixture(t, "B01-budi-gmail-login.eml")
	if !b01.HasReturnPath || b01.ReturnPath != "budi@contoh.go.id" {
		t.Errorf("Parse(B01) Return-Path = %q (present %v), want budi@contoh.go.id", b01.ReturnPath, b01.HasReturnPath)
	}
	if !slices.Equal(b01.Recipients, []string{"helpdesk@layanan.example.go.id"}) {
		t.Errorf("Parse(B01).Recipients = %q, want [helpdesk@layanan.example.go.id]", b01.Recipients)
	}
}

func TestParseReusedMessageID(t *testing.T) {
	a := parseFixture(t, "C17-reused-message-id-a.eml")
	b := parseFixture(t, "C17-reused-message-id-b.eml")
	if a.Key != b.Key || a.Key != "mid:3klmoZ1mRr8MHpDmsEMpr71782370995962@crm.kuasa.example.com" {
		t.Errorf("Parse(C17a, C17b).Key = %q, %q, want both mid:3klmoZ1mRr8MHpDmsEMpr71782370995962@crm.kuasa.example.com", a.Key, b.Key)
	}
	if a.ContentHash == b.ContentHash {
		t.Errorf("Parse(C17a).ContentHash = Parse(C17b).ContentHash = %s, want them to differ", a.ContentHash)
	}
}

func TestParseRedeliveryHashesEqual(t *testing.T) {
	raw := readCorpusFile(t, "B01-budi-gmail-login.eml")
	trace := "Delivered-To: helpdesk@layanan.example.go.id\r\n" +
		"X-Original-To: helpdesk@layanan.example.go.id\r\n" +
		"Authentication-Results: mx2.layanan.example.go.id; spf=pass\r\n" +
		"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=google.example; s=arc\r\n" +
		"DKIM-Signature: v=1; a=rsa-sha256; d=contoh.go.id; s=s1; b=abc\r\n" +
		"Received: from relay.example (relay.example [192.0.2.9])\r\n\tby mx2.layanan.example.go.id; Mon, 5 Aug 2024 09:12:40 +0700\r\n"
	again := []byte(trace + strings.ReplaceAll(string(raw), "\r\n", "\n"))

	first, err := Parse(raw, testOptions)
	if err != nil {
		t.Fatalf("Parse(B01) error = %v", err)
	}
	second, err := Parse(again, testOptions)
	if err != nil {
		t.Fatalf("Parse(B01 redelivered) error = %v", err)
	}
	if first.ContentHash != second.ContentHash {
		t.Errorf("Parse(B01 redelivered).ContentHash = %s, want %s", second.ContentHash, first.ContentHash)
	}
	if first.RawSHA256 == second.RawSHA256 {
		t.Errorf("Parse(B01 redelivered).RawSHA256 = %s, want it to differ from the first delivery", second.RawSHA256)
	}
	if first.Text != second.Text {
		t.Errorf("Parse(B01 with LF line ends).Text = %q, want %q", second.Text, first.Text)
	}
}

func TestParseDegenerateInput(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantErr  bool
		wantText string
		warning  string
	}{
		{name: "empty", raw: "", wantErr: true},
		{name: "blank lines", raw: "\r\n\r\n  \r\n", wantErr: true},
		{name: "no header", raw: "Tolong bantu saya.\r\nTerima kasih.\r\n", wantText: "Tolong bantu saya.\nTerima kasih.", warning: "no header fields"},
		{name: "header only", raw: "Subject: Halo\r\nFrom: a@example.com\r\n", wantText: ""},
		{name: "mbox From line", raw: "From a@example.com Mon Aug  5 09:00:00 2024\nFrom: a@example.com\nSubject: Halo\n\nIsi pesan.\n", wantText: "Isi pesan.", warning: "malformed header"},
		{name: "broken header line", raw: "From: a@example.com\r\nthis line has no colon\r\nSubject: Halo\r\n\r\nIsi.\r\n", wantText: "Isi.", warning: "malformed header: 1 lines dropped"},
		{name: "leading continuation", raw: " folded\r\nSubject: Halo\r\n\r\nIsi.\r\n", wantText: "Isi."},
		{name: "binary garbage", raw: "\x00\x01\x02\xff\xfe", wantText: "ÿþ", warning: "no header fields"},
		{name: "lone CR line ends", raw: "Subject: Halo\rFrom: a@example.com\r\rIsi.", wantText: ""},
		{name: "multipart empty boundary", raw: "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\nIsi saja.\r\n", wantText: "Isi saja."},
		{name: "multipart with only preamble", raw: "Content-Type: multipart/mixed; boundary=x\r\n\r\npreamble\r\n--x--\r\n", wantText: ""},
		{name: "nested too deep", raw: deepMultipart(40), wantText: "", warning: "nested deeper than"},
		{name: "too many parts", raw: manyParts(1500), wantText: "", warning: "more than 1000 parts"},
		{name: "invalid content type", raw: "Content-Type: text\r\n\r\nIsi.\r\n", wantText: "Isi.", warning: "invalid Content-Type"},
		{name: "unknown transfer encoding", raw: "Content-Transfer-Encoding: x-uuencode\r\n\r\nIsi.\r\n", wantText: "Isi.", warning: "unknown Content-Transfer-Encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), ParseOptions{})
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("Parse(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrUnreadable) {
				t.Errorf("Parse(%s) error = %v, want ErrUnreadable", tt.name, err)
			}
			if m == nil || m.Key == "" || m.RawSHA256 == "" || m.Size != int64(len(tt.raw)) {
				t.Fatalf("Parse(%s) = %+v, want a Message with Key, RawSHA256 and Size", tt.name, m)
			}
			if !tt.wantErr && m.Text != tt.wantText {
				t.Errorf("Parse(%s).Text = %q, want %q", tt.name, m.Text, tt.wantText)
			}
			if tt.warning != "" && !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("Parse(%s).Warnings = %q, want one containing %q", tt.name, m.Warnings, tt.warning)
			}
		})
	}
}

// manyParts returns a multipart message of n small attachments.
func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=p\r\n\r\n")
	for range n {
		b.WriteString("--p\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
	}
	b.WriteString("--p--\r\n")
	return b.String()
}

// deepMultipart returns a message of depth nested multipart/mixed parts.
func deepMultipart(depth int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nDalam sekali.\r\n", depth-1)
	return b.String()
}

func TestParseHugeHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		warning string
	}{
		{"many fields", strings.Repeat("X-Filler: "+strings.Repeat("a", 90)+"\r\n", 12000), "exceeds 1048576 bytes"},
		{"one folded field", "Subject: " + strings.Repeat("kata panjang\r\n ", 60000) + "\r\n", "Subject of"},
		{"many recipients", "To: " + manyAddresses(40000) + "\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte("From: a@example.com\r\n" + tt.header + "Content-Type: text/plain\r\n\r\nIsi pesan tetap terbaca.\r\n")
			m, err := Parse(raw, ParseOptions{})
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", tt.name, err)
			}
			if m.Text != "Isi pesan tetap terbaca." {
				t.Errorf("Parse(%s).Text = %q, want %q", tt.name, m.Text, "Isi pesan tetap terbaca.")
			}
			if len(m.Subject) > maxSubjectBytes+3 {
				t.Errorf("Parse(%s) Subject length = %d, want at most %d", tt.name, len(m.Subject), maxSubjectBytes+3)
			}
			if tt.warning != "" && !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("Parse(%s).Warnings = %q, want one containing %q", tt.name, m.Warnings, tt.warning)
			}
		})
	}
}

func manyAddresses(n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf("orang%d@example.com", i)
	}
	return strings.Join(list, ", ")
}
