package main

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Help and output texts of the subcommands.
var (
	helpRoot       = text{"keluhan menjalankan prosedur penanganan keluhan layanan lewat email", "keluhan runs a service desk's complaint procedure over email"}
	helpConfigFlag = text{"berkas konfigurasi YAML (bawaan: keluhan.yaml atau $KELUHAN_CONFIG)", "YAML configuration file (default: keluhan.yaml or $KELUHAN_CONFIG)"}
	helpServe      = text{"jalankan layanan: pantau kotak surat, proses keluhan, kirim email", "run the service: watch the mailbox, process complaints, send email"}
	helpDemo       = text{"peragaan lengkap di mesin ini tanpa server apa pun", "a complete demonstration on this machine with no servers at all"}
	helpConfig     = text{"periksa konfigurasi", "check the configuration"}
	helpCheck      = text{"tampilkan setiap masalah konfigurasi beserta kunci dan perbaikannya", "print every configuration problem with its key and fix"}
	helpInspect    = text{"tampilkan apa yang dilihat keluhan dari satu berkas .eml, tanpa menghubungi server", "show what keluhan sees in one .eml file, without contacting any server"}
	helpJSON       = text{"keluaran dalam JSON", "output as JSON"}
	helpTicket     = text{"lihat dan buka tiket", "view and open tickets"}
	helpList       = text{"daftar tiket", "list tickets"}
	helpShow       = text{"tampilkan satu tiket dengan riwayat dan tenggat tiap langkah", "show one ticket with its timeline and each step's deadline"}
	helpState      = text{"hanya tiket dengan status ini: baru, insiden, eskalasi, tindak_lanjut, menunggu, selesai", "only tickets in this state: new, incident, escalated, follow_up, waiting, closed"}
	helpSince      = text{"hanya tiket yang diterima sejak tanggal ini (YYYY-MM-DD)", "only tickets received since this date (YYYY-MM-DD)"}
	helpLimit      = text{"jumlah baris paling banyak", "maximum number of rows"}
	helpOutbox     = text{"lihat dan kirim ulang antrean email keluar", "view and retry the outgoing email queue"}
	helpOutboxList = text{"daftar email keluar", "list outgoing email"}
	helpStatus     = text{"hanya email dengan status ini: menunggu, dikirim, terkirim, gagal, ditahan", "only rows with this status: pending, sending, sent, failed, suppressed"}
	helpRetry      = text{"kirim ulang email yang gagal (satu kunci, atau semua dengan --all)", "retry failed email (one key, or all with --all)"}
	helpAll        = text{"semua baris yang gagal", "every failed row"}
	helpTriage     = text{"alat triase kata kunci", "keyword triage tools"}
	helpEval       = text{"ukur akurasi triase pada berkas JSONL berlabel", "measure triage accuracy on a labelled JSONL file"}
	helpIgnored    = text{"tampilkan email yang disimpan tetapi tidak diproses (balasan otomatis, milis, email kita sendiri)", "list email kept but not processed (automatic replies, list posts, our own mail)"}
	helpQuarantine = text{"daftar email yang ditahan (karantina) beserta alasannya", "list held (quarantined) email with the reason"}

	msgErrorPrefix      = text{"galat:", "error:"}
	msgConfigUnreadable = text{"konfigurasi %s tidak dapat dibaca", "configuration %s cannot be read"}
	msgNoTickets        = text{"Tidak ada tiket.", "No tickets."}
	msgNoOutbox         = text{"Antrean email keluar kosong.", "The outbox is empty."}
	msgNoQuarantine     = text{"Tidak ada email yang ditahan.", "No email is held."}
	msgNoIgnored        = text{"Tidak ada email yang disimpan tanpa diproses.", "No email was kept without processing."}
	msgRetried          = text{"%d email dijadwalkan untuk dikirim ulang.", "%d emails scheduled for another attempt."}
	msgTicketNotFound   = text{"tiket %s tidak ditemukan", "ticket %s not found"}
	msgBadDate          = text{"tanggal tidak valid %q: gunakan YYYY-MM-DD", "invalid date %q: use YYYY-MM-DD"}
	msgBadState         = text{"status tidak dikenal %q: gunakan baru, insiden, eskalasi, tindak_lanjut, menunggu atau selesai (atau new, incident, escalated, follow_up, waiting, closed)", "unknown state %q: use new, incident, escalated, follow_up, waiting or closed"}
	msgBadStatus        = text{"status email tidak dikenal %q: gunakan menunggu, dikirim, terkirim, gagal atau ditahan (atau pending, sending, sent, failed, suppressed)", "unknown email status %q: use pending, sending, sent, failed or suppressed"}
	msgNoSuchRow        = text{"tidak ada email keluar dengan kunci %q; lihat kuncinya dengan keluhan outbox list", "no outgoing email has the key %q; see the keys with keluhan outbox list"}
	msgNotRetryable     = text{"email %q tidak gagal atau ditahan, jadi tidak perlu dikirim ulang", "email %q has not failed or been suppressed, so there is nothing to retry"}
	msgServeRunning     = text{"proses keluhan lain (keluhan serve, atau perintah seperti export atau report) sedang memegang folder data yang sama; tunggu sampai selesai atau hentikan dulu", "another keluhan process (keluhan serve, or a command such as export or report) holds the same data folder; wait for it to finish or stop it first"}
	msgNotOwner         = text{"perintah ini mengubah data yang sedang dipegang keluhan serve; jalankan setelah layanan dihentikan", "this command changes data that keluhan serve holds; run it after stopping the service"}
	msgManualInvalid    = text{"keluhan tidak dapat dicatat: perihal wajib diisi dan pelapor perlu email atau nomor telepon", "the complaint cannot be entered: a subject is required and the requester needs an email address or a phone number"}
	msgNoStore          = text{"folder data %s belum berisi data keluhan; periksa data_dir di %s (keluhan serve membuatnya saat pertama kali dijalankan, keluhan demo --data-dir FOLDER mengisinya dengan data peragaan)", "the data folder %s holds no complaint data yet; check data_dir in %s (keluhan serve creates it on its first run, keluhan demo --data-dir FOLDER fills it with demonstration data)"}
	msgNeedKeyOrAll     = text{"sebutkan kunci email atau gunakan --all", "name an email key or use --all"}
)

