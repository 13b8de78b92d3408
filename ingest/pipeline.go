package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
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

	mu sync.Mutex
	// failures counts, per message key, the times handling that message
	// alone failed, and when it first did.
	failures map[string]*failure
	// lastSuccess is when a message was last handled without error.
	lastSuccess time.Time
}

type failure struct {
	count int
	first time.Time
}

// poisonAfter is how many times a message may fail on its own before it
// is quarantined, so that one message keluhan cannot handle never blocks
// the mailbox. Failures count only while other messages still go
// through: when everything fails, the store or the disk is at fault, and
// the messages wait for it instead of being quarantined.
const poisonAfter = 3

// NewPipeline returns a pipeline; now is the clock (time.Now outside
// tests).
func NewPipeline(cfg PipelineConfig, archive Archive, proc Processor, log *slog.Logger, now func() time.Time) *Pipeline {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.MaxAttachments <= 0 {
		cfg.MaxAttachments = 20
	}
	return &Pipeline{cfg: cfg, archive: archive, proc: proc, log: log, now: now, failures: map[string]*failure{}}
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
	if err == nil {
		p.succeeded()
	}
	if err != nil && len(in) > 1 {
		p.log.Warn("batch failed, handling its messages one by one", "messages", len(in), "error", err)
		outcomes, err = p.handleSingly(ctx, in)
	}
	if err != nil {
		return nil, err
	}
	verdicts := make([]Verdict, len(batch))
	for i, f := range batch {
		verdicts[i] = Verdict{UID: f.UID, Quarantine: outcomes[i].Disposition == DispositionQuarantined}
	}
	return verdicts, nil
}

// handleSingly handles each message of a failed batch on its own. A
// message that fails poisonAfter times is quarantined with the error as
// the reason. It returns an error when a message failed but is not yet
// quarantined, or when even quarantining failed (the store is down): the
// watcher then retries after a backoff.
func (p *Pipeline) handleSingly(ctx context.Context, in []*Inbound) ([]Outcome, error) {
	outcomes := make([]Outcome, len(in))
	var firstErr error
	for i, m := range in {
		out, err := p.Handle(ctx, []*Inbound{m})
		if err == nil {
			outcomes[i] = out[0]
			p.succeeded()
			continue
		}
		if !p.poisoned(m.Msg.Key) {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		m.Quarantine = fmt.Sprintf(ReasonFailedRepeatedly, poisonAfter, err.Error())
		p.log.Error("message quarantined after repeated failures", "message_id", m.Msg.MessageID, "key", m.Msg.Key, "imap_uid", m.UID, "error", err)
		out, err = p.Handle(ctx, []*Inbound{m})
		if err != nil {
			return nil, fmt.Errorf("quarantine message %s: %w", m.Msg.Key, err)
		}
		outcomes[i] = out[0]
	}
	return outcomes, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// poisoned counts a failure of a message handled alone and reports
// whether it has failed poisonAfter times with another message handled
// successfully since its first failure.
func (p *Pipeline) poisoned(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.failures[key]
	if f == nil {
		f = &failure{first: p.now()}
		p.failures[key] = f
	}
	f.count++
	if f.count < poisonAfter || !p.lastSuccess.After(f.first) {
		return false
	}
	delete(p.failures, key)
	return true
}

// succeeded notes that a message was handled: the store works.
func (p *Pipeline) succeeded() {
	p.mu.Lock()
	p.lastSuccess = p.now()
	p.mu.Unlock()
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
	done, err := p.process(ctx, todo)
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

// process runs the Processor, turning a panic into an error so that a
// message that trips a bug is quarantined like any other failure instead
// of stopping the daemon.
func (p *Pipeline) process(ctx context.Context, in []*Inbound) (out []Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("processor panic: %v", r)
		}
	}()
	return p.proc.Process(ctx, in)
}

// Reasons for quarantine the pipeline stores with a message, as fmt
// formats. They stay English in the store and the log; package mailer
// translates each shape for people, so a new reason needs a translation
// there too.
const (
	ReasonUnparsable         = "unparsable: %s"
	ReasonTooLarge           = "message too large: %d bytes, limit %d"
	ReasonTooManyAttachments = "too many attachments: %d, limit %d"
	ReasonFailedRepeatedly   = "processing failed %d times: %s"
)

// inbound parses one message and applies the limits. A message that
// cannot be parsed or breaks a limit is still stored, then quarantined.
func (p *Pipeline) inbound(raw []byte, truncated bool, size int64) *Inbound {
	in := &Inbound{Raw: raw, FetchedAt: p.now()}
	msg, err := parseSafely(raw, p.cfg.Parse)
	if msg == nil {
		msg = rawOnly(raw)
	}
	in.Msg = msg
	switch {
	case err != nil:
		in.ParseError = err.Error()
		in.Quarantine = fmt.Sprintf(ReasonUnparsable, err.Error())
	case truncated || size > p.cfg.MaxMessageBytes:
		in.Quarantine = fmt.Sprintf(ReasonTooLarge, size, p.cfg.MaxMessageBytes)
	case len(msg.Attachments) > p.cfg.MaxAttachments:
		in.Quarantine = fmt.Sprintf(ReasonTooManyAttachments, len(msg.Attachments), p.cfg.MaxAttachments)
	}
	return in
}

// parseSafely parses, turning a panic in the parser into an error.
func parseSafely(raw []byte, opts ParseOptions) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	return Parse(raw, opts)
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
