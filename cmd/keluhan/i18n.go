package main

import (
	"fmt"
	"regexp"
	"strconv"
)

// text is one message of the command line in both languages. Arguments
// follow fmt verbs. A word that changes with a number is written
// {N:one|other}, N being the argument (from 1) that holds the number:
// "%d {1:error|errors}". Indonesian needs no such forms.
type text struct{ id, en string }

// pluralForm matches {N:one|other} in a message.
var pluralForm = regexp.MustCompile(`\{(\d+):([^{}|]*)\|([^{}|]*)\}`)

// printer writes command-line text in the configured language.
type printer struct{ lang string }

// t returns the message in the printer's language, formatted.
func (p printer) t(m text, args ...any) string {
	s := m.id
	if p.lang == "en" {
		s = m.en
	}
	if len(args) == 0 {
		return s
	}
	s = pluralForm.ReplaceAllStringFunc(s, func(form string) string {
		m := pluralForm.FindStringSubmatch(form)
		n, _ := strconv.Atoi(m[1]) // the pattern matched digits only
		if n < 1 || n > len(args) {
			return form
		}
		if count, ok := args[n-1].(int); ok && count == 1 {
			return m[2]
		}
		return m[3]
	})
	return fmt.Sprintf(s, args...)
}

// Configuration problems: the message says what is wrong, the fix what
// to do. Each takes the offending value where there is one.
var (
	msgRequired             = text{"wajib diisi", "is required"}
	msgFixRequired          = text{"isi nilai %s", "set a value for %s"}
	msgInvalidAddress       = text{"alamat email tidak valid: %q", "invalid email address: %q"}
	msgFixAddress           = text{"tulis alamat lengkap, misalnya helpdesk@layanan.example.go.id", "write a full address such as helpdesk@layanan.example.go.id"}
	msgInvalidHostPort      = text{"alamat server tidak valid: %q", "invalid server address: %q"}
	msgFixHostPort          = text{"tulis host:port, misalnya mail.layanan.example.go.id:993", "write host:port, for example mail.layanan.example.go.id:993"}
	msgInvalidChoice        = text{"nilai %q tidak dikenal", "unknown value %q"}
	msgFixChoice            = text{"pilih salah satu: %s", "choose one of: %s"}
	msgInvalidDuration      = text{"durasi tidak valid: %q", "invalid duration: %q"}
	msgFixDuration          = text{"tulis misalnya 30s, 24h atau 14d", "write for example 30s, 24h or 14d"}
	msgInvalidWorkDur       = text{"durasi kerja tidak valid: %q", "invalid working duration: %q"}
	msgFixWorkDur           = text{"tulis misalnya 1d (1 hari kerja), 4h (4 jam kerja) atau 1d4h", "write for example 1d (1 working day), 4h (4 working hours) or 1d4h"}
	msgInvalidZone          = text{"zona waktu tidak dikenal: %q", "unknown time zone: %q"}
	msgFixZone              = text{"gunakan nama IANA, misalnya Asia/Jakarta, Asia/Makassar atau Asia/Jayapura", "use an IANA name such as Asia/Jakarta"}
	msgInvalidPrefix        = text{"awalan nomor tiket tidak valid: %q", "invalid ticket prefix: %q"}
	msgFixPrefix            = text{"gunakan 2 sampai 8 huruf kapital, misalnya KLH", "use 2 to 8 capital letters, for example KLH"}
	msgDataDirChars         = text{"folder data %q memuat %%, ? atau #, yang tidak dapat dipakai oleh penyimpanan bawaan (FerretDB)", "data folder %q contains %%, ? or #, which the embedded store (FerretDB) cannot use"}
	msgFixDataDirChars      = text{"pilih jalur folder tanpa tanda %, ? dan #", "choose a folder path without %, ? and #"}
	msgDataDirLong          = text{"jalur folder data %q terlalu panjang (%d bita) untuk soket penyimpanan bawaan, sehingga FerretDB membuka port loopback tanpa kata sandi", "the data folder path %q is too long (%d bytes) for the embedded store's socket, so FerretDB opens a loopback port without a password"}
	msgFixDataDirLong       = text{"pilih jalur folder data paling panjang %d bita", "choose a data folder path of at most %d bytes"}
	msgNoPassword           = text{"kata sandi belum diatur", "no password is set"}
	msgFixPassword          = text{"atur variabel lingkungan %s atau %s_FILE (jangan tulis kata sandi di berkas konfigurasi)", "set the environment variable %s or %s_FILE (do not put passwords in the configuration file)"}
	msgNoToken              = text{"sumber token OAuth belum diatur", "no OAuth token source is set"}
	msgFixToken             = text{"isi %s.oauth_token_file atau %s.oauth_token_command", "set %s.oauth_token_file or %s.oauth_token_command"}
	msgNoSecret             = text{"rahasia token balasan belum diatur atau kurang dari 16 karakter", "the reply token secret is missing or shorter than 16 characters"}
	msgFixSecret            = text{"atur KELUHAN_TOKEN_SECRET, misalnya dari `openssl rand -hex 32`, atau matikan helpdesk.reply_tokens", "set KELUHAN_TOKEN_SECRET, for example from `openssl rand -hex 32`, or turn helpdesk.reply_tokens off"}
	msgNobodyInRole         = text{"belum ada orang dengan peran ini", "nobody has this role yet"}
	msgFixRole              = text{"tambahkan minimal satu alamat (name, address) di %s", "add at least one address (name, address) to %s"}
	msgDuplicatePerson      = text{"alamat %s muncul di lebih dari satu peran", "address %s appears in more than one role"}
	msgFixDuplicate         = text{"satu alamat hanya boleh punya satu peran", "give each address one role only"}
	msgIsHelpdesk           = text{"alamat %s sama dengan alamat helpdesk", "address %s is the help desk's own address"}
	msgFixIsHelpdesk        = text{"gunakan alamat pribadi petugas, bukan alamat helpdesk", "use the person's own address, not the help desk's"}
	msgRange                = text{"nilai %v di luar rentang %s", "value %v outside the range %s"}
	msgFixRange             = text{"pilih nilai di dalam rentang %s", "choose a value within %s"}
	msgUnreadable           = text{"berkas tidak dapat dibaca: %v", "file cannot be read: %v"}
	msgFixUnreadable        = text{"periksa jalur dan isi berkas", "check the path and the file's content"}
	msgInsecure             = text{"verifikasi sertifikat dimatikan", "certificate verification is off"}
	msgFixInsecure          = text{"hapus insecure: true kecuali server ada di jaringan lokal yang tepercaya", "remove insecure: true unless the server is on a trusted local network"}
	msgPlainText            = text{"koneksi tanpa enkripsi ke server bukan lokal", "unencrypted connection to a server that is not local"}
	msgFixPlainText         = text{"gunakan tls: implicit atau starttls", "use tls: implicit or starttls"}
	msgFixPlainTextInsecure = text{"gunakan tls: implicit atau starttls; bila server memang tanpa enkripsi, izinkan secara tegas dengan %s.insecure: true", "use tls: implicit or starttls; if the server really has no encryption, allow it explicitly with %s.insecure: true"}
	msgNoTrust              = text{"tidak ada server tepercaya; perintah staf hanya dibuktikan dengan token balasan", "no trusted server; staff commands are proved by reply tokens only"}
	msgFixTrust             = text{"isi authserv-id server penerima surat Anda, misalnya mx.layanan.example.go.id", "add the authserv-id of your receiving mail server, for example mx.layanan.example.go.id"}
	msgInvalidSize          = text{"ukuran tidak valid: %q", "invalid size: %q"}
	msgFixSize              = text{"tulis misalnya 25MB atau 512KB", "write for example 25MB or 512KB"}
	msgInvalidHours         = text{"jam kerja tidak valid: %q", "invalid working hours: %q"}
	msgFixHours             = text{"tulis jam mulai dan selesai, misalnya 08:00-16:00", "write start and end, for example 08:00-16:00"}
	msgInvalidDay           = text{"hari kerja tidak dikenal: %q", "unknown working day: %q"}
	msgFixDay               = text{"gunakan mon, tue, wed, thu, fri, sat, sun", "use mon, tue, wed, thu, fri, sat, sun"}
	msgInvalidURI           = text{"URI MongoDB tidak valid", "invalid MongoDB URI"}
	msgFixURI               = text{"URI harus diawali mongodb:// atau mongodb+srv://; kosongkan untuk penyimpanan tertanam", "the URI must start with mongodb:// or mongodb+srv://; leave it empty for the embedded store"}

	msgSecretTwice     = text{"%s dan %s_FILE keduanya diatur; yang dipakai %[1]s", "%s and %s_FILE are both set; %[1]s is used"}
	msgFixSecretTwice  = text{"hapus salah satu: %s atau %s_FILE", "unset one of %s and %s_FILE"}
	msgSecretInFile    = text{"rahasia tertulis di berkas konfigurasi", "a secret is written in the configuration file"}
	msgFixSecretInFile = text{"pindahkan ke variabel lingkungan %s atau %s_FILE, lalu hapus dari berkas", "move it to the environment variable %s or %s_FILE and remove it from the file"}
	msgLineColumn      = text{"baris %d kolom %d", "line %d column %d"}
	msgSyntax          = text{"berkas konfigurasi tidak dapat dibaca: %s", "the configuration file cannot be read: %s"}
	msgFixSyntax       = text{"periksa ejaan dan isi kunci di baris itu; semua kunci yang sah ada di keluhan.example.yaml", "check the spelling and value of the key on that line; every valid key is in keluhan.example.yaml"}
	msgSecretFile      = text{"berkas rahasia %s tidak dapat dibaca: %v", "secret file %s cannot be read: %v"}
	msgFixSecretFile   = text{"periksa jalur di %s dan hak bacanya", "check the path in %s and its read permission"}
	msgNoConfig        = text{"berkas konfigurasi %s tidak ada; salin keluhan.example.yaml menjadi keluhan.yaml atau tunjuk berkas lain dengan --config", "configuration file %s does not exist; copy keluhan.example.yaml to keluhan.yaml or name another file with --config"}

	msgCheckOK       = text{"Konfigurasi %s baik: tidak ada masalah.", "Configuration %s is fine: no problems."}
	msgCheckProblems = text{"Konfigurasi %s: %d galat, %d peringatan.", "Configuration %s: %d {2:error|errors}, %d {3:warning|warnings}."}
	msgSeverityError = text{"GALAT", "ERROR"}
	msgSeverityWarn  = text{"PERINGATAN", "WARNING"}
	msgFix           = text{"Perbaikan", "Fix"}
)
