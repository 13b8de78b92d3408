package main

import (
	"context"
	"strings"
	"testing"

	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// TestOnBehalfByEmail has an officer forward a WhatsApp complaint with
// #atasnama: the ticket belongs to the person named, records the channel
// and the officer, and the person gets the acknowledgment.
func TestOnBehalfByEmail(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	person := env.NewUser(t, "budi@contoh.go.id")
	body := "#atasnama Budi Santoso <" + person + ">\n#saluran whatsapp\n\nPelapor mengeluh lewat WhatsApp: kode billing PNBP tidak muncul setelah mengisi formulir."
	raw := message("Petugas", k.officer, k.helpdesk, "Keluhan lewat WhatsApp: kode billing tidak muncul", body, "",
		[]string{"Authentication-Results: mx.layanan.example.go.id; dkim=pass header.d=layanan.example.go.id; dmarc=pass header.from=layanan.example.go.id"})
	k.send(k.officer, raw)
	tk := k.tickets(1)[0]
	if tk.Requester.Email != person || tk.Channel != workflow.ChannelWhatsApp || tk.EnteredBy != k.officer {
		t.Errorf("ticket requester %s, channel %s, entered by %s; want %s, whatsapp, %s", tk.Requester.Email, tk.Channel, tk.EnteredBy, person, k.officer)
	}
	if strings.Contains(tk.Body, "#atasnama") || !strings.Contains(tk.Body, "kode billing") {
		t.Errorf("ticket body = %q, want the complaint without the command lines", tk.Body)
	}
	k.mail(person, "["+tk.Number+"]", 1)
}

// TestOnBehalfUnprovedRefused sends #atasnama without proof of the
// officer's address: no ticket opens and the officer is told why.
func TestOnBehalfUnprovedRefused(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	raw := message("Petugas", k.officer, k.helpdesk, "Keluhan titipan", "#atasnama Siapa Saja <orang@example.com>\n\nIsi keluhan.", "", nil)
	k.send(k.officer, raw)
	refusal := k.mail(k.officer, "#atasnama", 1)
	if !strings.Contains(refusal.Text, "#atasnama") {
		t.Errorf("refusal lacks the command:\n%s", refusal.Text)
	}
	if n := len(mustTickets(t, k)); n != 0 {
		t.Errorf("tickets = %d, want none", n)
	}
}

// TestOpenManualWithoutEmail opens a telephone complaint from someone
// without an email address: the ticket says staff contact the requester,
// and #balas is refused with that reason.
func TestOpenManualWithoutEmail(t *testing.T) {
	env := testenv.Require(t)
	k := startDesk(t, env, deskOptions{})
	tk, err := k.d.desk.OpenManual(context.Background(), workflow.ManualComplaint{
		Key: "phone-1", Channel: workflow.ChannelPhone, EnteredBy: "operator",
		Requester: workflow.Party{Name: "Ibu Sulastri", Phone: "081234567890"},
		Subject:   "Sertifikat merek belum terbit", Body: "Pelapor menelepon: sertifikat belum terbit setelah 18 bulan.",
	})
	if err != nil {
		t.Fatal(err)
	}
	request := k.mail(k.officer, "["+tk.Number+"]", 1)
	to, raw := replyTo("Petugas", k.officer, request, "#balas Sertifikat sedang dicetak.")
	k.sendTo(k.officer, to, raw)
	refusal := k.mail(k.officer, "["+tk.Number+"]", 2)
	if !strings.Contains(refusal.Text, "#balas") {
		t.Errorf("refusal lacks the command:\n%s", refusal.Text)
	}
	again, err := k.d.desk.OpenManual(context.Background(), workflow.ManualComplaint{
		Key: "phone-1", Channel: workflow.ChannelPhone, Requester: workflow.Party{Phone: "081234567890"}, Subject: "x", Body: "y",
	})
	if err != nil || again.Number != tk.Number {
		t.Errorf("OpenManual with the same key = %v, %v; want ticket %s again", again, err, tk.Number)
	}
}

func mustTickets(t *testing.T, k *desk) []*workflow.Ticket {
	t.Helper()
	ts, err := k.d.store.ListTickets(context.Background(), storeFilterAll())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
