package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// genConfig sets the size and mix of a generated set.
type genConfig struct {
	// emails is the number of deliveries, duplicates included.
	emails int
	// replyShare and duplicateShare are the shares of deliveries that are
	// replies and second deliveries of an earlier message.
	replyShare, duplicateShare float64
	// perSender caps the complaints of one sender. keluhan's defaults
	// quarantine a sender's 21st new ticket within an hour and suppress
	// the 11th acknowledgment to one address within a day.
	perSender int
	seed      uint64
	run       string
	helpdesk  person
	dir       string
}

// Sizes of the generated emails: drawn log-uniformly between these.
const (
	minEmailBytes = 2 << 10
	maxEmailBytes = 20 << 10
)

// wib is Western Indonesia Time, UTC+7, the senders' time zone.
var wib = time.FixedZone("WIB", 7*60*60)

// generator builds one set, message by message, in delivery order.
type generator struct {
	cfg   genConfig
	w     *writer
	truth *Truth

	drafts  []*draft
	topics  []int // topic of each message
	senders []person
	load    []int // complaints per sender so far

	complaintsLeft, repliesLeft, duplicatesLeft int
	duplicated                                  map[int]bool
	ids                                         map[string]bool
}

// generate writes a set into cfg.dir: eml/NNNNNN.eml per message and
// truth.json.
func generate(cfg genConfig, now time.Time) (*Truth, error) {
	if err := os.MkdirAll(filepath.Join(cfg.dir, "eml"), 0o755); err != nil {
		return nil, fmt.Errorf("create set folder: %w", err)
	}

	g := newGenerator(cfg, now)
	for range cfg.emails {
		if err := g.next(); err != nil {
			return nil, err
		}
	}

	g.truth.Emails = len(g.truth.Deliveries)
	if err := writeTruth(cfg.dir, g.truth); err != nil {
		return nil, err
	}
	return g.truth, nil
}

func newGenerator(cfg genConfig, now time.Time) *generator {
	runHash := fnv.New64a()
	runHash.Write([]byte(cfg.run))
	rng := rand.New(rand.NewPCG(cfg.seed, runHash.Sum64()))

	duplicates := int(math.Round(float64(cfg.emails) * cfg.duplicateShare))
	replies := int(math.Round(float64(cfg.emails) * cfg.replyShare))
	complaints := max(1, cfg.emails-duplicates-replies)

	g := &generator{
		cfg:   cfg,
		w:     &writer{rng: rng, now: now.In(wib)},
		truth: &Truth{Run: cfg.run, Seed: cfg.seed, Generated: now, Helpdesk: cfg.helpdesk.Address},

		complaintsLeft: complaints,
		repliesLeft:    replies,
		duplicatesLeft: duplicates,
		duplicated:     map[int]bool{},
		ids:            map[string]bool{},
	}
	// Two complaints per sender on average, so that many senders write
	// more than once and none reaches cfg.perSender often.
	g.senders = makeSenders(g.w, complaints/2+1)
	g.load = make([]int, len(g.senders))
	return g
}

// next adds one delivery: a new complaint, a reply, or a duplicate.
func (g *generator) next() error {
	left := g.complaintsLeft + g.repliesLeft + g.duplicatesLeft
	roll := g.w.rng.IntN(max(left, 1))
	switch {
	case len(g.drafts) > 0 && roll < g.duplicatesLeft:
		if idx, ok := g.pickDuplicate(); ok {
			g.duplicatesLeft--
			g.truth.Duplicates++
			g.truth.Deliveries = append(g.truth.Deliveries, idx)
			return nil
		}
	case len(g.drafts) > 0 && roll < g.duplicatesLeft+g.repliesLeft:
		g.repliesLeft--
		return g.add(g.newReply())
	}

	g.complaintsLeft--
	return g.add(g.newComplaint())
}

// pickDuplicate chooses a message delivered in the last 100 deliveries
// that has not been duplicated yet.
func (g *generator) pickDuplicate() (int, bool) {
	n := len(g.truth.Deliveries)
	for range 20 {
		pos := n - 1 - g.w.rng.IntN(min(n, 100))
		idx := g.truth.Deliveries[pos]
		if !g.duplicated[idx] {
			g.duplicated[idx] = true
			return idx, true
		}
	}
	return 0, false
}

func (g *generator) newComplaint() (*draft, Message) {
	topicIdx := g.w.rng.IntN(len(topics))
	t := topics[topicIdx]
	d := &draft{
		from:   g.pickSender(),
		date:   g.w.now.Add(-time.Duration(g.w.between(5, 3*24*60)) * time.Minute),
		client: mailClient(g.w.rng.IntN(int(clientCount))),
	}
	d.subject = g.w.fill(g.w.pick(t.subjects))
	if g.w.chance(0.1) {
		// A non-ASCII subject, sent RFC 2047-encoded.
		d.subject += " – mohon segera ditindaklanjuti"
	}
	if g.w.chance(0.5) {
		d.attachment = g.pdfAttachment()
	}

	target := g.targetSize()
	d.text = joinParagraphs(g.w.complaintParagraphs(t, d.from, g.textTarget(target, d)))
	g.topics = append(g.topics, topicIdx)
	return d, Message{Kind: kindComplaint}
}

