package main

import (
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/testenv"
)

// TestDigestAndMonthlyReport lets a week and then a month pass on a fast
// clock: the supervisor receives the weekly digest on Monday and the
// monthly report with the printable register attached on the first
// working day of the month.
func TestDigestAndMonthlyReport(t *testing.T) {
	env := testenv.Require(t)
	clock := newFastClock(1)
	k := startDesk(t, env, deskOptions{clock: clock.now})
	requester := env.NewUser(t, "user@example.com")
	k.send(requester, complaint("Warga", requester, "Antrean loket terlalu lama", "Saya menunggu empat jam di loket perizinan."))
	tk := k.tickets(1)[0]

	clock.skip(7 * 24 * time.Hour)
	digest := k.mail(k.super, "Ringkasan mingguan", 1)
	if !strings.Contains(digest.Text, "7 Desember 2026") || !strings.Contains(digest.Text, "Keluhan masuk   : 1") {
		t.Errorf("weekly digest lacks the period or the count:\n%s", digest.Text)
	}
	if !strings.Contains(digest.Text, tk.Number) {
		t.Errorf("weekly digest does not list the open ticket %s:\n%s", tk.Number, digest.Text)
	}

	clock.skip(21 * 24 * time.Hour)
	monthly := k.mail(k.super, "Laporan bulanan", 1)
	if !strings.Contains(monthly.Subject, "Desember 2026") {
		t.Errorf("monthly report subject = %q, want December 2026", monthly.Subject)
	}
	if len(monthly.Attachments) != 1 || !strings.HasSuffix(monthly.Attachments[0].Filename, ".html") {
		t.Fatalf("monthly report attachments = %+v, want the HTML report", monthly.Attachments)
	}
	if n := k.countMail(k.super, "Laporan bulanan", time.Second); n != 1 {
		t.Errorf("monthly reports = %d, want 1", n)
	}
}
