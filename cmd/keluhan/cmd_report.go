package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/keluhan/keluhan/workflow"
	"github.com/keluhan/keluhan/workflow/report"
)

// Help and messages of keluhan report.
var (
	helpReport         = text{"laporan penanganan keluhan satu periode: HTML siap cetak, CSV atau JSON", "complaint handling report of a period: printable HTML, CSV or JSON"}
	helpReportFrom     = text{"tanggal pertama periode, YYYY-MM-DD (bawaan: tanggal 1 bulan ini)", "first day of the period, YYYY-MM-DD (default: the 1st of this month)"}
	helpReportTo       = text{"tanggal terakhir periode, ikut dihitung, YYYY-MM-DD (bawaan: hari ini)", "last day of the period, included, YYYY-MM-DD (default: today)"}
	helpReportFormat   = text{"format keluaran: html (siap cetak A4), csv (untuk Excel) atau json", "output format: html (printable on A4), csv (for Excel) or json"}
	helpReportOut      = text{"tulis laporan ke berkas ini, bukan ke keluaran standar", "write the report to this file instead of standard output"}
	helpReportMask     = text{"samarkan nama, email dan telepon pelapor (bawaan: sesuai privacy.mask_requester)", "mask the requester's name, email and phone (default: privacy.mask_requester)"}
	helpReportOfficial = text{"jabatan pejabat yang menandatangani, misalnya \"Kepala Pusat Data dan Informasi\"", "title of the signing official, for example \"Head of the Data and Information Centre\""}
	helpReportPlace    = text{"tempat penandatanganan, misalnya Jakarta", "place of signing, for example Jakarta"}
	helpReportSigner   = text{"nama pejabat yang menandatangani", "name of the signing official"}
	helpReportNIP      = text{"NIP pejabat yang menandatangani", "civil servant number (NIP) of the signing official"}
	helpRecurrence     = text{"daftar keluhan berulang: kelompok keluhan yang kata kuncinya mirip", "list recurring complaints: groups of complaints with similar terms"}
	helpRecurSince     = text{"hanya keluhan yang diterima sejak tanggal ini, YYYY-MM-DD (bawaan: sepanjang similar.window)", "only complaints received since this date, YYYY-MM-DD (default: the last similar.window)"}
	helpRecurMin       = text{"kemiripan kata kunci minimal antara dua keluhan, lebih dari 0 sampai 1", "minimum similarity of two complaints' terms, above 0 and at most 1"}

	msgBadFormat     = text{"format tidak dikenal %q: gunakan html, csv atau json", "unknown format %q: use html, csv or json"}
	msgBadPeriod     = text{"periode tidak valid: --to %s lebih awal dari --from %s", "invalid period: --to %s is before --from %s"}
	msgBadMin        = text{"nilai --min tidak valid %v: gunakan angka lebih dari 0 sampai 1, misalnya 0.35", "invalid --min %v: use a number above 0 and at most 1, for example 0.35"}
	msgReportWritten = text{"Laporan %d keluhan (%s s.d. %s) ditulis ke %s.", "Report of %d complaints (%s to %s) written to %s."}
	msgNoRecurrence  = text{"Tidak ada keluhan berulang sejak %s.", "No recurring complaints since %s."}
	msgGroup         = text{"Kelompok %d: %s (%d keluhan)", "Group %d: %s (%d complaints)"}
)

// reportFlags are the options of keluhan report.
type reportFlags struct {
	from, to, format, out              string
	mask                               bool
	official, place, signer, signerNIP string
}

// dateLayout is the layout of dates on the command line.
const dateLayout = "2006-01-02"

// defaultRecurrenceWindow is how far back keluhan report recurrence looks
// when similar.window is not set.
const defaultRecurrenceWindow = 90 * 24 * time.Hour

// reportSource streams what a report reads. *store.Store implements it.
type reportSource interface {
	EachTicket(ctx context.Context, fn func(*workflow.Ticket) error) error
	EachRecord(ctx context.Context, fn func(*workflow.Record) error) error
}

