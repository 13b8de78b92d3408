package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// The JSON document WriteJSON writes. Field names are part of the
// command line's output and stay stable, but new fields may be added.
// Times are RFC 3339 in the report's time zone, working times are whole
// minutes, and codes (state, category, channel, step, status) are the
// codes of package workflow, not display words.
type (
	jsonReport struct {
		// Period is [from, to): received at or after from, before to.
		Period      jsonPeriod  `json:"period"`
		Language    string      `json:"language"`
		Desk        string      `json:"desk,omitempty"`
		GeneratedAt time.Time   `json:"generated_at"`
		Masked      bool        `json:"requester_masked"`
		Summary     jsonSummary `json:"summary"`
	}

	jsonPeriod struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	}

	jsonSummary struct {
		Received      int           `json:"received"`
		Open          int           `json:"open"`
		Closed        int           `json:"closed"`
		ByCategory    []jsonCount   `json:"by_category"`
		ByApplication []jsonCount   `json:"by_application"`
		ByChannel     []jsonCount   `json:"by_channel"`
		ByState       []jsonCount   `json:"by_state"`
		Steps         []jsonStepSum `json:"steps"`
		Recurring     []jsonGroup   `json:"recurring"`
		OldestOpen    []jsonMember  `json:"oldest_open"`
		Timeline      jsonTimeline  `json:"timeline"`
	}

	// jsonCount is a key with its number of tickets. The category key
	// "unconfirmed" counts tickets whose category is not confirmed. The
	// application key "" counts tickets without an application.
	jsonCount struct {
		Key string `json:"key"`
		N   int    `json:"n"`
	}

	jsonStepSum struct {
		Step            workflow.Step `json:"step"`
		StandardMinutes int64         `json:"standard_minutes"`
		Met             int           `json:"met"`
		Late            int           `json:"late"`
		Overdue         int           `json:"overdue"`
		Running         int           `json:"running"`
		BreachNotices   int           `json:"breach_notices"`
		// MedianMinutes is the median working time of the steps done,
		// absent when none is.
		MedianMinutes *int64 `json:"median_minutes,omitempty"`
	}

	jsonGroup struct {
		Topic   string       `json:"topic"`
		Terms   []string     `json:"terms"`
		Members []jsonMember `json:"members"`
	}

	jsonMember struct {
		Number     string         `json:"number"`
		ReceivedAt time.Time      `json:"received_at"`
		State      workflow.State `json:"state"`
		Subject    string         `json:"subject"`
	}

	jsonTimeline struct {
		// Unit is "week" (weeks start on Monday) or "month".
		Unit    string       `json:"unit"`
		Series  []string     `json:"series"`
		Buckets []jsonBucket `json:"buckets"`
	}

	// jsonBucket counts one week or month, with Counts in the order of
	// Series.
	jsonBucket struct {
		Start  time.Time `json:"start"`
		End    time.Time `json:"end"`
		Counts []int     `json:"counts"`
	}

	jsonRow struct {
		Number      string            `json:"number"`
		ReceivedAt  time.Time         `json:"received_at"`
		Requester   workflow.Party    `json:"requester"`
		Channel     workflow.Channel  `json:"channel"`
		Application string            `json:"application,omitempty"`
		Subject     string            `json:"subject"`
		Category    workflow.Category `json:"category"`
		// CategoryConfirmed is false when Category is the triage
		// suggestion.
		CategoryConfirmed bool           `json:"category_confirmed"`
		State             workflow.State `json:"state"`
		ClosedAt          *time.Time     `json:"closed_at,omitempty"`
		Steps             []jsonStep     `json:"steps"`
		Resolution        string         `json:"resolution,omitempty"`
		RootCause         string         `json:"root_cause,omitempty"`
		Prevention        string         `json:"prevention,omitempty"`
	}

	// jsonStep is one step of one ticket. A step without a clock has
	// status "none" and no minutes.
	jsonStep struct {
		Step            workflow.Step `json:"step"`
		Status          StepStatus    `json:"status"`
		WorkingMinutes  *int64        `json:"working_minutes,omitempty"`
		StandardMinutes int64         `json:"standard_minutes"`
		BreachNotices   int           `json:"breach_notices"`
	}
)

