package workflow

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCommands checks that any reply text parses without panicking,
// that every command comes from a line starting with '#', and that
// commands that take text are never empty-worded.
func FuzzParseCommands(f *testing.F) {
	for _, seed := range []string{
		"#teknis", "#tutup Sudah diperbaiki", "#balas Yth.\nBaris dua\n#akar x\n#cegah y",
		"#atasnama Budi <budi@contoh.go.id>\n#saluran whatsapp\n\nIsi", "#1 daftar", "# kosong",
		"#tutup <penyelesaian>", "> #tutup dikutip", "#TUTUP: besar", "\r\n#catatan\r\n", "#\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range ParseCommands(text) {
			if !strings.HasPrefix(c.Line, "#") {
				t.Fatalf("command %+v from a line not starting with '#'", c)
			}
			if c.Verb == "" {
				t.Fatalf("command %+v without a verb", c)
			}
			if utf8.ValidString(text) && !utf8.ValidString(c.Arg) {
				t.Fatalf("argument %q of valid text is not valid UTF-8", c.Arg)
			}
		}
	})
}
