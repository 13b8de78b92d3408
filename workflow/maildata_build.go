package workflow

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// excerptLines and excerptRunes bound the quote of a complaint shown in
// an acknowledgment.
const (
	excerptLines = 8
	excerptRunes = 600
)

// mailData assembles what a template may show for one recipient. With
// privacy.mask_requester on, everyone but the requester sees a masked
// name and address.
func (d *Desk) mailData(t *Ticket, ev Event, n *Notice, rc recipient, history []HistoryItem, replyTo string) *MailData {
	view := ticketView(t)
	if n.Kind == MailAck {
		// The acknowledgment goes to whatever address the mail named, on
		// the desk's behalf, before anyone has read it: it repeats no
		// links, so that it cannot carry someone else's phishing.
		view.Subject, view.Excerpt = withoutLinks(view.Subject), withoutLinks(view.Excerpt)
	}
	masked := d.cfg.MaskRequester && rc.Role != RoleRequester
	if masked {
		view.Requester = MaskParty(view.Requester)
		history = maskHistory(history, t.Requester.Email)
	}
	var reopenUntil time.Time
	if n.Kind == MailClosure && !t.ClosedAt.IsZero() {
		reopenUntil = t.ClosedAt.Add(d.machine.Rules().ReopenWindow)
	}
	return &MailData{
		ReopenUntil:  reopenUntil,
		Desk:         d.cfg.Desk,
		Recipient:    rc.Party,
		Ticket:       view,
		Text:         n.Text,
		Actor:        ev.Actor,
		Command:      n.Command,
		Reason:       n.Reason,
		Deadlines:    Deadlines(t),
		SLA:          n.SLA,
		History:      history,
		Masked:       masked,
		Bounce:       n.Bounce,
		ReplyAddress: replyTo,
	}
}

// ticketView is a ticket as templates show it.
func ticketView(t *Ticket) *TicketView {
	var names []string
	for _, a := range t.Attachments {
		names = append(names, a.Filename)
	}
	return &TicketView{
		Number:      t.Number,
		Tag:         "[" + t.Number + "]",
		Subject:     t.Subject,
		Body:        t.Body,
		Excerpt:     Excerpt(t.Body),
		Requester:   t.Requester,
		Channel:     t.Channel,
		State:       t.State,
		Category:    t.Category,
		Application: t.Application,
		ReceivedAt:  t.ReceivedAt,
		Triage:      t.Triage,
		Similar:     t.Similar,
		Attachments: names,
		Resolution:  t.Resolution,
		RootCause:   t.RootCause,
		Prevention:  t.Prevention,
		LinkedTo:    t.LinkedTo,
	}
}

// Excerpt returns the first lines of a text, cut at excerptLines lines or
// excerptRunes characters, with "…" when something was cut.
func Excerpt(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	cut := false
	if len(lines) > excerptLines {
		lines, cut = lines[:excerptLines], true
	}
	out := strings.Join(lines, "\n")
	if utf8.RuneCountInString(out) > excerptRunes {
		out, cut = string([]rune(out)[:excerptRunes]), true
	}
	if cut {
		out = strings.TrimRight(out, " \n") + " …"
	}
	return out
}

// MaskParty hides a person's identity: each name word keeps its first
// letter, the address keeps its first letter and domain, and a phone
// number its last three digits.
func MaskParty(p Party) Party {
	return Party{Name: maskName(p.Name), Email: maskEmail(p.Email), Phone: maskPhone(p.Phone)}
}

func maskName(name string) string {
	var words []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		words = append(words, string(r)+"***")
	}
	return strings.Join(words, " ")
}

func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

func maskPhone(phone string) string {
	if len(phone) <= 3 {
		return ""
	}
	return strings.Repeat("*", len(phone)-3) + phone[len(phone)-3:]
}

// maskHistory hides the requester's address where it is a history
// entry's actor.
func maskHistory(history []HistoryItem, requester string) []HistoryItem {
	if requester == "" {
		return history
	}
	out := make([]HistoryItem, len(history))
	for i, h := range history {
		if h.Actor == requester {
			h.Actor = maskEmail(requester)
		}
		out[i] = h
	}
	return out
}

// linkPattern matches web links and bare www. addresses.
var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"')\]]+`)

// withoutLinks replaces every link in text with "[…]".
func withoutLinks(text string) string {
	return linkPattern.ReplaceAllString(text, "[…]")
}
