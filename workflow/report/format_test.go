package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFormatter(t *testing.T) {
	opts := testOptions(t)
	id := newFormatter(&opts)
	opts.Language = "en"
	en := newFormatter(&opts)
	opts.Labels = nil
	bare := newFormatter(&opts)
	at := jkt(t, "2026-12-07 14:30")

	cases := []struct {
		name, got, want string
	}{
		{"id number", id.number(1234567), "1.234.567"},
		{"en number", en.number(1234567), "1,234,567"},
		{"small number", id.number(999), "999"},
		{"negative number", en.number(-1000), "-1,000"},
		{"percent", id.percent(2, 3), "67%"},
		{"percent of nothing", id.percent(0, 0), "-"},
		{"id long date", id.longDate(at), "7 Desember 2026"},
		{"en long date", en.longDate(at), "7 December 2026"},
		{"long date without labels", bare.longDate(at), "7 December 2026"},
		{"zero date", id.longDate(time.Time{}), "-"},
		{"id date time", id.dateTime(at), "07/12/2026 14.30 WIB"},
		{"en date time", en.dateTime(at), "2026-12-07 14:30 WIB"},
		{"id axis day", id.dayMonth(at), "7 Des"},
		{"en axis month", en.monthYear(at), "Dec 2026"},
		{"id duration days", id.duration(2*8*time.Hour + 3*time.Hour + 20*time.Minute), "2 hari kerja 3 jam 20 menit"},
		{"id duration day and minutes", id.duration(8*time.Hour + 25*time.Minute), "1 hari kerja 25 menit"},
		{"id whole hours", id.duration(3 * time.Hour), "3 jam"},
		{"id duration hours", id.duration(3*time.Hour + 20*time.Minute), "3 jam 20 menit"},
		{"en duration", en.duration(8*time.Hour + time.Hour), "1 working day 1 hour"},
		{"duration under a minute", id.duration(10 * time.Second), "1 menit"},
		{"zero duration", id.duration(0), "0 menit"},
		{"state label", id.code("state", "waiting"), "Menunggu jawaban pelapor"},
		{"unknown code", id.code("state", "lost"), "lost"},
		{"code without labels", bare.code("state", "new"), "new"},
		{"unconfirmed", en.categoryName(KeyUnconfirmed), "Not confirmed yet"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	cases := []struct{ peak, top, step int }{
		{0, 1, 1},
		{3, 3, 1},
		{5, 5, 1},
		{7, 8, 2},
		{10, 10, 2},
		{23, 25, 5},
		{140, 150, 50},
	}
	for _, tc := range cases {
		top, step := niceScale(tc.peak)
		if top != tc.top || step != tc.step {
			t.Errorf("niceScale(%d) = %d, %d, want %d, %d", tc.peak, top, step, tc.top, tc.step)
		}
	}
}

func TestSafeCell(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"Login gagal", "Login gagal"},
		{"=1+1", "'=1+1"},
		{"+62 812", "'+62 812"},
		{"-- catatan", "'-- catatan"},
		{"@budi", "'@budi"},
	}
	for _, tc := range cases {
		if got := safeCell(tc.in); got != tc.want {
			t.Errorf("safeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var out bytes.Buffer
	if err := r.WriteHTML(&out); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	page := out.String()
	for _, bad := range []string{"<script>", "<b>Lestari", "http://contoh.invalid\""} {
		if strings.Contains(page, bad) {
			t.Errorf("WriteHTML output contains %q unescaped", bad)
		}
	}
	for _, external := range []string{"<link", "<img", "<script", "url(", "@import"} {
		if strings.Contains(page, external) {
			t.Errorf("WriteHTML output contains %q, want a self-contained page", external)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("WriteHTML output lacks the escaped subject")
	}
}

func TestWriteEmptyReport(t *testing.T) {
	r, err := Build(testOptions(t), nil, nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var html, csv, js bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !strings.Contains(html.String(), "Tidak ada keluhan pada periode ini.") {
		t.Errorf("WriteHTML of an empty period lacks the no-complaints line")
	}
	if lines := strings.Count(csv.String(), "\r\n"); lines != 1 {
		t.Errorf("WriteCSV of an empty period = %d lines, want the header only", lines)
	}
	if !strings.Contains(js.String(), `"register": []`) {
		t.Errorf("WriteJSON of an empty period lacks an empty register:\n%s", js.String())
	}
}

func TestCharts(t *testing.T) {
	r, err := Build(testOptions(t), goldenTickets(t), goldenRecords(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	f := newFormatter(&r.opts)

	timeline := timelineChart(f, r.Summary.Timeline)
	// Three legend squares and one bar per non-zero category of a week:
	// two, three and one.
	if got := len(timeline.Rects); got != 3+6 {
		t.Errorf("timeline chart rectangles = %d, want 9", got)
	}
	// The peak of three tickets sets the axis top, so the week of 30
	// November reaches from the baseline to the top of the plot.
	top, bottom := 1000.0, 0.0
	for _, rect := range timeline.Rects[3:] {
		if rect.X > 260 && rect.X < 480 {
			top, bottom = min(top, rect.Y), max(bottom, rect.Y+rect.H)
		}
	}
	if top != 34 || bottom != 244 {
		t.Errorf("bars of the second week span y %v..%v, want 34..244", top, bottom)
	}

	standards := standardsChart(f, r.Summary.Steps)
	// Two legend squares, then a background and a met bar for each of
	// the four steps with decided outcomes.
	if got := len(standards.Rects); got != 2+8 {
		t.Errorf("standards chart rectangles = %d, want 10", got)
	}
	if got := standards.Rects[3].W; got != round1(380*4.0/6.0) {
		t.Errorf("verification met bar width = %v, want 4/6 of 380", got)
	}
}