func (g *generator) newReply() (*draft, Message) {
	// The parent is one of the last 300 deliveries, so a reply sometimes
	// lands in the same fetch batch as its parent.
	n := len(g.truth.Deliveries)
	parentIdx := g.truth.Deliveries[n-1-g.w.rng.IntN(min(n, 300))]
	parent := g.drafts[parentIdx]
	root := g.truth.Messages[parentIdx].Complaint
	if root == "" {
		root = parent.messageID
	}
	topicIdx := g.topics[parentIdx]

	d := &draft{
		from:       parent.from,
		date:       replyDate(parent.date, g.w),
		client:     parent.client,
		inReplyTo:  parent.messageID,
		references: append(append([]string(nil), parent.references...), parent.messageID),
		subject:    replySubject(parent.subject, g.w),
	}
	if g.w.chance(0.2) {
		d.attachment = g.pdfAttachment()
	}

	target := g.targetSize()
	d.text = joinParagraphs(g.w.replyParagraphs(topics[topicIdx], d.from, parent, g.textTarget(target, d)))
	g.topics = append(g.topics, topicIdx)
	return d, Message{Kind: kindReply, Complaint: root, InReplyTo: parent.messageID}
}

// add gives the draft its identity, writes its file and records it.
func (g *generator) add(d *draft, m Message) error {
	d.messageID = g.newMessageID(d)
	d.boundary = "----=_Part_" + hex.EncodeToString(g.randomBytes(8))
	raw := encode(d, g.cfg.helpdesk)

	idx := len(g.drafts)
	m.File = filepath.Join("eml", fmt.Sprintf("%06d.eml", idx+1))
	if err := os.WriteFile(filepath.Join(g.cfg.dir, m.File), raw, 0o644); err != nil {
		return fmt.Errorf("write message: %w", err)
	}

	m.MessageID, m.From, m.Subject = d.messageID, d.from.Address, d.subject
	m.Size, m.Attachment = len(raw), d.attachment != nil
	g.drafts = append(g.drafts, d)
	g.truth.Messages = append(g.truth.Messages, m)
	g.truth.Deliveries = append(g.truth.Deliveries, idx)
	if m.Kind == kindComplaint {
		g.truth.Complaints++
	} else {
		g.truth.Replies++
	}
	return nil
}

// pickSender chooses a sender who has written fewer than perSender
// complaints; when every sender has, the least loaded one.
func (g *generator) pickSender() person {
	for range 50 {
		i := g.w.rng.IntN(len(g.senders))
		if g.load[i] < g.cfg.perSender {
			g.load[i]++
			return g.senders[i]
		}
	}
	least := 0
	for i, n := range g.load {
		if n < g.load[least] {
			least = i
		}
	}
	g.load[least]++
	return g.senders[least]
}

// targetSize draws an email size in bytes, log-uniformly between
// minEmailBytes and maxEmailBytes.
func (g *generator) targetSize() int {
	lo, hi := math.Log(minEmailBytes), math.Log(maxEmailBytes)
	return int(math.Exp(lo + g.w.rng.Float64()*(hi-lo)))
}

// textTarget is the plain-text length that makes the encoded email about
// target bytes: the header and MIME structure take about 900 bytes, an
// attachment its base64 size, and an HTML alternative repeats the text
// with markup.
func (g *generator) textTarget(target int, d *draft) int {
	rest := target - 900
	if d.attachment != nil {
		rest -= base64.StdEncoding.EncodedLen(len(d.attachment.data)) * 78 / 76
	}
	if d.hasHTML() {
		rest = rest * 10 / 23
	}
	return max(rest, 400)
}

func (g *generator) pdfAttachment() *file {
	name := g.w.pick(attachmentNames)
	title := strings.ToUpper(strings.ReplaceAll(name, "_", " "))
	lines := []string{
		"Nomor permohonan : " + g.w.reference(),
		"Nama pemohon     : " + g.w.pick(companies),
		"Tanggal          : " + g.w.pastDate(),
		"Jumlah           : Rp " + g.w.rupiah(),
	}
	for range g.w.between(4, 30) {
		lines = append(lines, g.w.fill(g.w.pick(topics[g.w.rng.IntN(len(topics))].details)))
	}
	data := pdfDocument(title, lines, g.w.now)
	filename := fmt.Sprintf("%s_%d.pdf", name, g.w.between(1000, 99999))
	return &file{name: filename, contentType: "application/pdf", data: data}
}

func (g *generator) randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.w.rng.UintN(256))
	}
	return b
}

func joinParagraphs(paras []string) string {
	for i, p := range paras {
		paras[i] = wrap(p, 76)
	}
	return strings.Join(paras, "\n\n") + "\n"
}

// replyDate is a few minutes to hours after the parent, but not in the
// future.
func replyDate(parent time.Time, w *writer) time.Time {
	d := parent.Add(time.Duration(w.between(10, 600)) * time.Minute)
	if d.After(w.now) {
		d = w.now.Add(-time.Minute)
	}
	return d
}

// replySubject adds the reply prefix a client writes, unless the subject
// has one already.
func replySubject(subject string, w *writer) string {
	lower := strings.ToLower(subject)
	if strings.HasPrefix(lower, "re:") || strings.HasPrefix(lower, "balas:") {
		return subject
	}
	return w.pick([]string{"Re: ", "RE: ", "Balas: "}) + subject
}
