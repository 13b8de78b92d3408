package ingest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxFuzzSeedBytes keeps large corpus files out of the fuzz seeds, where
// they would slow every mutation down.
const maxFuzzSeedBytes = 64 << 10

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil {
		f.Fatalf("list corpus: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatalf("read %s: %v", file, err)
		}
		if len(raw) <= maxFuzzSeedBytes {
			f.Add(raw)
		}
	}

	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, testOptions)
		if m == nil || m.Key == "" || m.RawSHA256 == "" {
			t.Fatalf("Parse(%q) = %+v, %v, want a Message with Key and RawSHA256", raw, m, err)
		}
		checkParsedMessage(t, raw, m)
	})
}

// checkParsedMessage checks the invariants Parse promises for any input.
func checkParsedMessage(t *testing.T, raw []byte, m *Message) {
	t.Helper()
	oneLine := map[string]string{"Subject": m.Subject, "MessageID": m.MessageID, "ReturnPath": m.ReturnPath}
	if m.From != nil {
		oneLine["From.Name"], oneLine["From.Address"] = m.From.Name, m.From.Address
	}
	for name, value := range oneLine {
		if strings.ContainsAny(value, "\r\n") || !utf8.ValidString(value) {
			t.Errorf("Parse(%q).%s = %q, want valid UTF-8 on one line", raw, name, value)
		}
	}
	for name, value := range map[string]string{"Text": m.Text, "ReplyText": m.ReplyText, "HTML": m.HTML} {
		if !utf8.ValidString(value) {
			t.Errorf("Parse(%q).%s is not valid UTF-8", raw, name)
		}
	}
	for _, a := range m.Attachments {
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") || len(a.Filename) > maxFilenameBytes {
			t.Errorf("Parse(%q) attachment name %q, want a safe non-empty name", raw, a.Filename)
		}
		got, err := ExtractAttachment(raw, a.Index, io.Discard)
		if err != nil || got != a {
			t.Errorf("ExtractAttachment(%q, %d) = %+v, %v, want %+v", raw, a.Index, got, err, a)
		}
	}
}

func FuzzStripReply(f *testing.F) {
	for _, seed := range []string{
		"Sudah.\n\nPada Sen, 5 Agu 2024 pukul 10.02 Helpdesk <\nhelpdesk@x.example> menulis:\n> a\n",
		"#tutup Sudah\r\n\r\n-----Original Message-----\r\nFrom: a\r\nSent: b\r\nTo: c\r\nSubject: d\r\n",
		"Kronologi:\n____\n\n1. a--b\n\n-- \nAndi\n",
		"a\n\nDikirim dari iPhone saya\n\n> On 5 Aug 2024, at 10:02, X <x@y> wrote:\n",
		"Dari: a\nDikirim: b\nKepada: c\nSubjek: d\n",
		"\x8a0",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := StripReply(text)
		if !utf8.ValidString(got) {
			t.Errorf("StripReply(%q) = %q, want valid UTF-8", text, got)
		}
		// Invalid bytes become U+FFFD, which is longer; valid text only
		// loses lines.
		if utf8.ValidString(text) && len(got) > len(text) {
			t.Errorf("StripReply(%q) = %q, longer than its input", text, got)
		}
	})
}

func FuzzStripHTMLReply(f *testing.F) {
	for _, seed := range []string{
		`<div>a</div><div class="gmail_quote"><blockquote>b</blockquote></div>`,
		`<div>a</div><hr><div id="divRplyFwdMsg"><b>From:</b> x</div><div>b</div>`,
		`<p>a</p><div class="moz-cite-prefix">On x wrote:</div><blockquote type="cite">b</blockquote>`,
		`<table><tr><td>a<td>b</table><a href="mailto:x@y">x</a><img alt="c" src="cid:d">`,
		strings.Repeat("<b>", 600),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, source string) {
		got := StripHTMLReply(source)
		if !utf8.ValidString(got) {
			t.Errorf("StripHTMLReply(%q) = %q, want valid UTF-8", source, got)
		}
	})
}