// reportCommand is keluhan report, with its subcommand recurrence.
func (a *app) reportCommand() *cobra.Command {
	c := a.newCommand("report", helpReport)
	var f reportFlags
	c.Flags().StringVar(&f.from, "from", "", a.p.t(helpReportFrom))
	c.Flags().StringVar(&f.to, "to", "", a.p.t(helpReportTo))
	c.Flags().StringVar(&f.format, "format", "html", a.p.t(helpReportFormat))
	c.Flags().StringVarP(&f.out, "out", "o", "", a.p.t(helpReportOut))
	c.Flags().BoolVar(&f.mask, "mask", false, a.p.t(helpReportMask))
	c.Flags().StringVar(&f.official, "official", "", a.p.t(helpReportOfficial))
	c.Flags().StringVar(&f.place, "place", "", a.p.t(helpReportPlace))
	c.Flags().StringVar(&f.signer, "signer", "", a.p.t(helpReportSigner))
	c.Flags().StringVar(&f.signerNIP, "nip", "", a.p.t(helpReportNIP))

	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		write, err := a.reportWriter(f.format)
		if err != nil {
			return err
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			opts, err := a.reportOptions(c, f, cmd.Flags().Changed("mask"), time.Now())
			if err != nil {
				return err
			}
			r, err := buildReport(cmd.Context(), c.store, opts)
			if err != nil {
				return err
			}
			return a.writeReport(r, opts, write, f.out)
		})
	}

	c.AddCommand(a.recurrenceCommand())
	return c
}

// reportWriter returns the Report method that writes format.
func (a *app) reportWriter(format string) (func(*report.Report, io.Writer) error, error) {
	switch format {
	case "html":
		return (*report.Report).WriteHTML, nil
	case "csv":
		return (*report.Report).WriteCSV, nil
	case "json":
		return (*report.Report).WriteJSON, nil
	}
	return nil, errors.New(a.p.t(msgBadFormat, format))
}

// reportOptions turns the flags and the configuration into the report's
// options. The period runs from the start of --from to the end of --to
// in the desk's time zone.
func (a *app) reportOptions(c *core, f reportFlags, maskSet bool, now time.Time) (report.Options, error) {
	from, to, err := a.reportPeriod(f.from, f.to, now, c.set.loc)
	if err != nil {
		return report.Options{}, err
	}
	mask := c.set.desk.MaskRequester
	if maskSet {
		mask = f.mask
	}
	return report.Options{
		From:          from,
		To:            to,
		Language:      a.p.lang,
		Location:      c.set.loc,
		Calendar:      c.set.cal,
		Standards:     workingStandards(c.set.rules, c.set.cal.DayLength()),
		MaskRequester: mask,
		DeskName:      c.set.desk.Desk.Name,
		Official:      f.official,
		Place:         f.place,
		SignerName:    f.signer,
		SignerNIP:     f.signerNIP,
		Labels:        c.render,
		Now:           now,
	}, nil
}

// reportPeriod parses --from and --to as dates in loc and returns the
// period [from, day after to). Empty --from means the first day of the
// month of now, empty --to the day of now.
func (a *app) reportPeriod(fromText, toText string, now time.Time, loc *time.Location) (from, to time.Time, err error) {
	today := now.In(loc)
	from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	last := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)

	if fromText != "" {
		if from, err = a.parseDate(fromText, loc); err != nil {
			return from, to, err
		}
	}
	if toText != "" {
		if last, err = a.parseDate(toText, loc); err != nil {
			return from, to, err
		}
	}
	if last.Before(from) {
		return from, to, errors.New(a.p.t(msgBadPeriod, last.Format(dateLayout), from.Format(dateLayout)))
	}
	return from, last.AddDate(0, 0, 1), nil
}

func (a *app) parseDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(dateLayout, s, loc)
	if err != nil {
		return time.Time{}, errors.New(a.p.t(msgBadDate, s))
	}
	return t, nil
}

// workingStandards converts the rules' time standards to working time.
func workingStandards(rules workflow.Rules, dayLength time.Duration) map[workflow.Step]time.Duration {
	out := make(map[workflow.Step]time.Duration, len(rules.Standards))
	for step, d := range rules.Standards {
		out[step] = d.Working(dayLength)
	}
	return out
}

// buildReport streams every ticket and then every record through a
// report builder, which keeps only the tickets of the period and the
// records that concern them.
func buildReport(ctx context.Context, src reportSource, opts report.Options) (*report.Report, error) {
	b, err := report.NewBuilder(opts)
	if err != nil {
		return nil, err
	}
	addTicket := func(t *workflow.Ticket) { b.AddTicket(t) }
	if err := streamTrail(ctx, src, addTicket, b.AddRecord); err != nil {
		return nil, err
	}
	return b.Finish(), nil
}

