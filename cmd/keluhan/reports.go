package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/report"
)

// periodic is a digest the scheduler sends once per period.
type periodic struct {
	kind     string
	key      string
	from, to time.Time
	due      time.Time
}

// runReports sends the weekly digest on the first working moment of each
// week, for the week before, and the monthly report on the configured
// working day of each month, for the month before. Each period has one
// key, so several instances, or one that restarts, still send it once.
func (d *daemon) runReports(ctx context.Context) {
	now := d.now()
	var due []periodic
	if *d.cfg.Reports.WeeklyDigest {
		due = append(due, d.weeklyPeriod(now))
	}
	if *d.cfg.Reports.MonthlyReport {
		due = append(due, d.monthlyPeriod(now))
	}
	for _, p := range due {
		if now.Before(p.due) || d.sent[p.key] {
			continue
		}
		if err := d.sendPeriodic(ctx, p, now); err != nil {
			d.log.Error("periodic report failed", "key", p.key, "error", err)
			continue
		}
		d.sent[p.key] = true
	}
}

// weeklyPeriod is last week, Monday to Monday, due at this week's first
// working moment.
func (d *daemon) weeklyPeriod(now time.Time) periodic {
	local := now.In(d.set.loc)
	offset := (int(local.Weekday()) + 6) % 7
	monday := time.Date(local.Year(), local.Month(), local.Day()-offset, 0, 0, 0, 0, d.set.loc)
	from := monday.AddDate(0, 0, -7)
	year, week := from.ISOWeek()
	return periodic{
		kind: workflow.MailDigest, key: fmt.Sprintf("digest:%d-W%02d", year, week),
		from: from, to: monday, due: d.set.cal.NextOpen(monday),
	}
}

// monthlyPeriod is last month, due at the configured working day of this
// month.
func (d *daemon) monthlyPeriod(now time.Time) periodic {
	local := now.In(d.set.loc)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, d.set.loc)
	from := first.AddDate(0, -1, 0)
	due := d.set.cal.FirstWorkingDay(local.Year(), local.Month())
	for i := 1; i < d.cfg.Reports.MonthlyWorkingDay; i++ {
		due = d.set.cal.NextOpen(d.set.cal.AddWorking(due, d.set.cal.DayLength()))
	}
	return periodic{
		kind: workflow.MailMonthlyReport, key: "monthly:" + from.Format("2006-01"),
		from: from, to: first, due: due,
	}
}

// sendPeriodic computes the period's figures, for the monthly report
// also the printable report as an attachment, and queues the mail.
func (d *daemon) sendPeriodic(ctx context.Context, p periodic, now time.Time) error {
	opts := report.Options{
		From: p.from, To: p.to, Language: d.cfg.Language, Location: d.set.loc, Calendar: d.set.cal,
		Standards: workingStandards(d.set.rules, d.set.cal.DayLength()), MaskRequester: d.set.desk.MaskRequester,
		DeskName: d.set.desk.Desk.Name, Labels: d.render, Now: now,
	}
	view, history, err := digestOf(ctx, d.store, opts)
	if err != nil {
		return err
	}
	if !history {
		// A desk that had no complaint before the period ended (a new
		// installation) has nothing to report for it.
		return nil
	}
	var attachments []workflow.AttachmentRef
	if p.kind == workflow.MailMonthlyReport {
		ref, err := d.storeMonthlyReport(ctx, opts, p)
		if err != nil {
			return err
		}
		attachments = append(attachments, ref)
		view.ReportName = ref.Filename
	}
	n, err := d.desk.QueueDigest(ctx, p.kind, p.key, &view, attachments)
	if err != nil {
		return err
	}
	d.log.Info("periodic report queued", "key", p.key, "recipients", n)
	d.worker.Wake()
	return nil
}

// digestOf streams every ticket and record through a digest builder. It
// also reports whether any ticket was received before the period ended.
func digestOf(ctx context.Context, src reportSource, opts report.Options) (workflow.DigestView, bool, error) {
	b, err := report.NewDigestBuilder(opts)
	if err != nil {
		return workflow.DigestView{}, false, err
	}
	history := false
	addTicket := func(t *workflow.Ticket) {
		history = history || t.ReceivedAt.Before(opts.To)
		b.AddTicket(t)
	}
	if err := streamTrail(ctx, src, addTicket, b.AddRecord); err != nil {
		return workflow.DigestView{}, false, err
	}
	return b.View(), history, nil
}

// storeMonthlyReport renders the month's printable report and keeps it
// in the blob store, from where the mailer attaches it.
func (d *daemon) storeMonthlyReport(ctx context.Context, opts report.Options, p periodic) (workflow.AttachmentRef, error) {
	r, err := buildReport(ctx, d.store, opts)
	if err != nil {
		return workflow.AttachmentRef{}, err
	}
	var html bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		return workflow.AttachmentRef{}, err
	}
	name := "laporan-keluhan-" + p.from.Format("2006-01") + ".html"
	if d.cfg.Language == "en" {
		name = "complaints-report-" + p.from.Format("2006-01") + ".html"
	}
	blob := "reports/" + name
	if err := d.store.PutBlob(ctx, blob, &html); err != nil {
		return workflow.AttachmentRef{}, fmt.Errorf("store %s: %w", blob, err)
	}
	return workflow.AttachmentRef{BlobName: blob, Filename: name, ContentType: "text/html; charset=utf-8"}, nil
}
