package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// csvTime is the layout of times in the CSV, which spreadsheets read as
// a date and time in every locale.
const csvTime = "2006-01-02 15:04"

// WriteCSV writes the register, one row per ticket after a header row,
// as UTF-8 with a byte order mark and CRLF line ends, so that Excel
// detects the encoding. The delimiter is the list separator Excel
// expects in the report's language: ";" in Indonesian, whose decimal
// mark is the comma, and "," in English. Times are local to the report's
// time zone, working times are whole minutes, and codes are written as
// their labels. A text cell that starts with =, +, -, @, tab or CR gets
// a leading apostrophe, so that a spreadsheet shows it instead of
// evaluating it as a formula.
func (r *Report) WriteCSV(w io.Writer) error {
	f := newFormatter(&r.opts)
	out := bufio.NewWriter(w)
	if _, err := out.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}

	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	if f.lang != "en" {
		cw.Comma = ';'
	}

	if err := cw.Write(f.csvHeader()); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	for i := range r.Rows {
		if err := cw.Write(f.csvRecord(&r.Rows[i])); err != nil {
			return fmt.Errorf("write report csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	return nil
}

func (f formatter) csvHeader() []string {
	h := f.words.csv
	header := []string{h.number, h.received, h.name, h.email, h.phone, h.channel, h.application, h.subject, h.category, h.confirmed, h.state, h.closed}
	for _, step := range workflow.Steps {
		name := f.stepName(step)
		header = append(header, name+": "+h.stepMinutes, name+": "+h.stepStandard, name+": "+h.stepStatus, name+": "+h.stepBreaches)
	}
	return append(header, h.resolution, h.rootCause, h.prevention)
}

func (f formatter) csvRecord(row *Row) []string {
	confirmed := f.words.yes
	if row.Suggested {
		confirmed = f.words.no
	}
	record := []string{
		row.Number,
		csvDate(row.ReceivedAt, f.loc),
		safeCell(row.Requester.Name),
		safeCell(row.Requester.Email),
		safeCell(row.Requester.Phone),
		f.code("channel", string(row.Channel)),
		safeCell(row.Application),
		safeCell(row.Subject),
		f.code("category", string(row.Category)),
		confirmed,
		f.code("state", string(row.State)),
		csvDate(row.ClosedAt, f.loc),
	}
	for _, st := range row.Steps {
		record = append(record, f.csvStep(st)...)
	}
	return append(record, safeCell(row.Resolution), safeCell(row.RootCause), safeCell(row.Prevention))
}

// csvStep returns a step's working minutes, standard minutes, status and
// breach count. A step without a clock has empty cells.
func (f formatter) csvStep(st StepTime) []string {
	if st.Status == StepNone {
		return []string{"", "", "", ""}
	}
	standard := ""
	if st.Standard > 0 {
		standard = strconv.FormatInt(minutes(st.Standard), 10)
	}
	return []string{
		strconv.FormatInt(minutes(st.Working), 10),
		standard,
		f.words.status[st.Status],
		strconv.Itoa(st.Breaches),
	}
}

func csvDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(csvTime)
}

// safeCell defuses text that a spreadsheet would evaluate as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
