package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/keluhan/keluhan/templates"
	"github.com/keluhan/keluhan/workflow"
)

// pageTemplate is the file, in templates/report/<language>/, that holds
// the page. The partials in templates/report/shared are parsed with it.
const pageTemplate = "report.html.tmpl"

// WriteHTML writes the report as one self-contained HTML page in the
// report's language: inline CSS laid out for A4 (summary in portrait,
// register in landscape), inline SVG charts, no external resources, and
// a signature block at the end. Every inserted value is escaped by
// html/template. On an error, part of the page may have been written.
func (r *Report) WriteHTML(w io.Writer) error {
	t, err := parsePage(r.opts.Language)
	if err != nil {
		return fmt.Errorf("write report html: %w", err)
	}

	out := bufio.NewWriter(w)
	if err := t.ExecuteTemplate(out, pageTemplate, r.page()); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	return nil
}

func parsePage(lang string) (*template.Template, error) {
	t, err := template.New(pageTemplate).Option("missingkey=error").
		Funcs(template.FuncMap{"list": func(values ...any) []any { return values }}).
		ParseFS(templates.FS, "report/shared/*.tmpl", "report/"+lang+"/"+pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("parse report template: %w", err)
	}
	return t, nil
}

// page is the data of the page template, every value already formatted
// as text.
type page struct {
	Desk         string
	From, To     string
	Generated    string
	Masked       bool
	Received     string
	Open         string
	Closed       string
	Categories   []countLine
	Applications []countLine
	Channels     []countLine
	States       []countLine
	Steps        []stepLine
	Recurring    []groupLine
	Oldest       []oldLine
	// Weekly is true when Timeline counts weeks, false for months.
	Weekly    bool
	Timeline  chart
	Standards chart
	HasData   bool
	RowCount  string
	Rows      iter.Seq[rowLine]
	Sign      signature
}

type countLine struct {
	Label, N, Share string
}

type stepLine struct {
	Name, Standard                                 string
	Met, Late, Overdue, Running, Breaches, Decided string
	Rate, Median                                   string
}

type groupLine struct {
	Topic, N string
	Members  []string
}

type oldLine struct {
	Number, Received, State, Subject, Age string
}

type rowLine struct {
	No                                string
	Number, Received, Closed          string
	Name, Contact, Channel            string
	Subject, Application              string
	Category                          string
	Suggested                         bool
	State                             string
	Steps                             []cellLine
	Resolution, RootCause, Prevention string
}

type cellLine struct {
	Time, Status, Class, Note string
}

type signature struct {
	Place, Date, Official, Name, NIP string
}

func (r *Report) page() page {
	f := newFormatter(&r.opts)
	s := &r.Summary
	p := page{
		Desk:      r.opts.DeskName,
		From:      f.longDate(r.opts.From),
		To:        f.longDate(r.opts.To.Add(-time.Nanosecond)),
		Generated: f.dateTime(r.opts.Now),
		Masked:    r.opts.MaskRequester,
		Received:  f.number(s.Received),
		Open:      f.number(s.Open),
		Closed:    f.number(s.Closed),
		HasData:   s.Received > 0,
		RowCount:  f.number(len(r.Rows)),
		Weekly:    s.Timeline.Unit == UnitWeek,
		Sign: signature{
			Place:    r.opts.Place,
			Date:     f.longDate(r.opts.Now),
			Official: r.opts.Official,
			Name:     r.opts.SignerName,
			NIP:      r.opts.SignerNIP,
		},
	}

	p.Categories = countLines(f, s.ByCategory, s.Received, f.categoryName)
	p.Applications = countLines(f, s.ByApplication, s.Received, f.applicationName)
	p.Channels = countLines(f, s.ByChannel, s.Received, f.channelName)
	p.States = countLines(f, s.ByState, s.Received, f.stateName)

	p.Steps = stepLines(f, s.Steps)
	p.Recurring = groupLines(f, s.Recurring)
	p.Oldest = oldLines(f, s.Oldest, r.opts.Now)

	p.Timeline = timelineChart(f, s.Timeline)
	p.Standards = standardsChart(f, s.Steps)
	p.Rows = r.rowLines(f)
	return p
}

