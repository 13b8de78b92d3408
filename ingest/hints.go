package ingest

import (
	"regexp"
	"strings"
)

// tagPattern matches a ticket tag in a subject: "[PREFIX-YYYY-NNNNNN]",
// also with blanks inside the brackets, with full-width brackets as
// Japanese and Chinese input methods type them, and glued to the text
// around it.
var tagPattern = regexp.MustCompile(`(?i)[\[［]\s*([a-z]+)-(\d{4})-(\d{6})\s*[\]］]`)

// Hints are the clues in a message that tie it to an existing ticket, in
// the order thread resolution tries them.
type Hints struct {
	// Tokens are the reply tokens from recipient addresses of the form
	// <helpdesk-local>+<token>@<helpdesk-domain>, lower-cased like the
	// addresses they come from.
	Tokens []string `json:"tokens"`
	// MessageIDs are In-Reply-To then References, newest first, without
	// duplicates, normalised as NormalizeMessageID does.
	MessageIDs []string `json:"message_ids"`
	// Tags are the ticket numbers tagged in the subject, upper-cased and
	// without brackets, such as "KLH-2026-000123".
	Tags []string `json:"tags"`
	// ThreadIndex is the Outlook conversation, as Message.ThreadIndex.
	ThreadIndex string `json:"thread_index"`
}

// ThreadHints collects the hints of m. ticketPrefix is the letters before
// the year in a ticket number ("KLH"); empty matches any letters.
// helpdeskAddress is the bare or "Name <address>" help-desk address; when
// it is empty or has no "@", Tokens is empty. A nil m gives empty Hints.
func ThreadHints(m *Message, ticketPrefix, helpdeskAddress string) Hints {
	if m == nil {
		return Hints{}
	}
	return Hints{
		Tokens:      replyTokens(m.Recipients, helpdeskAddress),
		MessageIDs:  referencedIDs(m.InReplyTo, m.References),
		Tags:        subjectTags(m.Subject, ticketPrefix),
		ThreadIndex: m.ThreadIndex,
	}
}

// TicketTag returns the subject tag of a ticket number: "[KLH-2026-000123]"
// for "KLH-2026-000123". The number is trimmed, upper-cased and stripped
// of brackets it may already have.
func TicketTag(number string) string {
	number = strings.Trim(strings.TrimSpace(number), "[]")
	return "[" + strings.ToUpper(strings.TrimSpace(number)) + "]"
}

// replyTokens returns the plus-address tokens of the recipients that
// match the help-desk address, in recipient order without duplicates.
func replyTokens(recipients []string, helpdeskAddress string) []string {
	local, domain, ok := strings.Cut(strings.ToLower(bareAddress(helpdeskAddress)), "@")
	if !ok || local == "" || domain == "" {
		return nil
	}
	var tokens []string
	for _, recipient := range recipients {
		rLocal, rDomain, ok := strings.Cut(strings.ToLower(recipient), "@")
		if !ok || rDomain != domain {
			continue
		}
		token, ok := strings.CutPrefix(rLocal, local+"+")
		if ok && token != "" {
			tokens = appendUnique(tokens, token)
		}
	}
	return tokens
}

// referencedIDs returns In-Reply-To followed by References from the
// newest (last) to the oldest, without duplicates.
func referencedIDs(inReplyTo, references []string) []string {
	var ids []string
	for _, id := range inReplyTo {
		ids = appendUnique(ids, id)
	}
	for i := len(references) - 1; i >= 0; i-- {
		ids = appendUnique(ids, references[i])
	}
	return ids
}

// subjectTags returns every ticket tag in the subject with the given
// prefix, normalised and without duplicates.
func subjectTags(subject, prefix string) []string {
	var tags []string
	for _, match := range tagPattern.FindAllStringSubmatch(subject, -1) {
		if prefix != "" && !strings.EqualFold(match[1], prefix) {
			continue
		}
		tags = appendUnique(tags, strings.ToUpper(match[1])+"-"+match[2]+"-"+match[3])
	}
	return tags
}

func appendUnique(list []string, s string) []string {
	for _, seen := range list {
		if seen == s {
			return list
		}
	}
	return append(list, s)
}
