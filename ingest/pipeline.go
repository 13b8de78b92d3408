package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// PipelineConfig sets the limits applied to inbound mail before it
// reaches the Processor.
type PipelineConfig struct {
	Parse ParseOptions
	// MaxMessageBytes quarantines larger messages; default 25 MiB.
	MaxMessageBytes int64
	// MaxAttachments quarantines messages with more files; default 20.
	MaxAttachments int
}

// Pipeline takes fetched mail through parsing, the archive and the
// Processor, in that order, and reports what to do with each IMAP
// message. It implements BatchHandler. Safe for concurrent use if its
// Archive and Processor are.
type Pipeline struct {
	cfg     PipelineConfig
	archive Archive
	proc    Processor
	log     *slog.Logger
	now     func() time.Time
}

// NewPipeline returns a pipeline; now is the clock (time.Now outside
// tests).
func NewPipeline(cfg PipelineConfig, archive Archive, proc Processor, log *slog.Logger, now func() time.Time) *Pipeline {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.MaxAttachments <= 0 {
		cfg.MaxAttachments = 20
	}
	return &Pipeline{cfg: cfg, archive: archive, proc: proc, log: log, now: now}
}

// HandleBatch parses, stores and processes a fetched batch and returns a
// verdict per message once everything derived from it is stored.
func (p *Pipeline) HandleBatch(ctx context.Context, batch []Fetched) ([]Verdict, error) {
	in := make([]*Inbound, len(batch))
	for i, f := range batch {
		in[i] = p.inbound(f.Raw, f.Truncated, f.Size)
		in[i].Mailbox, in[i].UIDValidity, in[i].UID = f.Mailbox, f.UIDValidity, f.UID
	}
	outcomes, err := p.Handle(ctx, in)
	if err != nil {
		return nil, err
	}
	verdicts := make([]Verdict, len(batch))
	for i, f := range batch {
		verdicts[i] = Verdict{UID: f.UID, Quarantine: outcomes[i].Disposition == DispositionQuarantined}
	}
	return verdicts, nil
}

// HandleRaw runs raw messages that did not come over IMAP (tests, the
// command line) through the same steps.
func (p *Pipeline) HandleRaw(ctx context.Context, raws [][]byte) ([]Outcome, error) {
	in := make([]*Inbound, len(raws))
	for i, raw := range raws {
		in[i] = p.inbound(raw, false, int64(len(raw)))
	}
	return p.Handle(ctx, in)
}

// Handle stores every message, then processes those not processed
// before, then records the outcomes. It returns one outcome per message;
// a message processed before gets DispositionDone without its ticket.
func (p *Pipeline) Handle(ctx context.Context, in []*Inbound) ([]Outcome, error) {
	states, err := p.archive.SaveMessages(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("store %d messages: %w", len(in), err)
	}
	var todo []*Inbound
	var todoIdx []int
	outcomes := make([]Outcome, len(in))
	for i, st := range states {
		outcomes[i] = Outcome{Key: in[i].Msg.Key, Disposition: DispositionDone}
		if st != SaveDone {
			todo = append(todo, in[i])
			todoIdx = append(todoIdx, i)
		}
	}
	if len(todo) == 0 {
		return outcomes, nil
	}
	done, err := p.proc.Process(ctx, todo)
	if err != nil {
		return nil, fmt.Errorf("process %d messages: %w", len(todo), err)
	}
	if err := p.archive.FinishMessages(ctx, done); err != nil {
		return nil, fmt.Errorf("finish %d messages: %w", len(done), err)
	}
	for j, i := range todoIdx {
		outcomes[i] = done[j]
		p.logOutcome(in[i], done[j])
	}
	return outcomes, nil
}

// inbound parses one message and applies the limits. A message that
// cannot be parsed or breaks a limit is still stored, then quarantined.
func (p *Pipeline) inbound(raw []byte, truncated bool, size int64) *Inbound {
	in := &Inbound{Raw: raw, FetchedAt: p.now()}
	msg, err := Parse(raw, p.cfg.Parse)
	if msg == nil {
		msg = rawOnly(raw)
	}
	in.Msg = msg
	switch {
	case err != nil:
		in.ParseError = err.Error()
		in.Quarantine = "unparsable: " + err.Error()
	case truncated || size > p.cfg.MaxMessageBytes:
		in.Quarantine = fmt.Sprintf("message too large: %d bytes, limit %d", size, p.cfg.MaxMessageBytes)
	case len(msg.Attachments) > p.cfg.MaxAttachments:
		in.Quarantine = fmt.Sprintf("too many attachments: %d, limit %d", len(msg.Attachments), p.cfg.MaxAttachments)
	}
	return in
}

// rawOnly is the Message of mail that could not be read at all: just
// its identity, so that it can still be stored and quarantined.
func rawOnly(raw []byte) *Message {
	sum := sha256.Sum256(raw)
	h := hex.EncodeToString(sum[:])
	return &Message{Key: "sha256:" + h, RawSHA256: h, ContentHash: h, Size: int64(len(raw)), Class: ClassPerson}
}

func (p *Pipeline) logOutcome(in *Inbound, o Outcome) {
	p.log.Debug("message processed",
		"message_id", in.Msg.MessageID, "key", o.Key, "imap_uid", in.UID,
		"disposition", string(o.Disposition), "ticket", o.Ticket, "reason", o.Reason)
}
