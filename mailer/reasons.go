package mailer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// A stored reason for holding or ignoring a message stays English, as the
// code wrote it, because logs and tests key on it. People see it
// translated: each known shape of reason has a label under "reason." in
// every language's catalog, whose {1}, {2}, … take the values the reason
// carries (numbers, a detail). A value that is itself a known reason, such
// as the classification behind "our own mail came back: …", is translated
// too. A reason of no known shape is shown unchanged.

// reasonShape is one shape of stored reason: key names its label, and
// format is the fmt format the code writes it with (only %s, %v and %d).
type reasonShape struct {
	key    string
	format string
	re     *regexp.Regexp
}

// reasonShapes lists every reason keluhan stores, the details it appends
// to them, and the errors that can end up inside one.
var reasonShapes = compileReasonShapes([][2]string{
	// Quarantine by the pipeline (package ingest).
	{"unparsable", ingest.ReasonUnparsable},
	{"too_large", ingest.ReasonTooLarge},
	{"too_many_attachments", ingest.ReasonTooManyAttachments},
	{"failed_repeatedly", ingest.ReasonFailedRepeatedly},
	{"parser_panic", "parser panic: %v"},
	{"processor_panic", "processor panic: %v"},

	// Quarantine and ignoring by the desk (package workflow).
	{"sender_limit", workflow.ReasonSenderLimit},
	{"loop", workflow.ReasonLoop + ": %s"},
	{"no_ticket", workflow.ReasonNoTicket + ": %s"},
	{"unverified", workflow.ReasonUnverified + ": %s"},

	// Why a sender could not be proved (workflow.ProveByAuthResults).
	{"auth_missing", "no authentication-results header"},
	{"auth_unreadable", "authentication-results unreadable"},
	{"auth_untrusted", "authentication-results from untrusted server %s"},
	{"auth_no_domain", "sender has no domain"},
	{"auth_no_pass", "no dmarc or aligned dkim pass for %s"},

	// Why a message is not a person's (ingest.Classify).
	{"class_loop_header", "loop-header: %s"},
	{"class_our_message_id", "message-id: ours"},
	{"class_our_address", "from: our address"},
	{"class_x_loop_ours", "x-loop: ours"},
	{"class_dsn_report", "dsn: multipart/report"},
	{"class_dsn_part", "dsn: delivery-status part"},
	{"class_mailer_daemon", "from: mailer-daemon"},
	{"class_postmaster", "from: postmaster"},
	{"class_null_sender", "return-path: null"},
	{"class_auto_submitted", "auto-submitted: %s"},
	{"class_x_autoreply", "x-autoreply"},
	{"class_x_autorespond", "x-autorespond"},
	{"class_precedence", "precedence: %s"},
	{"class_suppress", "x-auto-response-suppress"},
	{"class_x_loop", "x-loop"},
	{"class_out_of_office", "subject: out of office"},
	{"class_list_id", "list-id"},
	{"class_list_post", "list-post"},
})

// compileReasonShapes turns each format into an anchored regular
// expression: %d matches digits, %s and %v any text.
func compileReasonShapes(pairs [][2]string) []reasonShape {
	verbs := strings.NewReplacer(`%d`, `(\d+)`, `%s`, `(.*)`, `%v`, `(.*)`)
	shapes := make([]reasonShape, len(pairs))
	for i, p := range pairs {
		pattern := `(?s)^` + verbs.Replace(regexp.QuoteMeta(p[1])) + `$`
		shapes[i] = reasonShape{key: p[0], format: p[1], re: regexp.MustCompile(pattern)}
	}
	return shapes
}

// translateReason returns reason in the words of the label catalog, or
// reason itself when its shape is unknown or the catalog lacks its label.
func translateReason(labels map[string]string, reason string) string {
	for _, shape := range reasonShapes {
		m := shape.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		text, ok := labels["reason."+shape.key]
		if !ok {
			return reason
		}
		pairs := make([]string, 0, 2*(len(m)-1))
		for i, value := range m[1:] {
			pairs = append(pairs, "{"+strconv.Itoa(i+1)+"}", translateReason(labels, value))
		}
		return strings.NewReplacer(pairs...).Replace(text)
	}
	return reason
}

// Reason returns a stored quarantine or ignore reason in lang, for the
// command line; templates call the reason function.
func (r *Renderer) Reason(lang, reason string) string {
	l, ok := r.languages[lang]
	if !ok {
		l = r.languages[DefaultLanguage]
	}
	return translateReason(l.labels, reason)
}
