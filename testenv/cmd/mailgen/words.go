package main

// The word lists that complaint texts are built from. They describe an
// Indonesian intellectual-property service desk: online applications for
// trademarks, patents, copyright and industrial designs, PNBP payments,
// certificates and the counter service.

var firstNames = []string{
	"Budi", "Siti", "Andi", "Dewi", "Agus", "Rina", "Joko", "Sri", "Hendra", "Yuni",
	"Bambang", "Lestari", "Dedi", "Ratna", "Eko", "Wati", "Fajar", "Indah", "Gilang", "Nur",
	"Hadi", "Putri", "Irfan", "Ayu", "Rudi", "Maya", "Slamet", "Fitri", "Teguh", "Sari",
	"Wahyu", "Diah", "Yusuf", "Rahmawati", "Arif", "Kartika", "Bayu", "Nining", "Dimas", "Anisa",
	"Ahmad", "Made", "Ketut", "Wayan", "Nyoman", "Komang", "Rizky", "Intan", "Taufik", "Melati",
	"Ilham", "Citra", "Reza", "Novi", "Yohanes", "Maria", "Stefanus", "Theresia", "Hasan", "Aminah",
}

var lastNames = []string{
	"Santoso", "Wijaya", "Saputra", "Lestari", "Pratama", "Kusuma", "Hidayat", "Nugroho", "Wibowo", "Setiawan",
	"Siregar", "Nasution", "Harahap", "Simanjuntak", "Sitompul", "Lubis", "Pane", "Tarigan", "Ginting", "Sembiring",
	"Halim", "Gunawan", "Susanto", "Purnomo", "Hartono", "Suryadi", "Rahman", "Hakim", "Syahputra", "Ramadhan",
	"Putra", "Permana", "Firmansyah", "Kurniawan", "Utami", "Maharani", "Anggraini", "Wulandari", "Handayani", "Yulianti",
	"Manurung", "Sihombing", "Pardede", "Tambunan", "Sinaga", "Damanik", "Saragih", "Purba", "Situmorang", "Hutapea",
	"Adnyana", "Suartana", "Wirawan", "Sudarsana", "Mahendra", "Tanjung", "Daulay", "Rangkuti", "Batubara", "Matondang",
}

// senderDomains are the test domains whose every local part is a mailbox.
var senderDomains = []string{"example.com", "contoh.go.id"}

var cities = []string{
	"Jakarta", "Bandung", "Surabaya", "Medan", "Makassar", "Semarang", "Yogyakarta", "Denpasar",
	"Palembang", "Pontianak", "Manado", "Padang", "Malang", "Balikpapan", "Kupang", "Jayapura",
}

var companies = []string{
	"CV Maju Bersama", "PT Sinar Nusantara", "UD Sumber Rejeki", "PT Karya Anak Bangsa", "Koperasi Tani Makmur",
	"PT Batik Lestari Indonesia", "CV Kopi Gayo Asli", "PT Teknologi Kreatif Nusantara", "UMKM Keripik Bu Sri",
	"PT Rempah Timur", "Yayasan Seni Tradisi", "CV Kerajinan Rotan Cirebon",
}

var weekdaysID = []string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

var monthsID = []string{
	"Januari", "Februari", "Maret", "April", "Mei", "Juni",
	"Juli", "Agustus", "September", "Oktober", "November", "Desember",
}

var browsers = []string{
	"Google Chrome versi terbaru", "Mozilla Firefox", "Microsoft Edge", "Safari di iPhone",
	"Chrome di ponsel Android", "Opera", "aplikasi di tablet Samsung",
}

var attachmentNames = []string{
	"bukti_pembayaran", "tangkapan_layar_error", "surat_kuasa", "formulir_permohonan",
	"bukti_transfer", "ktp_pemohon", "sertifikat_merek", "surat_pernyataan", "invoice_simponi",
}

// topic is one kind of complaint: where it happened, what went wrong and
// the sentences that describe it. Placeholders in braces, such as {nomor}
// (a reference number) and {tanggal} (a date), are filled in by
// detailFiller.fill.
type topic struct {
	// subjects are subject lines; {nomor} is a reference number.
	subjects []string
	// openings state the problem in the first paragraph.
	openings []string
	// details add facts: what the sender saw, when, and what was tried.
	details []string
	// requests are the sentences that ask for an action.
	requests []string
}

