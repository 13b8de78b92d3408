package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

var (
	helpOpen       = text{"buka tiket untuk keluhan dari telepon, WhatsApp atau loket", "open a ticket for a complaint from telephone, WhatsApp or the counter"}
	helpChannel    = text{"saluran keluhan: telepon, whatsapp, loket atau email", "channel of the complaint: telepon, whatsapp, loket or email"}
	helpFrom       = text{"pelapor, \"Nama <alamat>\" atau hanya nama bila tanpa email", "the requester, \"Name <address>\" or only a name when there is no email"}
	helpPhone      = text{"nomor telepon pelapor", "the requester's phone number"}
	helpSubject    = text{"perihal keluhan", "subject of the complaint"}
	helpBody       = text{"isi keluhan", "text of the complaint"}
	helpBodyFile   = text{"berkas berisi isi keluhan", "file holding the text of the complaint"}
	helpAttach     = text{"lampiran (boleh diulang)", "attachment (may repeat)"}
	helpMessage    = text{"buka tiket dari email tersimpan, misalnya yang dikarantina, dengan kunci dari keluhan quarantine; pengirim, perihal dan isi diambil dari email itu kecuali diisi, dan saluran bawaannya email", "open the ticket from a stored email, such as a quarantined one, by its key from keluhan quarantine; sender, subject and text come from that email unless given, and the channel defaults to email"}
	helpEnteredBy  = text{"petugas yang mencatat (bawaan: pengguna sistem ini)", "officer entering the complaint (default: this system user)"}
	msgOpened      = text{"Tiket %s dibuka (%s) untuk %s.", "Ticket %s opened (%s) for %s."}
	msgAckQueued   = text{"Tanda terima akan dikirim ke %s.", "An acknowledgment will be sent to %s."}
	msgNoEmailAck  = text{"Pelapor tidak memiliki email: hubungi pelapor langsung untuk setiap perkembangan.", "The requester has no email: contact them directly about every step."}
	msgNeedBody    = text{"isi keluhan wajib diisi: gunakan --body atau --body-file", "the complaint text is required: use --body or --body-file"}
	msgNeedContact = text{"pelapor perlu alamat email (--from \"Nama <alamat>\") atau nomor telepon (--phone)", "the requester needs an email address (--from \"Name <address>\") or a phone number (--phone)"}
	msgNeedSubject = text{"perihal wajib diisi: gunakan --subject", "a subject is required: use --subject"}
	msgNoMessage   = text{"email dengan kunci %s tidak ditemukan: lihat kuncinya dengan keluhan quarantine", "no email with key %s: keluhan quarantine lists the keys"}
	msgInProcess   = text{"email %s masih diproses keluhan serve; tunggu sampai selesai", "email %s is still being processed by keluhan serve; wait until it is done"}
	msgHasTicket   = text{"email %s sudah tercatat pada tiket %s", "email %s is already on ticket %s"}
	msgFromMessage = text{"Email %s kini tercatat pada tiket %s, beserta %d lampirannya.", "Email %s is now on ticket %s, with its %d attachments."}
	msgOpenedQuiet = text{"Email %s sudah dibuka sebagai tiket %s sebelumnya; tidak ada yang diubah.", "Email %s was opened as ticket %s before; nothing was changed."}
	msgBadChannel  = text{"saluran tidak dikenal %q: gunakan telepon, whatsapp, loket atau email", "unknown channel %q: use telepon, whatsapp, loket or email"}
)

func (a *app) ticketOpenCommand() *cobra.Command {
	c := a.newCommand("open", helpOpen)
	channel := c.Flags().String("channel", "telepon", a.p.t(helpChannel))
	from := c.Flags().String("from", "", a.p.t(helpFrom))
	phone := c.Flags().String("phone", "", a.p.t(helpPhone))
	subject := c.Flags().String("subject", "", a.p.t(helpSubject))
	body := c.Flags().String("body", "", a.p.t(helpBody))
	bodyFile := c.Flags().String("body-file", "", a.p.t(helpBodyFile))
	attach := c.Flags().StringArray("attach", nil, a.p.t(helpAttach))
	enteredBy := c.Flags().String("entered-by", currentUser(), a.p.t(helpEnteredBy))
	message := c.Flags().String("message", "", a.p.t(helpMessage))
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if *message != "" {
			in := manualInput{from: *from, phone: *phone, subject: *subject, body: *body, bodyFile: *bodyFile, enteredBy: *enteredBy}
			if cmd.Flags().Changed("channel") {
				in.channel = *channel
			}
			return a.withDeskCore(cmd.Context(), func(core *core) error {
				t, before, err := a.openFromMessage(cmd.Context(), core, *message, in)
				if err != nil {
					return err
				}
				if before {
					fmt.Fprintln(a.stdout, a.p.t(msgOpenedQuiet, *message, t.Number))
					return nil
				}
				a.printOpened(core, t)
				fmt.Fprintln(a.stdout, a.p.t(msgFromMessage, *message, t.Number, len(t.Attachments)))
				return nil
			})
		}
		mc, err := a.manualComplaint(*channel, *from, *phone, *subject, *body, *bodyFile, *enteredBy)
		if err != nil {
			return err
		}
		return a.withDeskCore(cmd.Context(), func(core *core) error {
			for i, path := range *attach {
				ref, err := storeAttachment(cmd, core, mc.Key, i, path)
				if err != nil {
					return err
				}
				mc.Attachments = append(mc.Attachments, ref)
			}
			t, err := core.desk.OpenManual(cmd.Context(), mc)
			if err != nil {
				return err
			}
			a.printOpened(core, t)
			return nil
		})
	}
	return c
}

