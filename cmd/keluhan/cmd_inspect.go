package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/workflow"
)

// Inspection is what `keluhan inspect --json` prints. Its fields are
// stable: later versions add fields and never rename or remove one.
type Inspection struct {
	// Message is the parsed message (decoded headers, sender, body text,
	// reply text without quotes, attachments, parts, class).
	Message *ingest.Message `json:"message"`
	// Requester is who a new complaint is from: Reply-To behind a
	// no-reply web form, otherwise From.
	Requester string `json:"requester"`
	// Hints are what ties a reply to its ticket.
	Hints ingest.Hints `json:"hints"`
	// Verdict is "new_complaint", "reply", "auto_reply", "bounce", "loop"
	// or "list", as far as one message without the store can tell: a
	// message with thread hints is a reply if the store knows them.
	Verdict string `json:"verdict"`
	// AutoReply, Bounce and Loop repeat the classification as flags.
	AutoReply bool `json:"auto_reply"`
	Bounce    bool `json:"bounce"`
	Loop      bool `json:"loop"`
	// Commands are the staff commands the reply text holds; keluhan acts
	// on them only from verified staff.
	Commands []workflow.Command `json:"commands"`
	// Error is set when the message could not be parsed.
	Error string `json:"error,omitempty"`
	// Quarantine is the reason serve would hold the message under the
	// configured limits. The verdict is then "quarantined".
	Quarantine string `json:"quarantine,omitempty"`
}

var (
	lblVerdict      = text{"Penilaian", "Verdict"}
	lblRequesterIs  = text{"Pelapor", "Requester"}
	lblSubjectIs    = text{"Perihal", "Subject"}
	lblHints        = text{"Petunjuk utas", "Thread hints"}
	lblBody         = text{"Isi", "Body"}
	lblReply        = text{"Teks balasan (tanpa kutipan)", "Reply text (quotes removed)"}
	lblFiles        = text{"Lampiran", "Attachments"}
	lblCmds         = text{"Perintah", "Commands"}
	lblWarn         = text{"Peringatan", "Warnings"}
	lblFromIs       = text{"Pengirim", "From"}
	lblDateIs       = text{"Tanggal", "Date"}
	lblBecause      = text{"dasarnya: %s", "because: %s"}
	hintTags        = text{"nomor tiket di perihal: %s", "ticket number in the subject: %s"}
	hintMessageIDs  = text{"merujuk %d email sebelumnya (In-Reply-To/References)", "refers to %d earlier {1:email|emails} (In-Reply-To/References)"}
	hintTokens      = text{"%d token balasan di alamat tujuan", "%d reply {1:token|tokens} in the recipient addresses"}
	hintThreadIndex = text{"penanda percakapan Outlook (Thread-Index)", "Outlook conversation mark (Thread-Index)"}
	hintNone        = text{"tidak ada", "none"}
	verdicts        = map[string]text{
		"new_complaint": {"keluhan baru", "new complaint"},
		"reply":         {"balasan pada tiket yang ada (bila utasnya dikenal)", "reply to an existing ticket (if the thread is known)"},
		"auto_reply":    {"balasan otomatis: disimpan, tidak membuka tiket", "automatic reply: kept, opens no ticket"},
		"bounce":        {"pemberitahuan gagal kirim", "delivery failure notice"},
		"loop":          {"email kita sendiri yang kembali: disimpan, tidak diproses", "our own mail coming back: kept, not processed"},
		"list":          {"kiriman milis: disimpan, tidak dibalas", "mailing-list post: kept, not answered"},
		"quarantined":   {"dikarantina menurut batas konfigurasi", "quarantined by the configured limits"},
	}
)

func (a *app) inspectCommand() *cobra.Command {
	c := a.newCommand("inspect FILE.eml", helpInspect)
	asJSON := c.Flags().Bool("json", false, a.p.t(helpJSON))
	c.Args = cobra.ExactArgs(1)
	c.RunE = func(_ *cobra.Command, args []string) error {
		raw, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		ins := a.inspect(raw)
		if *asJSON {
			return writeJSON(a.stdout, ins)
		}
		a.printInspection(a.stdout, ins)
		return nil
	}
	return c
}