func countLines(f formatter, counts []Count, total int, name func(string) string) []countLine {
	var out []countLine
	for _, c := range counts {
		out = append(out, countLine{Label: name(c.Key), N: f.number(c.N), Share: f.percent(c.N, total)})
	}
	return out
}

func stepLines(f formatter, steps []StepSummary) []stepLine {
	var out []stepLine
	for _, s := range steps {
		line := stepLine{
			Name:     f.stepName(s.Step),
			Standard: "-",
			Met:      f.number(s.Met),
			Late:     f.number(s.Late),
			Overdue:  f.number(s.Overdue),
			Running:  f.number(s.Running),
			Breaches: f.number(s.Breaches),
			Decided:  f.number(s.Decided()),
			Rate:     f.percent(s.Met, s.Decided()),
			Median:   "-",
		}
		if s.Standard > 0 {
			line.Standard = f.duration(s.Standard)
		}
		if s.Met+s.Late > 0 {
			line.Median = f.duration(s.Median)
		}
		out = append(out, line)
	}
	return out
}

func groupLines(f formatter, groups []Group) []groupLine {
	var out []groupLine
	for _, g := range groups {
		line := groupLine{Topic: g.Topic, N: f.number(len(g.Members))}
		for _, m := range g.Members {
			line.Members = append(line.Members, m.Number)
		}
		out = append(out, line)
	}
	return out
}

// oldLines lists the oldest open tickets with their age in calendar
// days at now.
func oldLines(f formatter, members []Member, now time.Time) []oldLine {
	var out []oldLine
	for _, m := range members {
		out = append(out, oldLine{
			Number:   m.Number,
			Received: f.shortDate(m.ReceivedAt),
			State:    f.stateName(string(m.State)),
			Subject:  m.Subject,
			Age:      f.number(int(now.Sub(m.ReceivedAt).Hours() / 24)),
		})
	}
	return out
}

// rowLines formats the register one row at a time while the template
// writes it, so that a long register is not held twice in memory.
func (r *Report) rowLines(f formatter) iter.Seq[rowLine] {
	return func(yield func(rowLine) bool) {
		for i := range r.Rows {
			if !yield(f.rowLine(i+1, &r.Rows[i])) {
				return
			}
		}
	}
}

func (f formatter) rowLine(no int, row *Row) rowLine {
	line := rowLine{
		No:          f.number(no),
		Number:      row.Number,
		Received:    f.dateTime(row.ReceivedAt),
		Name:        row.Requester.Name,
		Contact:     contact(row.Requester),
		Channel:     f.channelName(string(row.Channel)),
		Subject:     row.Subject,
		Application: row.Application,
		Category:    f.code("category", string(row.Category)),
		Suggested:   row.Suggested,
		State:       f.stateName(string(row.State)),
		Resolution:  row.Resolution,
		RootCause:   row.RootCause,
		Prevention:  row.Prevention,
	}
	if !row.ClosedAt.IsZero() {
		line.Closed = f.dateTime(row.ClosedAt)
	}
	for _, st := range row.Steps {
		line.Steps = append(line.Steps, f.cellLine(st))
	}
	return line
}

func (f formatter) cellLine(st StepTime) cellLine {
	if st.Status == StepNone {
		return cellLine{Time: f.words.status[StepNone], Class: string(StepNone)}
	}
	cell := cellLine{Time: f.duration(st.Working), Status: f.words.status[st.Status], Class: string(st.Status)}
	if st.Breaches > 0 && st.Status == StepMet {
		cell.Note = f.words.everLate
	}
	return cell
}

// contact returns the requester's address, else the phone number.
func contact(p workflow.Party) string {
	return strings.TrimSpace(firstNonEmpty(p.Email, p.Phone))
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
