package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/testenv"
)

// autoresponder answers every message in a mailbox as a careless robot
// would: from its own address, to the sender, optionally without any
// Auto-Submitted header and without threading headers, so each answer
// looks like a new message.
type autoresponder struct {
	env     *testenv.Env
	address string
	headers bool
	// toFrom answers to From instead of Reply-To, which drops keluhan's
	// reply token: the answer then looks like a new complaint.
	toFrom  bool
	answers atomic.Int32
}

func (r *autoresponder) run(ctx context.Context, t *testing.T) {
	seen := map[uint32]bool{}
	for ctx.Err() == nil {
		status := r.env.Status(t, r.address, "INBOX")
		if int(status.Messages) > len(seen) {
			for _, f := range r.env.WaitMessages(t, r.address, "INBOX", int(status.Messages), mailWait) {
				if seen[f.UID] {
					continue
				}
				seen[f.UID] = true
				r.answer(t, f)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *autoresponder) answer(t *testing.T, f testenv.Fetched) {
	m, _ := ingest.Parse(f.Raw, ingest.ParseOptions{})
	if m == nil || m.From == nil {
		return
	}
	to := m.From.Address
	if len(m.ReplyTo) > 0 && !r.toFrom {
		to = m.ReplyTo[0].Address
	}
	var extra []string
	subject := fmt.Sprintf("Pesan Anda sudah kami terima (%d)", r.answers.Load()+1)
	if r.headers {
		extra = append(extra, "Auto-Submitted: auto-replied", "In-Reply-To: <"+m.MessageID+">")
		subject = "Balasan Otomatis: " + m.Subject
	}
	raw := message("Robot", r.address, to, subject, "Terima kasih, pesan Anda sudah kami terima.", "", extra)
	if err := r.env.TrySendMail(r.address, []string{to}, raw); err == nil {
		r.answers.Add(1)
	}
}

// TestAutoresponderLoopStops lets keluhan exchange mail with robots that
// answer everything and checks that at most one automatic reply per cap
// window goes to each, so the exchange stops.
func TestAutoresponderLoopStops(t *testing.T) {
	env := testenv.Require(t)
	cases := []struct {
		name    string
		headers bool
		toFrom  bool
	}{
		{"well-behaved robot", true, false},
		{"robot without auto headers or threading", false, false},
		{"robot writing new mail to the desk address", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := startDesk(t, env, deskOptions{extraYAML: "limits: {auto_reply_cap: 1, auto_reply_window: 24h}"})
			robot := &autoresponder{env: env, address: env.NewUser(t, "robot@example.com"), headers: tc.headers, toFrom: tc.toFrom}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { robot.run(ctx, t); close(done) }()
			k.send(robot.address, complaint("Robot", robot.address, "Permintaan informasi biaya", "Berapa biaya pendaftaran merek?"))
			k.tickets(1)
			time.Sleep(8 * time.Second)
			cancel()
			<-done

			acks := k.countMail(robot.address, "[KLH-", 0)
			if acks > 1 {
				t.Errorf("automatic mails to the robot = %d, want at most 1", acks)
			}
			if n := robot.answers.Load(); n > 2 {
				t.Errorf("robot answers = %d: the exchange did not stop", n)
			}
			t.Logf("robot answered %d times, keluhan sent it %d automatic mails, tickets: %d", robot.answers.Load(), acks, len(k.tickets(1)))
		})
	}
}
