package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keluhan/keluhan/testenv"
	"github.com/keluhan/keluhan/workflow"
)

// fastClock runs the procedure's time from a fixed working Monday at a
// multiple of real time, so that working-day standards pass in seconds.
type fastClock struct {
	mu     sync.Mutex
	start  time.Time
	real   time.Time
	scale  time.Duration
	offset time.Duration
}

func newFastClock(scale time.Duration) *fastClock {
	wib := time.FixedZone("WIB", 7*3600)
	return &fastClock{start: time.Date(2026, 12, 7, 9, 0, 0, 0, wib), real: time.Now(), scale: scale}
}

func (c *fastClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(time.Since(c.real)*c.scale + c.offset)
}

// skip moves the clock forward, as if keluhan had been down.
func (c *fastClock) skip(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// TestSLAEscalationEndToEnd lets the verification standard (1 working
// day) pass on a fast clock: the service desk gets the warning at 75 %,
// the supervisor the escalation, and ticket show marks the step late.
func TestSLAEscalationEndToEnd(t *testing.T) {
	env := testenv.Require(t)
	clock := newFastClock(2400)
	k := startDesk(t, env, deskOptions{clock: clock.now})
	requester := env.NewUser(t, "user@example.com")
	k.send(requester, complaint("Warga", requester, "Status permohonan tidak jelas", "Sudah tiga bulan tidak ada kabar tentang permohonan saya."))
	tk := k.tickets(1)[0]
	tag := "[" + tk.Number + "]"

	warning := k.mail(k.officer, tag, 2)
	if !strings.Contains(warning.Text, "Verifikasi") {
		t.Errorf("warning to the service desk lacks the step:\n%s", warning.Text)
	}
	breach := k.mail(k.super, tag, 1)
	if !strings.Contains(breach.Text, tk.Number) {
		t.Errorf("escalation to the supervisor lacks the ticket:\n%s", breach.Text)
	}
	got := k.record(tk.Number, workflow.RecordSLABreach)
	var out bytes.Buffer
	a := &app{stdout: &out, p: printer{lang: "id"}}
	records, _ := k.d.store.Records(t.Context(), tk.Number)
	a.printTicket(k.d.core, got, records)
	if !strings.Contains(out.String(), "LEWAT TENGGAT") || !strings.Contains(out.String(), "Verifikasi jenis keluhan") {
		t.Errorf("ticket show does not mark the late step:\n%s", out.String())
	}
}

// TestSLACatchUpSendsOneSummary stops keluhan, lets three working days
// pass, and starts it again: the supervisors get one summary of the
// missed standards, not one email per breach.
func TestSLACatchUpSendsOneSummary(t *testing.T) {
	env := testenv.Require(t)
	clock := newFastClock(1)
	k := startDesk(t, env, deskOptions{clock: clock.now})
	requester := env.NewUser(t, "user@example.com")
	const n = 6
	for i := 0; i < n; i++ {
		k.send(requester, complaint("Warga", requester, fmt.Sprintf("Keluhan nomor %d tentang layanan loket", i+1), "Petugas tidak memberi kejelasan."))
	}
	tickets := k.tickets(n)
	for _, tk := range tickets {
		k.mail(k.officer, "["+tk.Number+"]", 1)
	}
	k.stop()
	clock.skip(3 * 24 * time.Hour)
	k.open()
	k.start()

	summary := k.mail(k.super, "", 1)
	for _, tk := range tickets {
		if !strings.Contains(summary.Text, tk.Number) {
			t.Errorf("summary lacks %s:\n%s", tk.Number, summary.Text)
		}
	}
	if got := k.countMail(k.super, "", 3*time.Second); got != 1 {
		t.Errorf("supervisor mails after the catch-up = %d, want 1 summary", got)
	}
}