// streamTrail passes every ticket, then every record, to the callbacks,
// holding neither in memory.
func streamTrail(ctx context.Context, src reportSource, ticket func(*workflow.Ticket), record func(*workflow.Record)) error {
	err := src.EachTicket(ctx, func(t *workflow.Ticket) error {
		ticket(t)
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("read tickets: %w", err)
	}
	err = src.EachRecord(ctx, func(r *workflow.Record) error {
		record(r)
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	return nil
}

// writeReport writes the report to standard output, or to the file out
// through a temporary file in the same folder, so that an interrupted
// run leaves no half-written report under the final name.
func (a *app) writeReport(r *report.Report, opts report.Options, write func(*report.Report, io.Writer) error, out string) error {
	if out == "" {
		return write(r, a.stdout)
	}
	if err := writeFileAtomic(out, func(w io.Writer) error { return write(r, w) }); err != nil {
		return err
	}
	last := opts.To.AddDate(0, 0, -1)
	fmt.Fprintln(a.stdout, a.p.t(msgReportWritten, len(r.Rows), opts.From.Format(dateLayout), last.Format(dateLayout), out))
	return nil
}

// writeFileAtomic writes path through a temporary file that is renamed
// over path once complete, and removed on failure.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		// After the rename there is nothing left to remove, and a failed
		// removal of a temporary file has no one to tell.
		_ = os.Remove(tmp.Name())
	}()

	if err := write(tmp); err != nil {
		_ = tmp.Close() // the write error is the one worth reporting
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the sync error is the one worth reporting
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// recurrenceCommand is keluhan report recurrence.
func (a *app) recurrenceCommand() *cobra.Command {
	c := a.newCommand("recurrence", helpRecurrence)
	since := c.Flags().String("since", "", a.p.t(helpRecurSince))
	minScore := c.Flags().Float64("min", report.DefaultMinSimilarity, a.p.t(helpRecurMin))
	asJSON := c.Flags().Bool("json", false, a.p.t(helpJSON))

	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if !(*minScore > 0 && *minScore <= 1) {
			return errors.New(a.p.t(msgBadMin, *minScore))
		}
		return a.withCore(cmd.Context(), func(c *core) error {
			from, err := a.recurrenceStart(c, *since, time.Now())
			if err != nil {
				return err
			}
			tickets, err := ticketsSince(cmd.Context(), c.store, from)
			if err != nil {
				return err
			}
			groups := report.Recurrence(tickets, *minScore)
			if *asJSON {
				return writeJSON(a.stdout, recurrenceJSON(groups, c.set.loc))
			}
			a.printGroups(c, groups, from)
			return nil
		})
	}
	return c
}

// recurrenceStart returns the start of --since in the desk's time zone,
// or now minus similar.window when --since is empty.
func (a *app) recurrenceStart(c *core, since string, now time.Time) (time.Time, error) {
	if since != "" {
		return a.parseDate(since, c.set.loc)
	}
	window := c.set.desk.SimilarWindow
	if window <= 0 {
		window = defaultRecurrenceWindow
	}
	return now.Add(-window), nil
}

// ticketsSince returns the tickets received at or after from, with only
// the fields Recurrence reads, so that a long period stays small.
func ticketsSince(ctx context.Context, src reportSource, from time.Time) ([]*workflow.Ticket, error) {
	var out []*workflow.Ticket
	err := src.EachTicket(ctx, func(t *workflow.Ticket) error {
		if !t.ReceivedAt.Before(from) {
			out = append(out, &workflow.Ticket{
				Number: t.Number, Subject: t.Subject, State: t.State,
				ReceivedAt: t.ReceivedAt, Terms: t.Terms, Similar: t.Similar,
			})
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	return out, nil
}

func (a *app) printGroups(c *core, groups []report.Group, from time.Time) {
	if len(groups) == 0 {
		fmt.Fprintln(a.stdout, a.p.t(msgNoRecurrence, c.localTime(from)))
		return
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintln(a.stdout, a.p.t(msgGroup, i+1, g.Topic, len(g.Members)))
		tw := newTable(a.stdout)
		for _, m := range g.Members {
			tw.row("  "+m.Number, c.localTime(m.ReceivedAt), c.label(a.p.lang, "state", string(m.State)), clip(m.Subject, 60))
		}
		tw.flush()
	}
}

// recurrenceGroup is one group in the output of keluhan report
// recurrence --json. Its field names are stable.
type recurrenceGroup struct {
	Topic   string             `json:"topic"`
	Terms   []string           `json:"terms"`
	Members []recurrenceMember `json:"members"`
}

type recurrenceMember struct {
	Number     string         `json:"number"`
	ReceivedAt time.Time      `json:"received_at"`
	State      workflow.State `json:"state"`
	Subject    string         `json:"subject"`
}

func recurrenceJSON(groups []report.Group, loc *time.Location) []recurrenceGroup {
	out := []recurrenceGroup{}
	for _, g := range groups {
		rg := recurrenceGroup{Topic: g.Topic, Terms: g.Terms}
		for _, m := range g.Members {
			rg.Members = append(rg.Members, recurrenceMember{Number: m.Number, ReceivedAt: m.ReceivedAt.In(loc), State: m.State, Subject: m.Subject})
		}
		out = append(out, rg)
	}
	return out
}
