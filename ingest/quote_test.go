package ingest

import "testing"

func TestStripReply(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "gmail indonesian",
			in: "Sudah saya coba, tetap gagal.\n\n" +
				"Pada Sen, 5 Agu 2024 pukul 10.02 Helpdesk Layanan Merek <helpdesk@layanan.example.go.id> menulis:\n\n" +
				"> Silakan coba reset kata sandi.\n>\n> Salam,\n> Helpdesk\n",
			want: "Sudah saya coba, tetap gagal.",
		},
		{
			name: "gmail english wrapped at the address",
			in: "Still failing after the reset.\n\n" +
				"On Mon, Aug 5, 2024 at 10:02 AM Helpdesk Layanan Merek <\nhelpdesk@layanan.example.go.id> wrote:\n\n" +
				"> Please reset your password.\n",
			want: "Still failing after the reset.",
		},
		{
			name: "gmail attribution over three lines",
			in: "Terima kasih, sudah bisa.\n\n" +
				"Pada tanggal Sen, 5 Agu 2024 pukul 10.02 Helpdesk Layanan Merek Direktorat\n" +
				"Jenderal Kekayaan Intelektual <helpdesk@layanan.example.go.id>\nmenulis:\n\n> Silakan coba lagi.\n",
			want: "Terima kasih, sudah bisa.",
		},
		{
			name: "gmail android",
			in:   "Oke pak\n\nPada Sen, 5 Agu 2024 10.02, Helpdesk <helpdesk@layanan.example.go.id> menulis:\n\n> Mohon konfirmasi.\n",
			want: "Oke pak",
		},
		{
			name: "gmail forwarded message",
			in: "Mohon dibantu, ini keluhan dari pemohon.\n\n---------- Forwarded message ---------\n" +
				"Dari: Eka <eka@example.org>\nDate: Sen, 2 Sep 2024 08.00\nSubject: Keluhan\nTo: <dimas@contoh.go.id>\n\nIsi keluhan.\n",
			want: "Mohon dibantu, ini keluhan dari pemohon.",
		},
		{
			name: "gmail older iso attribution",
			in:   "Sudah.\n\n2024-08-05 10:02 GMT+07:00 Helpdesk <helpdesk@layanan.example.go.id>:\n> Mohon konfirmasi.\n",
			want: "Sudah.",
		},
		{
			name: "outlook desktop indonesian",
			in: "Sudah saya coba bayar ulang hari ini, tetap gagal.\n\nSalam,\nSiti\n\n" +
				"________________________________\nDari: Helpdesk Layanan Merek <helpdesk@layanan.example.go.id>\n" +
				"Dikirim: Selasa, 06 Agustus 2024 10.15\nKepada: Siti Rahmawati <siti@example.com>\n" +
				"Subjek: Re: Pembayaran PNBP gagal\n\nSilakan coba ulang pembayaran.\n",
			want: "Sudah saya coba bayar ulang hari ini, tetap gagal.\n\nSalam,\nSiti",
		},
		{
			name: "outlook desktop english without separator",
			in: "Please see the attached receipt.\n\nFrom: Helpdesk Layanan Merek <helpdesk@layanan.example.go.id>\n" +
				"Sent: Tuesday, August 6, 2024 10:15 AM\nTo: Siti Rahmawati <siti@example.com>\nCc: Rina <rina@example.com>\n" +
				"Subject: RE: Pembayaran PNBP gagal\n\nPlease pay again.\n",
			want: "Please see the attached receipt.",
		},
		{
			name: "outlook original message",
			in: "#tutup Sudah diperbaiki\r\n\r\n-----Original Message-----\r\nFrom: Helpdesk Layanan Merek <helpdesk@layanan.example.go.id>\r\n" +
				"Sent: Monday, August 5, 2024 9:13 AM\r\nTo: Petugas Layanan <petugas@layanan.example.go.id>\r\nSubject: [Tiket baru]\r\n\r\n#tutup lama\r\n",
			want: "#tutup Sudah diperbaiki",
		},
		{
			name: "outlook pesan asli",
			in: "#teknis\n\n-----Pesan Asli-----\nDari: Helpdesk <helpdesk@layanan.example.go.id>\nTerkirim: Senin, 05 Agustus 2024 09:13\n" +
				"Kepada: Petugas <petugas@layanan.example.go.id>\nPerihal: [Tiket baru]\n\n#nonteknis\n",
			want: "#teknis",
		},
		{
			name: "outlook web",
			in: "Baik, terima kasih.\n\nGet Outlook for Android<https://aka.ms/ghei36>\n________________________________\n" +
				"From: Helpdesk <helpdesk@layanan.example.go.id>\nSent: Monday, August 5, 2024 10:02:11 AM\n" +
				"To: Budi <budi@contoh.go.id>\nSubject: Re: Tidak bisa login\n\nSilakan coba lagi.\n",
			want: "Baik, terima kasih.",
		},
		{
			name: "outlook header block on one line",
			in:   "Noted.\n\nFrom: Helpdesk <helpdesk@layanan.example.go.id> Sent: Monday, August 5, 2024 10:02 To: Budi Subject: Re: login\nSilakan.\n",
			want: "Noted.",
		},
		{
			name: "outlook german",
			in:   "Danke.\n\nVon: Helpdesk <helpdesk@layanan.example.go.id>\nGesendet: Montag, 5. August 2024 10:02\nAn: Tom\nBetreff: Re: Login\n",
			want: "Danke.",
		},
		{
			name: "windows mail",
			in: "Sudah saya lampirkan.\n\nSent from Mail for Windows\n\nFrom: Helpdesk\nSent: Monday, 5 August 2024 10:02\n" +
				"To: budi@contoh.go.id\nSubject: RE: Bukti bayar\n\nMohon lampirkan bukti bayar.\n",
			want: "Sudah saya lampirkan.",
		},
		{
			name: "thunderbird english",
			in:   "Here is the receipt.\n\nOn 8/5/24 10:02, Helpdesk Layanan Merek wrote:\n> Please send the receipt.\n",
			want: "Here is the receipt.",
		},
		{
			name: "thunderbird indonesian with signature",
			in: "Berikut bukti bayarnya.\n\n-- \nAndi Pratama\nTelp. 0812-0000-0000\n\n" +
				"Pada 05/08/24 10.02, Helpdesk Layanan Merek menulis:\n> Mohon kirim bukti bayar.\n",
			want: "Berikut bukti bayarnya.",
		},
		{
			name: "apple mail",
			in:   "Terlampir.\n\nSalam,\nDewi\n\n> On 5 Aug 2024, at 10:02, Helpdesk <helpdesk@layanan.example.go.id> wrote:\n> \n> Mohon kirim surat kuasa.\n",
			want: "Terlampir.\n\nSalam,\nDewi",
		},
		{
			name: "apple forward",
			in:   "Mohon ditindaklanjuti.\n\nBegin forwarded message:\n\nFrom: Eka <eka@example.org>\nSubject: Keluhan\n",
			want: "Mohon ditindaklanjuti.",
		},
		{
			name: "iphone indonesian",
			in: "Sudah pak, terima kasih.\n\nDikirim dari iPhone saya\n\n" +
				"> Pada 5 Agu 2024, pukul 10.02, Helpdesk <helpdesk@layanan.example.go.id> menulis:\n> \n> Apakah sudah bisa?\n",
			want: "Sudah pak, terima kasih.",
		},
		{
			name: "iphone english",
			in:   "Yes it works now.\n\nSent from my iPhone\n\n> On 5 Aug 2024, at 10:02, Helpdesk <helpdesk@layanan.example.go.id> wrote:\n> \n> Does it work?\n",
			want: "Yes it works now.",
		},
		{
			name: "yahoo android",
			in: "Sudah dicoba.\n\nDikirim dari Yahoo Mail di Android\n\n" +
				"  Pada Sen, 5 Agu 2024 pada 10:02, Helpdesk<helpdesk@layanan.example.go.id> menulis:   \n\n   Silakan coba lagi.  \n",
			want: "Sudah dicoba.",
		},
		{
			name: "samsung",
			in: "Sudah dicoba.\n\n\n\nDikirim dari ponsel Samsung Galaxy saya\n\n\n-------- Pesan asli --------\n" +
				"Dari: Helpdesk <helpdesk@layanan.example.go.id>\nTanggal: 05/08/24 10.02 (GMT+07:00)\nKe: budi@contoh.go.id\nSubjek: Re: Login\n\nSilakan.\n",
			want: "Sudah dicoba.",
		},
		{
			name: "inline answers kept",
			in:   "> Nomor permohonan?\nD002024012345\n> Tanggal bayar?\n5 Agustus 2024\n",
			want: "D002024012345\n5 Agustus 2024",
		},
		{
			name: "underscore sections and dashes in text",
			in: "Kronologi:\n________________________________\n\n1. 1 Juli: pengaduan pertama--tidak ada jawaban.\n" +
				"________________________________\n\n2. 1 Agustus: belum ada tindak lanjut.\n\n-- \nAndi Pratama\n",
			want: "Kronologi:\n________________________________\n\n1. 1 Juli: pengaduan pertama--tidak ada jawaban.\n" +
				"________________________________\n\n2. 1 Agustus: belum ada tindak lanjut.",
		},
		{
			name: "signature without trailing space",
			in:   "Mohon dicek.\n--\nBudi\n",
			want: "Mohon dicek.",
		},
		{
			name: "formal letter opening kept",
			in:   "Dari: Budi Santoso\nKepada: Helpdesk Layanan Merek\nPerihal: Keberatan\n\nDengan hormat, saya keberatan.\n",
			want: "Dari: Budi Santoso\nKepada: Helpdesk Layanan Merek\nPerihal: Keberatan\n\nDengan hormat, saya keberatan.",
		},
		{
			name: "sentence ending in menulis kept",
			in:   "Pada tanggal 1 Juli saya menulis:\n1. permohonan tertunda\n2. belum ada jawaban\n",
			want: "Pada tanggal 1 Juli saya menulis:\n1. permohonan tertunda\n2. belum ada jawaban",
		},
		{
			name: "footer-like sentence kept",
			in:   "Dikirim dari kantor cabang Surabaya minggu lalu, paket belum sampai.\n",
			want: "Dikirim dari kantor cabang Surabaya minggu lalu, paket belum sampai.",
		},
		{
			name: "footer in the middle kept",
			in:   "Sent from my iPhone\nbut the question stands: why was it rejected?\n",
			want: "Sent from my iPhone\nbut the question stands: why was it rejected?",
		},
		{
			name: "only quote",
			in:   "On Mon, Aug 5, 2024 at 10:02 AM Helpdesk <helpdesk@layanan.example.go.id> wrote:\n> #tutup\n",
			want: "",
		},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripReply(tt.in); got != tt.want {
				t.Errorf("StripReply(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
