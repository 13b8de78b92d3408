package mailer

import (
	"fmt"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// allKinds lists every mail kind the workflow queues.
var allKinds = []string{
	workflow.MailAck,
	workflow.MailTriageRequest,
	workflow.MailHandoff,
	workflow.MailHandoffNotice,
	workflow.MailEscalation,
	workflow.MailEscalationNotice,
	workflow.MailReply,
	workflow.MailQuestion,
	workflow.MailClosure,
	workflow.MailRefusal,
	workflow.MailReopenNotice,
	workflow.MailSupervisorEscalation,
	workflow.MailSLAWarning,
	workflow.MailSLABreach,
	workflow.MailSLASummary,
	workflow.MailDigest,
	workflow.MailMonthlyReport,
	workflow.MailQuarantineNotice,
	workflow.MailBounceNotice,
}

// wib is Jakarta time for fixtures, fixed so that tests do not depend on
// the machine's time zone database.
var wib = time.FixedZone("WIB", 7*60*60)

func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, wib)
}

var (
	fixtureDesk = workflow.Party{
		Name:  "Service Desk Diskominfo Kota Sukamaju",
		Email: "helpdesk@layanan.example.go.id",
		Phone: "(022) 555-0123",
	}
	fixtureRequester = workflow.Party{
		Name:  "Siti Rahmawati",
		Email: "siti.rahmawati@example.com",
		Phone: "0812-3456-7890",
	}
	fixtureServiceDesk = workflow.Party{
		Email: "servicedesk@layanan.example.go.id",
	}
	fixtureOfficer = workflow.Party{
		Name:  "Budi Santoso",
		Email: "budi.santoso@layanan.example.go.id",
	}
	fixtureManager = workflow.Party{
		Name:  "Rina Wulandari",
		Email: "rina.wulandari@layanan.example.go.id",
	}
	fixtureSupervisors = workflow.Party{
		Email: "pimpinan@layanan.example.go.id",
	}
)

// technicalTicket is a login problem: the triage suggests technical.
func technicalTicket() *workflow.TicketView {
	return &workflow.TicketView{
		Number:  "KLH-2026-000123",
		Tag:     "[KLH-2026-000123]",
		Subject: "Tidak bisa login ke SIMPEG sejak kemarin",
		Body: "Selamat siang,\n\n" +
			"Sejak kemarin sore saya tidak bisa masuk ke aplikasi SIMPEG. Setiap kali memasukkan NIP dan kata sandi, muncul pesan \"Akun terkunci\". " +
			"Saya sudah mencoba mengganti kata sandi melalui menu Lupa Kata Sandi, tetapi email verifikasi tidak pernah sampai.\n\n" +
			"Mohon bantuannya karena saya harus mengunggah laporan kinerja paling lambat hari Jumat.\n\n" +
			"Terima kasih,\nSiti Rahmawati\nBagian Umum, Kecamatan Sukamaju",
		Excerpt:    "Sejak kemarin sore saya tidak bisa masuk ke aplikasi SIMPEG. Setiap kali memasukkan NIP dan kata sandi, muncul pesan \"Akun terkunci\".",
		Requester:  fixtureRequester,
		Channel:    workflow.ChannelEmail,
		State:      workflow.StateNew,
		ReceivedAt: at(2026, time.December, 4, 14, 30),
		Triage: workflow.TriageResult{
			Category:    workflow.CategoryTechnical,
			Confidence:  0.82,
			Terms:       []string{"login", "kata sandi", "akun terkunci"},
			Application: "SIMPEG",
		},
		Similar: []workflow.SimilarRef{
			{Number: "KLH-2026-000098", Subject: "Akun SIMPEG terkunci setelah salah memasukkan kata sandi", Score: 0.78, State: workflow.StateClosed, At: at(2026, time.November, 12, 9, 5)},
			{Number: "KLH-2026-000061", Subject: "Email reset kata sandi SIMPEG tidak masuk", Score: 0.64, State: workflow.StateClosed, At: at(2026, time.October, 20, 13, 47)},
		},
		Attachments: []string{"tangkapan-layar-login.png"},
	}
}