var topics = []topic{
	{ // login and account
		subjects: []string{
			"Tidak bisa login ke akun Merek Online",
			"Gagal masuk akun, OTP tidak pernah diterima",
			"Akun terkunci setelah salah password",
			"Mohon bantuan: lupa kata sandi akun pemohon {nomor}",
			"Login SSO selalu kembali ke halaman awal",
		},
		openings: []string{
			"Sejak beberapa hari ini saya tidak bisa masuk ke akun saya di aplikasi Merek Online. Setiap kali saya memasukkan nama pengguna dan kata sandi, muncul pesan \"username atau password salah\", padahal saya yakin data yang saya masukkan benar.",
			"Saya mencoba login untuk melanjutkan permohonan nomor {nomor}, tetapi kode OTP yang seharusnya dikirim ke email dan nomor ponsel saya tidak pernah sampai.",
			"Akun saya terkunci setelah tiga kali salah memasukkan kata sandi. Fitur lupa kata sandi juga tidak mengirimkan tautan reset ke email saya.",
			"Setelah memasukkan nama pengguna dan kata sandi di halaman SSO, saya selalu dikembalikan ke halaman awal tanpa pesan kesalahan apa pun.",
		},
		details: []string{
			"Saya sudah mencoba menggunakan {browser} dan menghapus cache serta cookie, namun hasilnya tetap sama.",
			"Kejadian pertama kali saya alami pada {tanggal} sekitar pukul 09.30 WIB dan masih terjadi sampai hari ini.",
			"Folder spam dan promosi di email saya juga sudah saya periksa, tetapi tidak ada email dari sistem.",
			"Nomor ponsel yang terdaftar masih aktif dan bisa menerima SMS dari layanan lain.",
			"Rekan kerja saya di kantor yang memakai jaringan yang sama bisa login tanpa masalah dengan akunnya sendiri.",
			"Saya juga sudah mencoba dari jaringan seluler dan dari komputer lain, hasilnya sama saja.",
		},
		requests: []string{
			"Mohon bantuan agar akun saya bisa diaktifkan kembali, karena batas waktu tanggapan atas permohonan saya tinggal beberapa hari lagi.",
			"Mohon akun saya diperiksa dan kata sandinya diatur ulang.",
			"Mohon informasi apakah sedang ada gangguan pada sistem login.",
		},
	},
	{ // upload and forms
		subjects: []string{
			"Error 500 saat mengunggah dokumen permohonan {nomor}",
			"Unggah berkas selalu gagal di aplikasi e-Paten",
			"Data formulir hilang setelah klik simpan",
			"Halaman permohonan Hak Cipta tidak bisa dibuka",
			"Lampiran tidak terbaca oleh sistem",
		},
		openings: []string{
			"Ketika saya mengunggah dokumen deskripsi untuk permohonan {nomor}, sistem menampilkan pesan \"500 Internal Server Error\" dan berkas tidak tersimpan.",
			"Saya sudah mengisi formulir permohonan Hak Cipta selama hampir satu jam, tetapi setelah menekan tombol simpan semua isian hilang dan formulir kembali kosong.",
			"Berkas PDF yang saya unggah (ukuran kurang dari 2 MB) selalu ditolak dengan pesan \"format file tidak didukung\".",
			"Halaman permohonan tidak bisa dibuka sama sekali; yang muncul hanya layar putih dengan tulisan \"gateway timeout\".",
		},
		details: []string{
			"Saya menggunakan {browser} di komputer kantor dengan koneksi internet yang stabil.",
			"Percobaan terakhir saya lakukan pada {tanggal} dan pesan kesalahannya sama persis.",
			"Berkas yang sama berhasil dibuka tanpa masalah di komputer saya, jadi saya rasa berkasnya tidak rusak.",
			"Saya juga sudah memperkecil ukuran berkas dan mengganti nama berkas tanpa spasi, tetapi tetap gagal.",
			"Tangkapan layar pesan kesalahan saya lampirkan bila diperlukan.",
			"Kejadian ini berulang setiap kali saya mencoba, baik pagi maupun malam hari.",
		},
		requests: []string{
			"Mohon bantuan tim teknis untuk memeriksa masalah ini.",
			"Mohon petunjuk cara mengunggah dokumen yang benar agar permohonan saya tidak terlambat.",
			"Apakah saya boleh mengirimkan dokumen melalui email ini saja sebagai gantinya?",
		},
	},
	{ // payment
		subjects: []string{
			"Sudah bayar PNBP tetapi status masih belum lunas",
			"Kode billing SIMPONI kedaluwarsa padahal sudah dibayar",
			"Pembayaran terpotong dua kali untuk permohonan {nomor}",
			"Bukti bayar tidak terverifikasi",
			"Permintaan pengembalian kelebihan pembayaran",
		},
		openings: []string{
			"Saya sudah melakukan pembayaran PNBP untuk permohonan {nomor} melalui bank, namun status di aplikasi masih \"menunggu pembayaran\".",
			"Kode billing yang saya terima sudah saya bayar sebelum batas waktu, tetapi sekarang sistem menyatakan kode billing tersebut kedaluwarsa.",
			"Rekening saya terdebet dua kali untuk satu kode billing yang sama, sehingga saya membayar dua kali lipat dari tarif yang seharusnya.",
			"Saya mengajukan permohonan pengembalian kelebihan pembayaran tiga minggu lalu dan sampai sekarang belum ada kabar.",
		},
		details: []string{
			"Pembayaran saya lakukan pada {tanggal} melalui teller bank dan saya memegang bukti setor aslinya.",
			"Nominal yang dibayarkan sesuai tagihan, yaitu Rp {rupiah}.",
			"Bukti pembayaran saya lampirkan pada email ini.",
			"Pihak bank menyatakan transaksi berhasil dan dana sudah diteruskan ke kas negara.",
			"Saya sudah menunggu lebih dari 2 x 24 jam sesuai petunjuk di laman bantuan.",
			"Petugas di loket menyarankan saya untuk mengirimkan keluhan melalui email ini.",
		},
		requests: []string{
			"Mohon status pembayaran saya diperbarui agar permohonan dapat diproses.",
			"Mohon kelebihan pembayaran dikembalikan ke rekening saya.",
			"Mohon penjelasan langkah apa yang harus saya lakukan selanjutnya.",
		},
	},
	{ // processing time (non-technical)
		subjects: []string{
			"Permohonan merek {nomor} belum diproses lebih dari 6 bulan",
			"Menanyakan perkembangan permohonan paten",
			"Keberatan atas lamanya proses pemeriksaan",
			"Tidak ada tanggapan atas surat saya sebelumnya",
			"Status permohonan tidak berubah sejak lama",
		},
		openings: []string{
			"Permohonan merek saya dengan nomor agenda {nomor} diajukan lebih dari enam bulan yang lalu dan sampai hari ini statusnya masih \"dalam pemeriksaan formalitas\".",
			"Saya sudah dua kali mengirimkan surat dan satu kali datang langsung ke kantor untuk menanyakan perkembangan permohonan paten kami, namun belum mendapatkan jawaban yang jelas.",
			"Kami merasa keberatan dengan lamanya proses pemeriksaan, karena produk kami sudah beredar dan kami khawatir mereknya digunakan pihak lain.",
			"Email yang saya kirimkan bulan lalu tidak mendapatkan balasan sama sekali.",
		},
		details: []string{
			"Permohonan diajukan atas nama {usaha} yang bergerak di bidang usaha mikro.",
			"Terakhir kali saya menanyakan melalui telepon pada {tanggal}, petugas menyampaikan akan ditindaklanjuti dalam satu minggu.",
			"Semua persyaratan sudah kami lengkapi, termasuk surat pernyataan kepemilikan dan bukti pembayaran.",
			"Kami membutuhkan sertifikat ini untuk keperluan pendaftaran izin edar dan kerja sama dengan distributor.",
			"Kami memahami beban kerja petugas cukup tinggi, tetapi kami berharap ada kepastian waktu.",
			"Di laman resmi disebutkan bahwa pemeriksaan formalitas selesai dalam 15 hari kerja.",
		},
		requests: []string{
			"Mohon kepastian kapan permohonan kami akan diproses.",
			"Mohon keluhan ini diteruskan kepada pejabat yang berwenang.",
			"Kami berharap mendapatkan tanggapan tertulis atas keluhan ini.",
		},
	},
	{ // counter service and staff (non-technical)
		subjects: []string{
			"Keluhan pelayanan di loket",
			"Pelayanan telepon tidak pernah diangkat",
			"Informasi persyaratan berbeda-beda",
			"Antrean loket terlalu lama",
			"Sikap petugas kurang ramah",
		},
		openings: []string{
			"Saya ingin menyampaikan keluhan atas pelayanan yang saya terima di loket layanan pada {tanggal}.",
			"Sudah hampir satu minggu saya mencoba menghubungi nomor layanan telepon pada jam kerja, tetapi tidak pernah diangkat.",
			"Informasi persyaratan yang saya terima dari petugas loket berbeda dengan yang tercantum di laman resmi, sehingga saya harus datang dua kali.",
			"Saya mengantre di loket lebih dari tiga jam hanya untuk menyerahkan satu berkas.",
		},
		details: []string{
			"Saya datang ke kantor di {kota} pukul 08.00 dan baru dilayani menjelang pukul 11.30.",
			"Petugas yang melayani tidak menjelaskan alasan penolakan berkas saya dan meminta saya mencari informasi sendiri.",
			"Beberapa pemohon lain yang mengantre bersama saya juga mengeluhkan hal yang sama.",
			"Saya datang dari luar kota dan harus mengeluarkan biaya perjalanan tambahan.",
			"Saya tidak mempermasalahkan orangnya, tetapi berharap ada perbaikan sistem pelayanan.",
			"Nomor antrean saya adalah {antrean}.",
		},
		requests: []string{
			"Mohon keluhan ini menjadi perhatian agar pelayanan ke depan lebih baik.",
			"Mohon disediakan informasi persyaratan yang seragam dan jelas.",
			"Saya berharap ada tanggapan dari pimpinan unit layanan.",
		},
	},
	{ // certificates and data corrections
		subjects: []string{
			"Sertifikat elektronik tidak bisa diunduh",
			"Salah ketik nama pemilik pada sertifikat {nomor}",
			"Tanda tangan elektronik pada sertifikat tidak valid",
			"Permohonan perbaikan data alamat pemohon",
			"Sertifikat belum terbit padahal sudah disetujui",
		},
		openings: []string{
			"Status permohonan saya {nomor} sudah \"selesai\", tetapi tombol unduh sertifikat elektronik tidak berfungsi.",
			"Pada sertifikat yang kami terima terdapat kesalahan penulisan nama pemilik yang tidak sesuai dengan data permohonan.",
			"Saat sertifikat dibuka dengan pembaca PDF, tanda tangan elektroniknya dinyatakan tidak valid.",
			"Kami pindah alamat kantor dan perlu memperbarui data alamat pemohon pada beberapa permohonan yang masih berjalan.",
		},
		details: []string{
			"Saya sudah mencoba mengunduh pada {tanggal} dari dua komputer yang berbeda.",
			"Data pada formulir permohonan sudah benar; kesalahan hanya ada pada sertifikat.",
			"Sertifikat ini akan kami gunakan sebagai lampiran pengajuan kredit usaha ke bank.",
			"Kami lampirkan salinan dokumen pendukung dalam bentuk PDF.",
			"Menurut pemberitahuan di aplikasi, sertifikat sudah disetujui sejak {tanggal}.",
			"Kami tidak keberatan bila perbaikan memerlukan biaya sesuai ketentuan.",
		},
		requests: []string{
			"Mohon sertifikat diperbaiki dan diterbitkan ulang.",
			"Mohon bantuan agar sertifikat dapat diunduh.",
			"Mohon informasi prosedur perbaikan data yang harus kami ikuti.",
		},
	},
}

