package workflow

import (
	"context"
	"errors"
	"fmt"
)

// DeliveryFailed records on its ticket that an email could not be
// delivered (the SMTP server rejected it for good, or retries ran out),
// as a bounce: the service desk is told when the email mattered, such as
// an escalation or a reply to the requester. Mail without a ticket is
// only logged by the caller.
func (d *Desk) DeliveryFailed(ctx context.Context, out *Outgoing, reason string) error {
	if out.Ticket == "" {
		return nil
	}
	ev := Event{
		Kind: EventBounce, Key: "failed:" + out.Key, Role: RoleSystem, Actor: Party{Email: ActorSystem},
		Bounce: &BounceView{Kind: out.Kind, Recipient: out.To.Email, Diagnostic: reason},
	}
	return d.applyEvent(ctx, out.Ticket, ev)
}

// applyEvent applies an event that no inbound message carries to a
// ticket, once: the event key is remembered on the ticket like a message
// key.
func (d *Desk) applyEvent(ctx context.Context, number string, ev Event) error {
	for attempt := 0; attempt < conflictRetries; attempt++ {
		t, err := d.store.Ticket(ctx, number)
		if err != nil {
			return fmt.Errorf("apply %s to %s: %w", ev.Kind, number, err)
		}
		if t.HasApplied(ev.Key) {
			return nil
		}
		now := d.now()
		next, acts, err := d.machine.Apply(*t, ev, now)
		if err != nil {
			return err
		}
		var w writes
		if err := d.collect(ctx, &w, &next, ev, acts, now); err != nil {
			return err
		}
		if err := d.flush(ctx, w); err != nil {
			return err
		}
		next.Version = t.Version + 1
		next.MarkApplied(ev.Key)
		err = d.store.UpdateTicket(ctx, &next, t.Version)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return err
	}
	return fmt.Errorf("ticket %s kept changing: %w", number, ErrConflict)
}
