package ingest

import (
	"net/mail"
	"testing"
)

func TestClassify(t *testing.T) {
	opts := ParseOptions{
		HelpdeskAddress: "Helpdesk Layanan <helpdesk@layanan.example.go.id>",
		OurDomains:      []string{"layanan.example.go.id", "noreply@layanan.example.go.id"},
	}
	person := &mail.Address{Name: "Budi", Address: "budi@contoh.go.id"}
	tests := []struct {
		name       string
		msg        Message
		wantClass  Class
		wantReason string
	}{
		{"person", Message{From: person, Subject: "Tidak bisa login"}, ClassPerson, ""},
		{"person with auto-submitted no", Message{From: person, Header: header("Auto-Submitted", "no")}, ClassPerson, ""},
		{"person complaining about leave", Message{From: person, Subject: "Sedang cuti tapi petugas tidak membalas"}, ClassPerson, ""},
		{"person outside the office", Message{From: person, Subject: "Di luar kantor tidak ada sinyal"}, ClassPerson, ""},

		{"loop header", Message{From: person, Header: header("X-Keluhan-Loop", "layanan.example.go.id")}, ClassLoop, "loop-header: X-Keluhan-Loop"},
		{"our message id", Message{From: person, MessageID: "klh.ack.1@layanan.example.go.id"}, ClassLoop, "message-id: ours"},
		{"our prefix on another domain", Message{From: person, MessageID: "klh.ack.1@elsewhere.example"}, ClassPerson, ""},
		{"another id on our domain", Message{From: person, MessageID: "CAB01@layanan.example.go.id"}, ClassPerson, ""},
		{"from helpdesk", Message{From: &mail.Address{Address: "helpdesk@layanan.example.go.id"}}, ClassLoop, "from: our address"},
		{"from our listed address", Message{From: &mail.Address{Address: "noreply@layanan.example.go.id"}}, ClassLoop, "from: our address"},
		{"from staff on our domain", Message{From: &mail.Address{Address: "petugas@layanan.example.go.id"}}, ClassPerson, ""},
		{"x-loop with our address", Message{From: person, Header: header("X-Loop", "helpdesk@layanan.example.go.id")}, ClassLoop, "x-loop: ours"},
		{"loop before bounce", Message{From: &mail.Address{Address: "mailer-daemon@x.example"}, Header: header("X-Keluhan-Loop", "1")}, ClassLoop, "loop-header: X-Keluhan-Loop"},

		{"multipart report", Message{From: person, Header: header("Content-Type", `multipart/report; report-type="delivery-status"; boundary=x`)}, ClassBounce, "dsn: multipart/report"},
		{"disposition report is not a bounce", Message{From: person, Header: header("Content-Type", "multipart/report; report-type=disposition-notification; boundary=x")}, ClassPerson, ""},
		{"delivery-status part", Message{From: person, Parts: []string{"text/plain", "message/delivery-status"}}, ClassBounce, "dsn: delivery-status part"},
		{"forwarded bounce", Message{From: person, Parts: []string{"text/plain", "message/rfc822"}, Subject: "Fwd: Undelivered Mail Returned to Sender"}, ClassPerson, ""},
		{"mailer-daemon", Message{From: &mail.Address{Address: "MAILER-DAEMON@mx.example.com"}}, ClassBounce, "from: mailer-daemon"},
		{"postmaster", Message{From: &mail.Address{Address: "postmaster@example.com"}}, ClassBounce, "from: postmaster"},
		{"bounce before auto-reply", Message{From: &mail.Address{Address: "mailer-daemon@x.example"}, Header: header("Auto-Submitted", "auto-replied")}, ClassBounce, "from: mailer-daemon"},
		{"null return path", Message{From: person, HasReturnPath: true}, ClassBounce, "return-path: null"},
		{"null return path of an auto-reply", Message{From: person, HasReturnPath: true, Header: header("Auto-Submitted", "auto-replied")}, ClassAutoReply, "auto-submitted: auto-replied"},
		{"missing return path", Message{From: person}, ClassPerson, ""},

		{"auto-submitted", Message{From: person, Header: header("Auto-Submitted", "auto-generated")}, ClassAutoReply, "auto-submitted: auto-generated"},
		{"auto-submitted with parameters", Message{From: person, Header: header("Auto-Submitted", "Auto-Replied; owner-email=x@y")}, ClassAutoReply, "auto-submitted: auto-replied"},
		{"x-autoreply", Message{From: person, Header: header("X-Autoreply", "yes")}, ClassAutoReply, "x-autoreply"},
		{"x-autorespond", Message{From: person, Header: header("X-Autorespond", "1")}, ClassAutoReply, "x-autorespond"},
		{"precedence bulk", Message{From: person, Header: header("Precedence", "bulk")}, ClassAutoReply, "precedence: bulk"},
		{"precedence junk", Message{From: person, Header: header("Precedence", "Junk")}, ClassAutoReply, "precedence: junk"},
		{"precedence auto_reply", Message{From: person, Header: header("Precedence", "auto_reply")}, ClassAutoReply, "precedence: auto_reply"},
		{"suppress all", Message{From: person, Header: header("X-Auto-Response-Suppress", "All")}, ClassAutoReply, "x-auto-response-suppress"},
		{"suppress oof", Message{From: person, Header: header("X-Auto-Response-Suppress", "DR, OOF, AutoReply")}, ClassAutoReply, "x-auto-response-suppress"},
		{"suppress delivery reports only", Message{From: person, Header: header("X-Auto-Response-Suppress", "DR, RN, NRN")}, ClassPerson, ""},
		{"x-loop of another system", Message{From: person, Header: header("X-Loop", "support@vendor.example.com")}, ClassAutoReply, "x-loop"},
		{"balasan otomatis", Message{From: person, Subject: "Balasan Otomatis: [Tiket diterima] Pembayaran"}, ClassAutoReply, "subject: out of office"},
		{"automatic reply", Message{From: person, Subject: "Automatic reply: Pembayaran PNBP gagal", InReplyTo: []string{"klh.ack.x@layanan.example.go.id"}}, ClassAutoReply, "subject: out of office"},
		{"auto-reply", Message{From: person, Subject: "Auto-Reply: Re: hello", References: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"autoreply", Message{From: person, Subject: "AutoReply", InReplyTo: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"out of office", Message{From: person, Subject: "Out of Office until Monday", InReplyTo: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"abwesenheit", Message{From: person, Subject: "Abwesenheitsnotiz: Ihre Anfrage", InReplyTo: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"di luar kantor with colon", Message{From: person, Subject: "Di luar kantor: Re: Keluhan", References: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"sedang cuti in reply", Message{From: person, Subject: "Sedang cuti", InReplyTo: []string{"a@example.com"}}, ClassAutoReply, "subject: out of office"},
		{"out-of-office words in a new complaint", Message{From: person, Subject: "Auto reply di aplikasi tidak berfungsi"}, ClassPerson, ""},
		{"cuti in a new complaint", Message{From: person, Subject: "Cuti: pengajuan cuti tahunan ditolak aplikasi"}, ClassPerson, ""},
		{"di luar kantor as a new subject", Message{From: person, Subject: "Di luar kantor"}, ClassPerson, ""},
		{"web form relay", Message{From: &mail.Address{Address: "noreply@portal.example.com"}, ReplyTo: []*mail.Address{{Address: "warga@example.com"}}, Header: header("Auto-Submitted", "auto-generated")}, ClassPerson, ""},
		{"auto-reply before list", Message{From: person, Header: header("Precedence", "bulk", "List-Id", "<x.example>")}, ClassAutoReply, "precedence: bulk"},

		{"list-id", Message{From: person, Header: header("List-Id", "Forum <forum.lists.example.org>")}, ClassList, "list-id"},
		{"list-post", Message{From: person, Header: header("List-Post", "<mailto:forum@lists.example.org>")}, ClassList, "list-post"},
		{"precedence list", Message{From: person, Header: header("Precedence", "list")}, ClassList, "precedence: list"},

		{"no from", Message{}, ClassPerson, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotClass, gotReason := Classify(&tt.msg, opts)
			if gotClass != tt.wantClass || gotReason != tt.wantReason {
				t.Errorf("Classify(%s) = %q, %q, want %q, %q", tt.name, gotClass, gotReason, tt.wantClass, tt.wantReason)
			}
		})
	}
}

func TestClassifyNil(t *testing.T) {
	if class, reason := Classify(nil, ParseOptions{}); class != ClassPerson || reason != "" {
		t.Errorf("Classify(nil) = %q, %q, want %q, \"\"", class, reason, ClassPerson)
	}
}

func TestClassifyCustomLoopHeader(t *testing.T) {
	m := &Message{Header: header("X-Desk-Loop", "1")}
	if class, reason := Classify(m, ParseOptions{LoopHeader: "x-desk-loop"}); class != ClassLoop || reason != "loop-header: X-Desk-Loop" {
		t.Errorf("Classify(X-Desk-Loop) = %q, %q, want %q, %q", class, reason, ClassLoop, "loop-header: X-Desk-Loop")
	}
}

// header builds a Message.Header from name, value pairs.
func header(pairs ...string) map[string][]string {
	h := make(map[string][]string)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = append(h[pairs[i]], pairs[i+1])
	}
	return h
}