// followUps are the opening sentences of a requester's reply to their own
// complaint.
var followUps = []string{
	"Menambahkan informasi dari email saya sebelumnya, masalahnya ternyata masih terjadi sampai pagi ini.",
	"Berikut saya sampaikan data tambahan yang mungkin diperlukan untuk pemeriksaan.",
	"Mohon maaf, saya lupa menyebutkan nomor permohonan saya pada email sebelumnya, yaitu {nomor}.",
	"Saya ingin menanyakan kembali perkembangan keluhan saya di bawah ini.",
	"Sebagai informasi, saya sudah mencoba lagi kemarin sore dan hasilnya masih sama.",
	"Terlampir dokumen pendukung yang sebelumnya belum sempat saya kirimkan.",
	"Terima kasih atas perhatiannya. Saya hanya ingin memastikan email saya sudah diterima.",
}

var greetings = []string{
	"Yth. Bapak/Ibu Petugas Service Desk,",
	"Selamat pagi Bapak/Ibu,",
	"Selamat siang,",
	"Kepada Yth. Tim Layanan Pengaduan,",
	"Dengan hormat,",
	"Halo Admin,",
	"Assalamualaikum warahmatullahi wabarakatuh,",
}

var closings = []string{
	"Atas perhatian dan bantuannya, saya ucapkan terima kasih.",
	"Demikian keluhan ini saya sampaikan. Terima kasih.",
	"Terima kasih atas kerja samanya.",
	"Saya tunggu kabar baiknya. Terima kasih.",
	"Mohon maaf bila ada kata yang kurang berkenan. Terima kasih.",
}

var signoffs = []string{"Hormat saya,", "Salam,", "Terima kasih,", "Wassalam,", "Salam hormat,"}

// logLines are log or error lines a sender pastes into a long complaint.
var logLines = []string{
	"Error: Request failed with status code 500",
	"TypeError: Cannot read properties of undefined (reading 'id')",
	"net::ERR_CONNECTION_RESET",
	"504 Gateway Time-out nginx",
	"Sesi Anda telah berakhir, silakan login kembali",
	"Kode billing tidak ditemukan atau sudah kedaluwarsa",
	"The file could not be uploaded: maximum size exceeded",
	"Token OTP tidak valid",
}
