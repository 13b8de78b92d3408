package report

import "github.com/keluhan/keluhan/workflow"

// wording holds the words Go code writes into the report: short step
// names, statuses, chart legends and CSV headings. Headings and prose of
// the HTML page are in its templates, and codes such as states come from
// the label catalog.
type wording struct {
	steps         map[workflow.Step]string
	status        map[StepStatus]string
	unconfirmed   string
	suggested     string
	noApplication string
	metShare      string
	missedShare   string
	everLate      string
	yes, no       string
	csv           csvWording
	// thousands separates groups of digits in numbers.
	thousands string
}

// csvWording holds the CSV column headings. The step columns are named
// after the step with these suffixes.
type csvWording struct {
	number, received, name, email, phone, channel, application, subject string
	category, confirmed, state, closed                                  string
	stepMinutes, stepStandard, stepStatus, stepBreaches                 string
	resolution, rootCause, prevention                                   string
}

func wordingFor(lang string) wording {
	if lang == "en" {
		return english
	}
	return indonesian
}

var indonesian = wording{
	steps: map[workflow.Step]string{
		workflow.StepVerify:   "Verifikasi",
		workflow.StepHandoff:  "Konfirmasi tim insiden",
		workflow.StepFollowUp: "Tindak lanjut pertama",
		workflow.StepClose:    "Penyelesaian",
	},
	status: map[StepStatus]string{
		StepNone:    "—",
		StepMet:     "tepat waktu",
		StepLate:    "terlambat",
		StepRunning: "berjalan",
		StepOverdue: "lewat tenggat",
	},
	unconfirmed:   "Belum dikonfirmasi",
	suggested:     "usulan",
	noApplication: "(tidak diketahui)",
	metShare:      "Tepat waktu",
	missedShare:   "Terlambat atau lewat tenggat",
	everLate:      "pernah lewat tenggat",
	yes:           "ya",
	no:            "tidak",
	csv: csvWording{
		number: "Nomor", received: "Diterima", name: "Nama pelapor", email: "Email pelapor", phone: "Telepon pelapor",
		channel: "Saluran", application: "Aplikasi", subject: "Perihal", category: "Jenis",
		confirmed: "Jenis dikonfirmasi", state: "Status", closed: "Ditutup",
		stepMinutes: "menit kerja", stepStandard: "standar (menit kerja)", stepStatus: "keterangan",
		stepBreaches: "pemberitahuan keterlambatan",
		resolution:   "Penyelesaian", rootCause: "Akar masalah", prevention: "Tindakan pencegahan",
	},
	thousands: ".",
}

var english = wording{
	steps: map[workflow.Step]string{
		workflow.StepVerify:   "Verification",
		workflow.StepHandoff:  "Incident team acknowledgment",
		workflow.StepFollowUp: "First follow-up",
		workflow.StepClose:    "Closure",
	},
	status: map[StepStatus]string{
		StepNone:    "—",
		StepMet:     "on time",
		StepLate:    "late",
		StepRunning: "running",
		StepOverdue: "overdue",
	},
	unconfirmed:   "Not confirmed yet",
	suggested:     "suggested",
	noApplication: "(unknown)",
	metShare:      "On time",
	missedShare:   "Late or overdue",
	everLate:      "was overdue once",
	yes:           "yes",
	no:            "no",
	csv: csvWording{
		number: "Number", received: "Received", name: "Requester name", email: "Requester email", phone: "Requester phone",
		channel: "Channel", application: "Application", subject: "Subject", category: "Category",
		confirmed: "Category confirmed", state: "State", closed: "Closed",
		stepMinutes: "working minutes", stepStandard: "standard (working minutes)", stepStatus: "status",
		stepBreaches: "breach notices",
		resolution:   "Resolution", rootCause: "Root cause", prevention: "Preventive action",
	},
	thousands: ",",
}