// WriteJSON writes the report as one JSON object: period, language,
// desk, generated_at, requester_masked, summary and register, the last
// being one object per ticket in received order. The document's fields
// are described on the types in json.go. The register is written row by
// row, so a long one is not held in memory twice.
func (r *Report) WriteJSON(w io.Writer) error {
	head, err := marshal(r.jsonHead(), "")
	if err != nil {
		return fmt.Errorf("write report json: %w", err)
	}

	out := bufio.NewWriter(w)
	out.Write(bytes.TrimSuffix(head, []byte("\n}")))
	out.WriteString(",\n  \"register\": [")
	for i := range r.Rows {
		row, err := marshal(r.jsonRow(&r.Rows[i]), "    ")
		if err != nil {
			return fmt.Errorf("write report json: %w", err)
		}
		if i > 0 {
			out.WriteString(",")
		}
		out.WriteString("\n    ")
		out.Write(row)
	}
	if len(r.Rows) > 0 {
		out.WriteString("\n  ")
	}
	out.WriteString("]\n}\n")

	// bufio.Writer keeps the first write error and returns it here.
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write report json: %w", err)
	}
	return nil
}

// marshal encodes v indented by two spaces after prefix, without a
// trailing newline and without escaping <, > and &, which need no
// escaping outside HTML.
func marshal(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (r *Report) local(t time.Time) time.Time {
	return t.In(r.opts.Location)
}

func (r *Report) jsonHead() jsonReport {
	s := &r.Summary
	sum := jsonSummary{
		Received:      s.Received,
		Open:          s.Open,
		Closed:        s.Closed,
		ByCategory:    jsonCounts(s.ByCategory),
		ByApplication: jsonCounts(s.ByApplication),
		ByChannel:     jsonCounts(s.ByChannel),
		ByState:       jsonCounts(s.ByState),
		Steps:         []jsonStepSum{},
		Recurring:     []jsonGroup{},
		OldestOpen:    r.jsonMembers(s.Oldest),
		Timeline:      jsonTimeline{Unit: s.Timeline.Unit, Series: s.Timeline.Series, Buckets: []jsonBucket{}},
	}
	for _, st := range s.Steps {
		j := jsonStepSum{
			Step: st.Step, StandardMinutes: minutes(st.Standard),
			Met: st.Met, Late: st.Late, Overdue: st.Overdue, Running: st.Running, BreachNotices: st.Breaches,
		}
		if st.Met+st.Late > 0 {
			m := minutes(st.Median)
			j.MedianMinutes = &m
		}
		sum.Steps = append(sum.Steps, j)
	}
	for _, g := range s.Recurring {
		sum.Recurring = append(sum.Recurring, jsonGroup{Topic: g.Topic, Terms: g.Terms, Members: r.jsonMembers(g.Members)})
	}
	for _, b := range s.Timeline.Buckets {
		sum.Timeline.Buckets = append(sum.Timeline.Buckets, jsonBucket{Start: r.local(b.Start), End: r.local(b.End), Counts: b.Counts})
	}

	return jsonReport{
		Period:      jsonPeriod{From: r.local(r.opts.From), To: r.local(r.opts.To)},
		Language:    r.opts.Language,
		Desk:        r.opts.DeskName,
		GeneratedAt: r.local(r.opts.Now),
		Masked:      r.opts.MaskRequester,
		Summary:     sum,
	}
}

func jsonCounts(counts []Count) []jsonCount {
	out := []jsonCount{}
	for _, c := range counts {
		out = append(out, jsonCount{Key: c.Key, N: c.N})
	}
	return out
}

func (r *Report) jsonMembers(members []Member) []jsonMember {
	out := []jsonMember{}
	for _, m := range members {
		out = append(out, jsonMember{Number: m.Number, ReceivedAt: r.local(m.ReceivedAt), State: m.State, Subject: m.Subject})
	}
	return out
}

func (r *Report) jsonRow(row *Row) jsonRow {
	j := jsonRow{
		Number:            row.Number,
		ReceivedAt:        r.local(row.ReceivedAt),
		Requester:         row.Requester,
		Channel:           row.Channel,
		Application:       row.Application,
		Subject:           row.Subject,
		Category:          row.Category,
		CategoryConfirmed: !row.Suggested,
		State:             row.State,
		Resolution:        row.Resolution,
		RootCause:         row.RootCause,
		Prevention:        row.Prevention,
	}
	if !row.ClosedAt.IsZero() {
		closed := r.local(row.ClosedAt)
		j.ClosedAt = &closed
	}
	for _, st := range row.Steps {
		step := jsonStep{Step: st.Step, Status: st.Status, StandardMinutes: minutes(st.Standard), BreachNotices: st.Breaches}
		if st.Status != StepNone {
			m := minutes(st.Working)
			step.WorkingMinutes = &m
		}
		j.Steps = append(j.Steps, step)
	}
	return j
}