// nonTechnicalTicket is a service complaint: the triage suggests
// non-technical.
func nonTechnicalTicket() *workflow.TicketView {
	return &workflow.TicketView{
		Number:  "KLH-2026-000131",
		Tag:     "[KLH-2026-000131]",
		Subject: "Pelayanan loket perizinan lambat",
		Body: "Yth. Bapak/Ibu,\n\n" +
			"Pada hari Selasa, 1 Desember 2026, saya mengantre di loket perizinan sejak pukul 08.00 dan baru dilayani pukul 13.15. " +
			"Nomor antrean tidak dipanggil berurutan dan tidak ada informasi mengenai perkiraan waktu tunggu.\n\n" +
			"Saya berharap pelayanan dapat diperbaiki.\n\nHormat saya,\nAndi Pratama",
		Excerpt:     "Pada hari Selasa, 1 Desember 2026, saya mengantre di loket perizinan sejak pukul 08.00 dan baru dilayani pukul 13.15.",
		Requester:   workflow.Party{Name: "Andi Pratama", Email: "andi.pratama@example.com"},
		Channel:     workflow.ChannelEmail,
		State:       workflow.StateEscalated,
		Category:    workflow.CategoryNonTechnical,
		Application: "Layanan Perizinan",
		ReceivedAt:  at(2026, time.December, 2, 8, 12),
		Triage: workflow.TriageResult{
			Category:   workflow.CategoryNonTechnical,
			Confidence: 0.71,
			Terms:      []string{"antrean", "loket", "pelayanan"},
		},
		Similar: []workflow.SimilarRef{
			{Number: "KLH-2026-000104", Subject: "Antrean loket perizinan tidak tertib", Score: 0.69, State: workflow.StateFollowUp, At: at(2026, time.November, 18, 10, 20)},
		},
	}
}

