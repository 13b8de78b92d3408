package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Delivery methods.
const (
	viaAppend = "append"
	viaSMTP   = "smtp"
	viaMixed  = "mixed"
)

// deliverConfig selects which deliveries of a set go where, and how.
type deliverConfig struct {
	dir string
	// imapAddr, user and password log in to the helpdesk mailbox; every
	// method needs them, SMTP to see its messages arrive.
	imapAddr, user, password, mailbox string
	// smtpAddr and to are the SMTP server and envelope recipient for the
	// smtp and mixed methods.
	smtpAddr, to string
	via          string
	// first and count select deliveries [first, first+count); a negative
	// count means to the end.
	first, count int
	// rate caps deliveries per second; zero means no cap.
	rate float64
	// chunk is how many deliveries in a row use one method in mixed mode.
	chunk int
	// arrival bounds the wait for SMTP deliveries to reach the mailbox.
	arrival time.Duration
}

// deliverer delivers a range of a set in order. SMTP gives no order
// guarantee, because Postfix delivers in parallel, so before a reply
// whose parent went by SMTP, and before switching to APPEND, it waits
// until the mailbox's UIDNEXT shows that every message sent so far has
// arrived. Only this program may deliver to the mailbox meanwhile.
type deliverer struct {
	cfg    deliverConfig
	truth  *Truth
	parent []int // index of the message each message replies to, or -1

	box  *mailbox
	smtp *submitter

	// expectedUIDNext is UIDNEXT once everything sent has arrived.
	expectedUIDNext uint32
	// unconfirmed holds messages sent by SMTP that may not have arrived.
	unconfirmed    map[int]bool
	appended, sent int
}

func deliver(cfg deliverConfig, out io.Writer) error {
	truth, err := readTruth(cfg.dir)
	if err != nil {
		return err
	}
	d, err := newDeliverer(cfg, truth)
	if err != nil {
		return err
	}
	defer d.close()

	deliveries := selectRange(truth.Deliveries, cfg.first, cfg.count)
	start := time.Now()
	for i, idx := range deliveries {
		pace(start, i, cfg.rate)
		if err := d.deliverOne(idx, d.methodFor(i)); err != nil {
			return fmt.Errorf("delivery %d (%s): %w", cfg.first+i, truth.Messages[idx].File, err)
		}
	}
	if err := d.confirm(); err != nil {
		return err
	}

	elapsed := time.Since(start)
	fmt.Fprintf(out, "mailgen: delivered %d emails (%d by IMAP APPEND, %d by SMTP) in %.2fs, %.0f emails/s\n",
		len(deliveries), d.appended, d.sent, elapsed.Seconds(), float64(len(deliveries))/elapsed.Seconds())
	return nil
}

func newDeliverer(cfg deliverConfig, truth *Truth) (*deliverer, error) {
	d := &deliverer{cfg: cfg, truth: truth, parent: parentIndexes(truth), unconfirmed: map[int]bool{}}

	box, err := dialIMAP(cfg.imapAddr, cfg.user, cfg.password)
	if err != nil {
		return nil, err
	}
	d.box = box
	if _, d.expectedUIDNext, err = box.status(cfg.mailbox); err != nil {
		box.close()
		return nil, err
	}

	if cfg.via != viaAppend {
		if d.smtp, err = dialSMTP(cfg.smtpAddr); err != nil {
			box.close()
			return nil, err
		}
	}
	return d, nil
}

func (d *deliverer) close() {
	d.box.close()
	if d.smtp != nil {
		d.smtp.close()
	}
}

// methodFor returns the method of the i-th delivery of the range.
func (d *deliverer) methodFor(i int) string {
	if d.cfg.via != viaMixed {
		return d.cfg.via
	}
	if (i/max(d.cfg.chunk, 1))%2 == 0 {
		return viaAppend
	}
	return viaSMTP
}

func (d *deliverer) deliverOne(idx int, method string) error {
	raw, err := os.ReadFile(filepath.Join(d.cfg.dir, d.truth.Messages[idx].File))
	if err != nil {
		return err
	}
	if method == viaAppend || d.unconfirmed[d.parent[idx]] {
		if err := d.confirm(); err != nil {
			return err
		}
	}

	if method == viaAppend {
		if err := d.box.appendRaw(d.cfg.mailbox, raw); err != nil {
			return err
		}
		d.appended++
	} else {
		if err := d.smtp.send(d.truth.Messages[idx].From, d.cfg.to, raw); err != nil {
			return err
		}
		d.unconfirmed[idx] = true
		d.sent++
	}
	d.expectedUIDNext++
	return nil
}

// confirm waits until every message sent by SMTP is in the mailbox.
func (d *deliverer) confirm() error {
	if len(d.unconfirmed) == 0 {
		return nil
	}
	deadline := time.Now().Add(d.cfg.arrival)
	for {
		_, uidNext, err := d.box.status(d.cfg.mailbox)
		if err != nil {
			return err
		}
		if uidNext >= d.expectedUIDNext {
			clear(d.unconfirmed)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d messages sent by SMTP did not arrive in %s within %s (UIDNEXT %d, expected %d); check the Postfix queue",
				len(d.unconfirmed), d.cfg.mailbox, d.cfg.arrival, uidNext, d.expectedUIDNext)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// parentIndexes returns, per message, the index of the message it replies
// to, or -1.
func parentIndexes(t *Truth) []int {
	byID := make(map[string]int, len(t.Messages))
	for i, m := range t.Messages {
		byID[m.MessageID] = i
	}
	parent := make([]int, len(t.Messages))
	for i, m := range t.Messages {
		parent[i] = -1
		if p, ok := byID[m.InReplyTo]; ok && m.InReplyTo != "" {
			parent[i] = p
		}
	}
	return parent
}

// selectRange returns deliveries[first:first+count], clamped; a negative
// count means to the end.
func selectRange(deliveries []int, first, count int) []int {
	first = min(max(first, 0), len(deliveries))
	end := len(deliveries)
	if count >= 0 {
		end = min(first+count, end)
	}
	return deliveries[first:end]
}

// pace sleeps until delivery i is due at rate deliveries per second.
func pace(start time.Time, i int, rate float64) {
	if rate <= 0 {
		return
	}
	due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
	if wait := time.Until(due); wait > 0 {
		time.Sleep(wait)
	}
}