// flagValueNames are the Indonesian names of pflag's value types, as the
// flag list shows them after a flag's name.
var flagValueNames = map[string]string{
	"string": "teks", "stringArray": "teks", "strings": "teks",
	"int": "angka", "uint32": "angka", "float64": "angka", "duration": "durasi",
}

// flagLine splits a line of pflag's flag list into the flag's names, its
// value type and the padding before the usage text.
var flagLine = regexp.MustCompile(`^(\s+(?:-\S, )?--\S+) (\S+)( +)`)

// flagUsagesID returns pflag's flag list in Indonesian: value types
// renamed within the same width, so the columns stay aligned, and
// "(default X)" as "(bawaan: X)", dropped where the usage text already
// gives its default.
func flagUsagesID(flags *pflag.FlagSet) string {
	lines := strings.Split(flags.FlagUsages(), "\n")
	for i, line := range lines {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			if name, ok := flagValueNames[m[2]]; ok {
				width := len(m[2]) + len(m[3])
				pad := max(width-len(name), 1)
				line = m[1] + " " + name + strings.Repeat(" ", pad) + line[len(m[0]):]
			}
		}
		if at := strings.LastIndex(line, " (default "); at >= 0 {
			if strings.Contains(line[:at], "(bawaan") {
				line = line[:at]
			} else {
				line = line[:at] + " (bawaan: " + line[at+len(" (default "):]
			}
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// localizeCobra replaces cobra's English usage headings.
func localizeCobra(root *cobra.Command, p printer) {
	if p.lang == "en" {
		return
	}
	tmpl := root.UsageTemplate()
	for _, pair := range [][2]string{
		{`Use "{{.CommandPath}} [command] --help" for more information about a command.`, `Gunakan "{{.CommandPath}} [perintah] --help" untuk keterangan tentang sebuah perintah.`},
		{"Global Flags:", "Opsi umum:"},
		{"Additional help topics:", "Topik bantuan lain:"},
		{"Available Commands:", "Perintah yang tersedia:"},
		{"Additional Commands:", "Perintah lain:"},
		{"Usage:", "Penggunaan:"},
		{"Aliases:", "Alias:"},
		{"Examples:", "Contoh:"},
		{"Flags:", "Opsi:"},
		{"[command]", "[perintah]"},
		{"{{.UseLine}}", "{{useLineID .}}"},
		{"{{.LocalFlags.FlagUsages", "{{flagUsagesID .LocalFlags"},
		{"{{.InheritedFlags.FlagUsages", "{{flagUsagesID .InheritedFlags"},
	} {
		tmpl = strings.ReplaceAll(tmpl, pair[0], pair[1])
	}
	cobra.AddTemplateFunc("useLineID", func(c *cobra.Command) string {
		return strings.Replace(c.UseLine(), "[flags]", "[opsi]", 1)
	})
	cobra.AddTemplateFunc("flagUsagesID", flagUsagesID)
	root.SetUsageTemplate(tmpl)
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [perintah]",
		Short: "bantuan tentang perintah apa pun",
		Run: func(c *cobra.Command, args []string) {
			target, _, err := c.Root().Find(args)
			if target == nil || err != nil {
				target = c.Root()
			}
			_ = target.Help() // help goes to the terminal; a write error has no one to tell
		},
	})
	root.InitDefaultHelpFlag()
	if f := root.Flags().Lookup("help"); f != nil {
		f.Usage = "bantuan untuk perintah ini"
	}
	root.CompletionOptions.DisableDefaultCmd = true
}

