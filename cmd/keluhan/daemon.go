package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// errDaemonRunning means another daemon owns the embedded store.
var errDaemonRunning = errors.New("already running")

// shutdownTimeout bounds how long the daemon waits for its parts to
// finish the work in hand after SIGTERM.
const shutdownTimeout = 30 * time.Second

// core is the store and the procedure, without any mail transport: what
// the command line needs to read and change tickets.
type core struct {
	now    func() time.Time
	set    *settings
	log    *slog.Logger
	store  *store.Store
	render *mailer.Renderer
	desk   *workflow.Desk
}

// openCore opens the store and builds the Desk.
func openCore(ctx context.Context, set *settings, log *slog.Logger, now func() time.Time) (*core, error) {
	st, err := store.Open(ctx, set.store, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	c := &core{set: set, log: log, store: st, now: now}
	if err := c.build(now); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *core) build(now func() time.Time) error {
	render, err := mailer.NewRenderer(c.set.render)
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	c.render = render
	machine, err := workflow.NewMachine(c.set.rules, c.set.cal)
	if err != nil {
		return err
	}
	desk, err := workflow.NewDesk(c.set.desk, c.store, render, machine, c.set.triage, now)
	if err != nil {
		return err
	}
	c.desk = desk
	return nil
}

func (c *core) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.store.Close(ctx); err != nil {
		c.log.Warn("store close failed", "error", err)
	}
}

// daemon is the running service: mailbox watcher, outbox worker and
// scheduler around one core.
type daemon struct {
	*core
	pipeline *ingest.Pipeline
	watcher  *ingest.Watcher
	sender   *mailer.SMTPSender
	worker   *mailer.Worker
	metrics  *metrics
	owner    string
	now      func() time.Time
	cfg      *Config
	// sent holds the periodic reports this process queued, so that the
	// scheduler builds each only once; the outbox key makes a repeat by
	// another process harmless.
	sent map[string]bool
}

// openDaemon builds every part of the service; nothing runs until run.
// now is the clock of the procedure and the outbox (time.Now outside
// tests, which may run the procedure's time faster).
func openDaemon(ctx context.Context, cfg *Config, set *settings, log *slog.Logger, now func() time.Time) (*daemon, error) {
	c, err := openCore(ctx, set, log, now)
	if err != nil {
		return nil, err
	}
	if c.store.Embedded() && !c.store.OwnsServer() {
		c.close()
		return nil, fmt.Errorf("data folder %s is held by another keluhan process: %w", set.store.DataDir, errDaemonRunning)
	}
	d := &daemon{core: c, owner: set.worker.Owner, now: now, cfg: cfg, sent: map[string]bool{}}
	if err := d.buildMail(); err != nil {
		c.close()
		return nil, err
	}
	return d, nil
}

func (d *daemon) buildMail() error {
	sender, err := mailer.NewSMTPSender(d.set.smtp, d.log)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	d.sender = sender
	workerCfg := d.set.worker
	workerCfg.Now = d.now
	workerCfg.OnFailed = d.deliveryFailed
	d.worker = mailer.NewWorker(workerCfg, d.store, sender, attachmentSource{store: d.store}, d.log)
	d.metrics = newMetrics(d.store)
	proc := wakingProcessor{proc: d.desk, wake: d.worker.Wake, metrics: d.metrics}
	d.pipeline = ingest.NewPipeline(d.set.pipeline, d.store, proc, d.log, d.now)
	watcher, err := ingest.NewWatcher(d.set.imap, d.pipeline, d.store, d.log)
	if err != nil {
		return fmt.Errorf("imap: %w", err)
	}
	watcher.SetPollObserver(d.metrics.observePoll)
	d.watcher = watcher
	return nil
}

// run starts every part and blocks until ctx is cancelled, then waits
// for each part to finish the work in hand.
func (d *daemon) run(ctx context.Context, listen string) error {
	defer d.close()
	defer d.sender.Close()
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("imap watcher", d.watcher.Run)
	start("outbox worker", d.worker.Run)
	start("scheduler", d.schedule)
	if listen != "" {
		start("http", func(ctx context.Context) error { return d.serveHTTP(ctx, listen) })
	}
	d.log.Info("keluhan started", "mailbox", d.set.imap.Mailbox, "owner", d.owner)
	<-ctx.Done()
	d.log.Info("keluhan stopping")
	return d.wait(&wg, errs)
}

func (d *daemon) wait(wg *sync.WaitGroup, errs chan error) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownTimeout):
		return fmt.Errorf("shutdown: parts still busy after %s", shutdownTimeout)
	}
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	d.log.Info("keluhan stopped")
	return errors.Join(all...)
}

// schedule runs the SLA clocks and the periodic reports at the
// configured interval. With several instances, a store lease lets one
// run at a time.
func (d *daemon) schedule(ctx context.Context) error {
	tick := time.NewTicker(d.set.tick)
	defer tick.Stop()
	for {
		d.runJobs(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (d *daemon) runJobs(ctx context.Context) {
	ok, err := d.store.AcquireLease(ctx, "scheduler", d.owner, time.Now(), 2*d.set.tick+time.Minute)
	if err != nil {
		d.log.Warn("scheduler lease failed", "error", err)
		return
	}
	if !ok {
		return
	}
	res, err := d.desk.Tick(ctx)
	if err != nil {
		d.log.Error("sla check failed", "error", err)
		return
	}
	if res.Warnings+res.Breaches > 0 {
		d.log.Info("sla check", "tickets", res.Tickets, "warnings", res.Warnings, "breaches", res.Breaches, "summarized", res.Summarized)
		d.worker.Wake()
	}
	d.runReports(ctx)
}

// deliveryFailed records a failed delivery on its ticket; the failure
// itself stays visible in the outbox either way.
func (d *daemon) deliveryFailed(ctx context.Context, out *workflow.Outgoing, reason string) {
	if err := d.desk.DeliveryFailed(ctx, out, reason); err != nil {
		d.log.Warn("failed delivery not recorded on ticket", "ticket", out.Ticket, "key", out.Key, "error", err)
		return
	}
	d.worker.Wake()
}

// wakingProcessor wakes the outbox worker after each processed batch, so
// an acknowledgment leaves within moments of the complaint's arrival.
type wakingProcessor struct {
	proc    ingest.Processor
	wake    func()
	metrics *metrics
}

func (p wakingProcessor) Process(ctx context.Context, in []*ingest.Inbound) ([]ingest.Outcome, error) {
	out, err := p.proc.Process(ctx, in)
	if err == nil {
		p.metrics.observeBatch(in, out)
		p.wake()
	}
	return out, err
}
