package workflow

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCommands(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []Command
	}{
		{"single", "#teknis", []Command{{Verb: VerbTechnical, Line: "#teknis", Known: true}}},
		{"english alias and case", "#Close Fixed the login.", []Command{{Verb: VerbClose, Arg: "Fixed the login.", Line: "#Close Fixed the login.", Known: true}}},
		{"colon form", "#tutup: Sudah diperbaiki", []Command{{Verb: VerbClose, Arg: "Sudah diperbaiki", Line: "#tutup: Sudah diperbaiki", Known: true}}},
		{"multi-line reply", "#balas Yth. Bapak,\nAkun sudah dibuka.\n\nSalam", []Command{{Verb: VerbReply, Arg: "Yth. Bapak,\nAkun sudah dibuka.\n\nSalam", Line: "#balas Yth. Bapak,", Known: true}}},
		{"two commands", "#akar Antrean penuh\n#tutup Selesai", []Command{
			{Verb: VerbRootCause, Arg: "Antrean penuh", Line: "#akar Antrean penuh", Known: true},
			{Verb: VerbClose, Arg: "Selesai", Line: "#tutup Selesai", Known: true}}},
		{"text before is ignored", "Baik, saya tangani.\n#nonteknis", []Command{{Verb: VerbNonTechnical, Line: "#nonteknis", Known: true}}},
		{"list marker is no command", "#1 langkah pertama", nil},
		{"misspelt command", "#tutp semua", []Command{{Verb: "tutp", Arg: "semua", Line: "#tutp semua", Known: false}}},
		{"hashtag is text", "#BanggaMelayaniBangsa", nil},
		{"no-break space after the word", "#tutup\u00a0Akun sudah aktif", []Command{{Verb: VerbClose, Arg: "Akun sudah aktif", Line: "#tutup\u00a0Akun sudah aktif", Known: true}}},
		{"tab after the word", "#catatan\tcek log", []Command{{Verb: VerbNote, Arg: "cek log", Line: "#catatan\tcek log", Known: true}}},
		{"indented", "   #catatan   cek log  ", []Command{{Verb: VerbNote, Arg: "cek log", Line: "#catatan   cek log", Known: true}}},
		{"on behalf takes one line", "#atasnama Budi <budi@contoh.go.id>\nIsi keluhan", []Command{{Verb: VerbOnBehalf, Arg: "Budi <budi@contoh.go.id>", Line: "#atasnama Budi <budi@contoh.go.id>", Known: true}}},
		{"no commands", "Terima kasih atas informasinya.", nil},
		{"command list placeholder", "#tutup <penyelesaian>    Tutup keluhan", nil},
		{"address in angle brackets is text", "#balas <budi@contoh.go.id> sudah dihubungi", []Command{{Verb: VerbReply, Arg: "<budi@contoh.go.id> sudah dihubungi", Line: "#balas <budi@contoh.go.id> sudah dihubungi", Known: true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseCommands(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseCommands(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseCommandsBounded(t *testing.T) {
	text := strings.Repeat("#tutup palsu\n", 5000)
	if got := len(ParseCommands(text)); got != MaxCommands {
		t.Errorf("ParseCommands(5000 lines) = %d commands, want %d", got, MaxCommands)
	}
}