// fixture returns realistic mail data for one kind.
func fixture(kind string) *workflow.MailData {
	data := &workflow.MailData{
		Desk:         fixtureDesk,
		ReplyAddress: "helpdesk@layanan.example.go.id",
	}

	switch kind {
	case workflow.MailAck:
		data.Recipient = fixtureRequester
		data.Ticket = technicalTicket()
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepVerify, Due: at(2026, time.December, 7, 14, 30)},
			{Step: workflow.StepClose, Due: at(2026, time.December, 18, 14, 30)},
		}

	case workflow.MailTriageRequest:
		data.Recipient = fixtureServiceDesk
		data.Ticket = technicalTicket()
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepVerify, Due: at(2026, time.December, 7, 14, 30)},
		}

	case workflow.MailHandoff:
		data.Recipient = workflow.Party{Name: "Tim Pengelolaan Insiden", Email: "insiden@layanan.example.go.id"}
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateIncident
		data.Ticket.Category = workflow.CategoryTechnical
		data.Ticket.Application = "SIMPEG"
		data.Actor = fixtureOfficer
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepHandoff, Due: at(2026, time.December, 7, 11, 0)},
		}

	case workflow.MailHandoffNotice:
		data.Recipient = fixtureRequester
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateIncident
		data.Ticket.Category = workflow.CategoryTechnical
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepClose, Due: at(2026, time.December, 18, 14, 30)},
		}

	case workflow.MailEscalation:
		data.Recipient = workflow.Party{Email: "pengelola.komplain@layanan.example.go.id"}
		data.Ticket = nonTechnicalTicket()
		data.Ticket.Requester = workflow.Party{Name: "A*** P***", Email: "a***@example.com"}
		data.Masked = true
		data.Actor = fixtureOfficer
		data.History = []workflow.HistoryItem{
			{At: at(2026, time.December, 2, 8, 12), Type: workflow.RecordReceived, Actor: "pelapor"},
			{At: at(2026, time.December, 2, 8, 12), Type: workflow.RecordTriage, Actor: workflow.ActorSystem, Text: "Non-teknis, tingkat keyakinan 71%"},
			{At: at(2026, time.December, 2, 9, 40), Type: workflow.RecordNote, Actor: fixtureOfficer.Email, Text: "Pelapor sudah dihubungi lewat telepon.\nIa bersedia dimintai keterangan tambahan."},
			{At: at(2026, time.December, 2, 9, 41), Type: workflow.RecordEscalated, Actor: fixtureOfficer.Email},
		}
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepFollowUp, Due: at(2026, time.December, 4, 9, 41)},
			{Step: workflow.StepClose, Due: at(2026, time.December, 16, 8, 12)},
		}

	case workflow.MailEscalationNotice:
		data.Recipient = workflow.Party{Name: "Andi Pratama", Email: "andi.pratama@example.com"}
		data.Ticket = nonTechnicalTicket()
		data.Deadlines = []workflow.DeadlineView{
			{Step: workflow.StepClose, Due: at(2026, time.December, 16, 8, 12)},
		}

	case workflow.MailReply:
		data.Recipient = fixtureRequester
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateFollowUp
		data.Text = "Terima kasih atas kesabaran Ibu.\n\n" +
			"Akun SIMPEG Ibu terkunci karena lima kali salah memasukkan kata sandi. Kunci akun sudah kami buka, " +
			"dan email untuk mengatur ulang kata sandi telah kami kirim ulang ke alamat siti.rahmawati@example.com.\n\n" +
			"Mohon periksa juga folder Spam apabila email tersebut belum terlihat di Kotak Masuk."

	case workflow.MailQuestion:
		data.Recipient = fixtureRequester
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateWaiting
		data.Text = "1. NIP yang Ibu gunakan untuk masuk ke SIMPEG.\n" +
			"2. Kapan terakhir kali Ibu berhasil masuk ke SIMPEG."

	case workflow.MailClosure:
		data.Recipient = fixtureRequester
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateClosed
		data.ReopenUntil = time.Date(2026, 12, 21, 10, 5, 0, 0, time.UTC)
		data.Text = "Kunci akun SIMPEG Ibu telah dibuka dan kata sandi berhasil diatur ulang pada 7 Desember 2026. " +
			"Ibu sudah dapat masuk dan mengunggah laporan kinerja seperti biasa."

	case workflow.MailRefusal:
		data.Recipient = fixtureOfficer
		data.Ticket = technicalTicket()
		data.Command = "#tutup"
		data.Reason = workflow.RefuseEmpty

	case workflow.MailReopenNotice:
		data.Recipient = fixtureManager
		data.Ticket = nonTechnicalTicket()
		data.Ticket.State = workflow.StateFollowUp
		data.Ticket.Resolution = "Jadwal petugas loket perizinan ditambah pada jam sibuk dan nomor antrean kini dipanggil melalui layar."
		data.Text = "Hari ini saya kembali ke loket perizinan dan antrean masih tidak dipanggil berurutan.\nLayar antrean juga mati."

	case workflow.MailSupervisorEscalation:
		data.Recipient = fixtureSupervisors
		data.Ticket = nonTechnicalTicket()
		data.Ticket.State = workflow.StateFollowUp
		data.Actor = fixtureManager
		data.Text = "Keluhan serupa sudah tiga kali masuk bulan ini. Penambahan petugas loket memerlukan keputusan Kepala Dinas."

	case workflow.MailSLAWarning:
		data.Recipient = fixtureServiceDesk
		data.Ticket = technicalTicket()
		data.SLA = &workflow.SLAView{
			Ticket:  "KLH-2026-000123",
			Subject: "Tidak bisa login ke SIMPEG sejak kemarin",
			Step:    workflow.StepVerify,
			Role:    workflow.RoleServiceDesk,
			Due:     at(2026, time.December, 7, 14, 30),
		}

	case workflow.MailSLABreach:
		data.Recipient = fixtureSupervisors
		data.Ticket = nonTechnicalTicket()
		data.SLA = &workflow.SLAView{
			Ticket:   "KLH-2026-000131",
			Subject:  "Pelayanan loket perizinan lambat",
			Step:     workflow.StepFollowUp,
			Role:     workflow.RoleComplaintManager,
			Holder:   fixtureManager.Email,
			Due:      at(2026, time.December, 4, 9, 41),
			Late:     11*time.Hour + 20*time.Minute,
			Reminder: 2,
		}

	case workflow.MailSLASummary:
		data.Recipient = fixtureSupervisors
		data.SLAItems = []workflow.SLAView{
			{Ticket: "KLH-2026-000123", Subject: "Tidak bisa login ke SIMPEG sejak kemarin", Step: workflow.StepVerify, Role: workflow.RoleServiceDesk, Due: at(2026, time.December, 7, 14, 30), Late: 2 * time.Hour},
			{Ticket: "KLH-2026-000131", Subject: "Pelayanan loket perizinan lambat", Step: workflow.StepFollowUp, Role: workflow.RoleComplaintManager, Holder: fixtureManager.Email, Due: at(2026, time.December, 4, 9, 41), Late: 19*time.Hour + 45*time.Minute, Reminder: 3},
			{Ticket: "KLH-2026-000117", Subject: "Aplikasi e-Retribusi tidak bisa dibuka", Step: workflow.StepHandoff, Role: workflow.RoleIncident, Due: at(2026, time.December, 7, 11, 0), Late: 35 * time.Minute},
		}

	case workflow.MailDigest:
		data.Recipient = fixtureSupervisors
		data.Digest = &workflow.DigestView{
			From:     at(2026, time.November, 30, 0, 0),
			To:       at(2026, time.December, 6, 23, 59),
			Received: 42,
			Closed:   37,
			OpenByState: []workflow.Count{
				{Label: string(workflow.StateNew), N: 3},
				{Label: string(workflow.StateIncident), N: 5},
				{Label: string(workflow.StateFollowUp), N: 4},
				{Label: string(workflow.StateWaiting), N: 2},
			},
			BreachesBy: []workflow.Count{
				{Label: string(workflow.StepVerify), N: 2},
				{Label: string(workflow.StepFollowUp), N: 1},
			},
			Oldest: []workflow.TicketView{
				{Number: "KLH-2026-000087", Subject: "Data kepegawaian tidak sesuai setelah mutasi", State: workflow.StateFollowUp, ReceivedAt: at(2026, time.November, 9, 10, 2)},
				{Number: "KLH-2026-000104", Subject: "Antrean loket perizinan tidak tertib", State: workflow.StateFollowUp, ReceivedAt: at(2026, time.November, 18, 10, 20)},
			},
			Recurring: []workflow.Count{
				{Label: "login SIMPEG", N: 9},
				{Label: "antrean loket", N: 4},
			},
		}

	case workflow.MailMonthlyReport:
		data.Recipient = fixtureSupervisors
		data.Digest = &workflow.DigestView{
			From:       at(2026, time.November, 1, 0, 0),
			To:         at(2026, time.November, 30, 23, 59),
			Received:   168,
			Closed:     151,
			ReportName: "laporan-keluhan-2026-11.html",
			ByCategory: []workflow.Count{
				{Label: string(workflow.CategoryTechnical), N: 104},
				{Label: string(workflow.CategoryNonTechnical), N: 64},
			},
			StandardsMet: []workflow.Count{
				{Label: string(workflow.StepVerify), N: 160, Total: 168},
				{Label: string(workflow.StepFollowUp), N: 58, Total: 64},
				{Label: string(workflow.StepClose), N: 139, Total: 151},
			},
			StandardsOver: []workflow.Count{
				{Label: string(workflow.StepVerify), N: 8},
				{Label: string(workflow.StepFollowUp), N: 6},
				{Label: string(workflow.StepClose), N: 12},
			},
			Recurring: []workflow.Count{
				{Label: "login SIMPEG", N: 31},
				{Label: "antrean loket", N: 12},
			},
		}

	case workflow.MailQuarantineNotice:
		data.Recipient = fixtureServiceDesk
		data.Quarantine = &workflow.QuarantineView{
			From:       "tidak.dikenal@example.net",
			Subject:    "Fwd: berkas pengaduan",
			Reason:     fmt.Sprintf(ingest.ReasonTooLarge, 31457280, 26214400),
			ReceivedAt: at(2026, time.December, 4, 16, 5),
			MessageKey: "mid:20261204090501.4f2a@example.net",
		}

	case workflow.MailBounceNotice:
		data.Recipient = fixtureServiceDesk
		data.Ticket = technicalTicket()
		data.Ticket.State = workflow.StateClosed
		data.Bounce = &workflow.BounceView{
			Kind:       workflow.MailClosure,
			Recipient:  "siti.rahmawati@example.com",
			Status:     "5.1.1",
			Diagnostic: "550 5.1.1 <siti.rahmawati@example.com>: Recipient address rejected: User unknown",
		}
	}
	return data
}