// manualInput holds the flags of ticket open that describe the
// complaint.
type manualInput struct {
	channel, from, phone, subject, body, bodyFile, enteredBy string
}

// openFromMessage opens a ticket for the stored email key, typically one
// that was quarantined, and records the ticket on the email. Fields of in
// that are empty come from the email: its sender (the Reply-To of a
// no-reply relay), subject and text, on the email channel. The email's
// attachments go with the ticket, as they would have on intake. Opening
// the same email again returns the first ticket with before set, and an
// email that is already on another ticket or still being processed is
// refused.
func (a *app) openFromMessage(ctx context.Context, c *core, key string, in manualInput) (t *workflow.Ticket, before bool, err error) {
	doc, err := c.store.Message(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, errors.New(a.p.t(msgNoMessage, key))
	}
	if err != nil {
		return nil, false, err
	}
	if !doc.Status.Final() {
		return nil, false, errors.New(a.p.t(msgInProcess, key))
	}

	sourceKey := "message:" + doc.Key
	if doc.Ticket != "" {
		t, err := c.store.Ticket(ctx, doc.Ticket)
		if err == nil && t.SourceKey == "manual:"+sourceKey {
			return t, true, nil
		}
		return nil, false, errors.New(a.p.t(msgHasTicket, key, doc.Ticket))
	}

	if in.channel == "" {
		in.channel = string(workflow.ChannelEmail)
	}
	if in.from == "" && in.phone == "" {
		in.from = requesterOf(doc)
	}
	if strings.TrimSpace(in.subject) == "" {
		in.subject = doc.Subject
	}
	if strings.TrimSpace(in.body) == "" && in.bodyFile == "" {
		in.body = doc.Text
	}

	mc, err := a.manualComplaint(in.channel, in.from, in.phone, in.subject, in.body, in.bodyFile, in.enteredBy)
	if err != nil {
		return nil, false, err
	}
	mc.Key = sourceKey
	for _, att := range doc.Attachments {
		mc.Attachments = append(mc.Attachments, workflow.AttachmentRef{
			MessageKey: doc.Key, Index: att.Index, Filename: att.Filename, ContentType: att.ContentType,
		})
	}

	t, err = c.desk.OpenManual(ctx, mc)
	if err != nil {
		return nil, false, err
	}
	if err := c.store.SetMessageTicket(ctx, doc.Key, t.Number); err != nil {
		return nil, false, err
	}
	return t, false, nil
}

// requesterOf returns the person a stored email came from as "Name
// <address>", as ingest.Message.Requester picks it.
func requesterOf(doc *store.MessageDoc) string {
	from := doc.Message().Requester()
	if from == nil || from.Address == "" {
		return ""
	}
	return from.String()
}

func (a *app) manualComplaint(channel, from, phone, subject, body, bodyFile, enteredBy string) (workflow.ManualComplaint, error) {
	mc := workflow.ManualComplaint{Key: randomKey(), Channel: workflow.Channel(strings.ToLower(channel)), EnteredBy: enteredBy}
	if !workflow.ValidChannel(mc.Channel) {
		return mc, errors.New(a.p.t(msgBadChannel, channel))
	}
	mc.Requester = parseRequester(from)
	mc.Requester.Phone = strings.TrimSpace(phone)
	if mc.Requester.Email == "" && mc.Requester.Phone == "" {
		return mc, errors.New(a.p.t(msgNeedContact))
	}
	mc.Subject = strings.TrimSpace(subject)
	if mc.Subject == "" {
		return mc, errors.New(a.p.t(msgNeedSubject))
	}
	mc.Body = body
	if bodyFile != "" {
		data, err := os.ReadFile(bodyFile)
		if err != nil {
			return mc, err
		}
		mc.Body = string(data)
	}
	if strings.TrimSpace(mc.Body) == "" {
		return mc, errors.New(a.p.t(msgNeedBody))
	}
	return mc, nil
}

// parseRequester reads "Name <address>", a bare address, or a name.
func parseRequester(from string) workflow.Party {
	from = strings.TrimSpace(from)
	if a, err := mail.ParseAddress(from); err == nil {
		return workflow.Party{Name: a.Name, Email: strings.ToLower(a.Address)}
	}
	return workflow.Party{Name: from}
}

// storeAttachment keeps a file in the blob store for the ticket.
func storeAttachment(cmd *cobra.Command, c *core, key string, i int, path string) (workflow.AttachmentRef, error) {
	f, err := os.Open(path)
	if err != nil {
		return workflow.AttachmentRef{}, err
	}
	defer f.Close()
	name := filepath.Base(path)
	blob := fmt.Sprintf("manual/%s/%d-%s", key, i, name)
	if err := c.store.PutBlob(cmd.Context(), blob, f); err != nil {
		return workflow.AttachmentRef{}, fmt.Errorf("store %s: %w", path, err)
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return workflow.AttachmentRef{BlobName: blob, Filename: name, ContentType: ctype}, nil
}

func (a *app) printOpened(c *core, t *workflow.Ticket) {
	fmt.Fprintln(a.stdout, a.p.t(msgOpened, t.Number, c.label(a.p.lang, "channel", string(t.Channel)), partyText(t.Requester)))
	if t.Requester.Email != "" {
		fmt.Fprintln(a.stdout, a.p.t(msgAckQueued, t.Requester.Email))
	} else {
		fmt.Fprintln(a.stdout, a.p.t(msgNoEmailAck))
	}
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24
	return hex.EncodeToString(b)
}