// Cobra's and pflag's messages about a wrong command line, rewritten by
// cobraMessage. The usage line (%s at the end of the argument messages)
// shows what the command expects.
var (
	msgUnknownCommand   = text{"perintah %q tidak dikenal di %s", "unknown command %q for %s"}
	msgDidYouMean       = text{"mungkin maksud Anda %s?", "did you mean %s?"}
	msgSeeHelp          = text{"(lihat %s --help)", "(see %s --help)"}
	msgInvalidArgument  = text{"argumen %q tidak dikenal oleh %s", "invalid argument %q for %s"}
	msgUnknownFlag      = text{"opsi %s tidak dikenal (lihat %s --help)", "unknown flag %s (see %s --help)"}
	msgUnknownShorthand = text{"opsi singkat %s (dalam %s) tidak dikenal (lihat %s --help)", "unknown shorthand flag %s (in %s) (see %s --help)"}
	msgFlagNeedsValue   = text{"opsi %s memerlukan nilai", "flag %s needs a value"}
	msgInvalidFlagValue = text{"nilai %q tidak valid untuk opsi %s: %s", "invalid value %q for flag %s: %s"}
	msgValueOutOfRange  = text{"angkanya di luar rentang", "the number is out of range"}
	msgWantWholeNumber  = text{"isi dengan bilangan bulat", "use a whole number"}
	msgWantNumber       = text{"isi dengan angka", "use a number"}
	msgWantBool         = text{"isi dengan true atau false", "use true or false"}
	msgWantDuration     = text{"isi dengan durasi, misalnya 30s atau 24h", "use a duration such as 30s or 24h"}
	msgArgsExact        = text{"%s memerlukan tepat %d argumen, tetapi diberi %d (penggunaan: %s)", "%s takes exactly %d {2:argument|arguments}, but got %d (usage: %s)"}
	msgArgsAtMost       = text{"%s menerima paling banyak %d argumen, tetapi diberi %d (penggunaan: %s)", "%s takes at most %d {2:argument|arguments}, but got %d (usage: %s)"}
	msgArgsAtLeast      = text{"%s memerlukan paling sedikit %d argumen, tetapi hanya diberi %d (penggunaan: %s)", "%s needs at least %d {2:argument|arguments}, but got only %d (usage: %s)"}
	msgArgsBetween      = text{"%s memerlukan %d sampai %d argumen, tetapi diberi %d (penggunaan: %s)", "%s takes %d to %d arguments, but got %d (usage: %s)"}
	msgRequiredFlags    = text{"opsi wajib belum diisi: %s", "required flags are not set: %s"}
	msgBadFlagSyntax    = text{"penulisan opsi tidak valid: %s", "bad flag syntax: %s"}
)
