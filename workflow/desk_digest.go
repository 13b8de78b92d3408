package workflow

import (
	"context"
	"fmt"
)

// QueueDigest queues a periodic email (MailDigest or MailMonthlyReport)
// to every supervisor. key names the period, such as "digest:2026-W49"
// or "monthly:2026-11": queueing the same period twice sends it once,
// so every instance's scheduler may call it.
func (d *Desk) QueueDigest(ctx context.Context, kind, key string, digest *DigestView, attachments []AttachmentRef) (int, error) {
	if kind != MailDigest && kind != MailMonthlyReport {
		return 0, fmt.Errorf("queue digest: %s is not a periodic mail", kind)
	}
	now := d.now()
	var mails []Outgoing
	for _, rc := range d.staffIn(RoleSupervisor) {
		data := &MailData{Desk: d.cfg.Desk, Recipient: rc.Party, Digest: digest}
		out, err := d.plainOutgoing(kind, rc, key+"#"+rc.Email, data, now)
		if err != nil {
			return 0, err
		}
		out.Attachments = attachments
		mails = append(mails, out)
	}
	if len(mails) == 0 {
		return 0, nil
	}
	if err := d.store.Enqueue(ctx, mails); err != nil {
		return 0, fmt.Errorf("queue %s: %w", key, err)
	}
	return len(mails), nil
}