// inspect parses a message with the configured addresses, if there is a
// readable configuration, and reports what keluhan would see.
func (a *app) inspect(raw []byte) Inspection {
	prefix, desk := "KLH", ""
	var limits LimitsConfig
	limits.fillDefaults()
	if cfg, err := LoadConfig(a.configPath, a.env); err == nil {
		prefix, desk = cfg.TicketPrefix, strings.ToLower(cfg.Helpdesk.Address)
		limits = cfg.Limits
	}
	opts := ingest.ParseOptions{HelpdeskAddress: desk}
	if desk != "" {
		opts.OurDomains = []string{addressDomain(desk)}
	}
	msg, err := ingest.Parse(raw, opts)
	ins := Inspection{Message: msg}
	if err != nil {
		ins.Error = err.Error()
	}
	if msg == nil {
		return ins
	}
	if r := msg.Requester(); r != nil {
		ins.Requester = r.Address
	}
	ins.Hints = ingest.ThreadHints(msg, prefix, desk)
	ins.Commands = workflow.ParseCommands(msg.ReplyText)
	if ins.Commands == nil {
		ins.Commands = []workflow.Command{}
	}
	ins.AutoReply = msg.Class == ingest.ClassAutoReply
	ins.Bounce = msg.Class == ingest.ClassBounce
	ins.Loop = msg.Class == ingest.ClassLoop
	ins.Verdict = verdictOf(msg, ins.Hints)
	maxBytes, err := parseSize(limits.MaxMessageBytes)
	switch {
	case err == nil && int64(len(raw)) > maxBytes:
		ins.Quarantine = fmt.Sprintf(ingest.ReasonTooLarge, len(raw), maxBytes)
	case len(msg.Attachments) > limits.MaxAttachments:
		ins.Quarantine = fmt.Sprintf(ingest.ReasonTooManyAttachments, len(msg.Attachments), limits.MaxAttachments)
	}
	if ins.Quarantine != "" {
		ins.Verdict = "quarantined"
	}
	return ins
}

func verdictOf(m *ingest.Message, h ingest.Hints) string {
	if m.Class != ingest.ClassPerson {
		return string(m.Class)
	}
	if len(h.MessageIDs) > 0 || len(h.Tags) > 0 || len(h.Tokens) > 0 || h.ThreadIndex != "" {
		return "reply"
	}
	return "new_complaint"
}

func (a *app) printInspection(w io.Writer, ins Inspection) {
	m := ins.Message
	if m == nil {
		fmt.Fprintln(w, ins.Error)
		return
	}
	fmt.Fprintf(w, "Message-ID: %s\n", m.MessageID)
	fmt.Fprintf(w, "%s: %s\n", a.p.t(lblFromIs), addressText(m.From))
	fmt.Fprintf(w, "%s: %s\n", a.p.t(lblRequesterIs), ins.Requester)
	fmt.Fprintf(w, "%s: %s\n", a.p.t(lblSubjectIs), m.Subject)

	if !m.Date.IsZero() {
		fmt.Fprintf(w, "%s: %s\n", a.p.t(lblDateIs), m.Date.In(a.loc()).Format("2006-01-02 15:04:05 MST"))
	}
	verdict := a.p.t(verdicts[ins.Verdict])
	switch {
	case ins.Quarantine != "":
		verdict += " (" + a.reasonText(ins.Quarantine) + ")"
	case m.Reason != "":
		verdict += " (" + a.p.t(lblBecause, a.reasonText(m.Reason)) + ")"
	}
	fmt.Fprintf(w, "%s: %s\n", a.p.t(lblVerdict), verdict)
	fmt.Fprintf(w, "%s: %s\n", a.p.t(lblHints), a.hintsText(ins.Hints))

	for _, att := range m.Attachments {
		fmt.Fprintf(w, "%s: %s (%s, %d B, sha256 %s)\n", a.p.t(lblFiles), att.Filename, att.ContentType, att.Size, att.SHA256[:12])
	}
	for _, c := range ins.Commands {
		fmt.Fprintf(w, "%s: #%s %s\n", a.p.t(lblCmds), c.Verb, clip(c.Arg, 80))
	}
	for _, warning := range m.Warnings {
		fmt.Fprintf(w, "%s: %s\n", a.p.t(lblWarn), warning)
	}
	fmt.Fprintf(w, "\n%s:\n%s\n", a.p.t(lblBody), strings.TrimSpace(m.Text))
	if strings.TrimSpace(m.ReplyText) != strings.TrimSpace(m.Text) {
		fmt.Fprintf(w, "\n%s:\n%s\n", a.p.t(lblReply), strings.TrimSpace(m.ReplyText))
	}
}

// hintsText describes in words the thread hints that can tie the message
// to a ticket, or "none".
func (a *app) hintsText(h ingest.Hints) string {
	var parts []string
	if len(h.Tags) > 0 {
		parts = append(parts, a.p.t(hintTags, strings.Join(h.Tags, ", ")))
	}
	if len(h.MessageIDs) > 0 {
		parts = append(parts, a.p.t(hintMessageIDs, len(h.MessageIDs)))
	}
	if len(h.Tokens) > 0 {
		parts = append(parts, a.p.t(hintTokens, len(h.Tokens)))
	}
	if h.ThreadIndex != "" {
		parts = append(parts, a.p.t(hintThreadIndex))
	}
	if len(parts) == 0 {
		return a.p.t(hintNone)
	}
	return strings.Join(parts, "; ")
}

// reasonText returns a classification reason in the command line's
// language, with the labels of the configured templates when there is a
// readable configuration.
func (a *app) reasonText(reason string) string {
	dir := ""
	if cfg, err := LoadConfig(a.configPath, a.env); err == nil {
		dir = cfg.Templates.Dir
	}
	r, err := mailer.NewRenderer(mailer.RenderConfig{Dir: dir})
	if err != nil {
		r, err = mailer.NewRenderer(mailer.RenderConfig{})
	}
	if err != nil {
		return reason
	}
	return r.Reason(a.p.lang, reason)
}
