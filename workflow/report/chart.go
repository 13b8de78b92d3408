package report

import (
	"math"
	"strconv"
)

// chart is an SVG drawing as shapes that the page template writes out
// one by one, so that html/template escapes every value. Coordinates
// are in the units of the view box.
type chart struct {
	Width, Height float64
	Lines         []chartLine
	Rects         []chartRect
	Texts         []chartText
}

type chartLine struct {
	X1, Y1, X2, Y2 float64
	Stroke         string
}

type chartRect struct {
	X, Y, W, H float64
	Fill       string
	// Tip is the tooltip: what the bar counts.
	Tip string
}

type chartText struct {
	X, Y float64
	// Anchor is the SVG text-anchor: start, middle or end.
	Anchor string
	Size   float64
	Bold   bool
	Text   string
}

// Colours of the chart series. They differ in lightness too, so that
// a grey print keeps them apart.
var seriesColours = map[string]string{
	"teknis":       "#1f5f99",
	"nonteknis":    "#e08a2c",
	KeyUnconfirmed: "#b8c2cc",
}

const (
	colourAxis   = "#4a5568"
	colourGrid   = "#d7dde4"
	colourMet    = "#2f855a"
	colourMissed = "#e9a3a3"
)

func (c *chart) line(x1, y1, x2, y2 float64, stroke string) {
	c.Lines = append(c.Lines, chartLine{X1: round1(x1), Y1: round1(y1), X2: round1(x2), Y2: round1(y2), Stroke: stroke})
}

func (c *chart) rect(x, y, w, h float64, fill, tip string) {
	c.Rects = append(c.Rects, chartRect{X: round1(x), Y: round1(y), W: round1(w), H: round1(h), Fill: fill, Tip: tip})
}

func (c *chart) text(x, y float64, anchor string, size float64, bold bool, s string) {
	c.Texts = append(c.Texts, chartText{X: round1(x), Y: round1(y), Anchor: anchor, Size: size, Bold: bold, Text: s})
}

// legend draws a row of coloured squares with their names from x, y.
func (c *chart) legend(x, y float64, names, colours []string) {
	for i, name := range names {
		c.rect(x, y-8, 9, 9, colours[i], name)
		c.text(x+13, y, "start", 10, false, name)
		x += 13 + float64(len([]rune(name)))*5.6 + 18
	}
}

// round1 rounds to one decimal, which keeps the SVG short and the golden
// files stable.
func round1(x float64) float64 {
	return math.Round(x*10) / 10
}

// niceScale returns the top of a count axis at or above peak and the
// step between its ticks: 1, 2 or 5 times a power of ten, at most five
// steps.
func niceScale(peak int) (top, step int) {
	peak = max(peak, 1)
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * base
			if step*5 >= peak {
				return (peak + step - 1) / step * step, step
			}
		}
	}
}

// timelineChart draws the tickets per bucket as bars stacked by
// category, with a count axis and a legend.
func timelineChart(f formatter, tl Timeline) chart {
	const (
		width, height = 720.0, 290.0
		left, right   = 46.0, 12.0
		top, bottom   = 34.0, 46.0
	)
	c := chart{Width: width, Height: height}
	plotW, plotH := width-left-right, height-top-bottom
	baseline := top + plotH

	peak := 0
	for _, b := range tl.Buckets {
		peak = max(peak, b.Total())
	}
	axisTop, step := niceScale(peak)
	for v := 0; v <= axisTop; v += step {
		y := baseline - plotH*float64(v)/float64(axisTop)
		c.line(left, y, width-right, y, colourGrid)
		c.text(left-6, y+3.5, "end", 10, false, f.number(v))
	}
	c.line(left, top, left, baseline, colourAxis)
	c.line(left, baseline, width-right, baseline, colourAxis)

	names, colours := seriesLegend(f, tl.Series)
	c.legend(left, 14, names, colours)

	n := max(len(tl.Buckets), 1)
	band := plotW / float64(n)
	every := (n + 13) / 14 // at most 14 axis labels
	for i, b := range tl.Buckets {
		x := left + band*float64(i) + band*0.15
		y := baseline
		for s, count := range b.Counts {
			if count == 0 {
				continue
			}
			h := plotH * float64(count) / float64(axisTop)
			y -= h
			c.rect(x, y, band*0.7, h, colours[s], f.bucketName(tl.Unit, b)+": "+names[s]+" "+f.number(count))
		}
		if total := b.Total(); total > 0 && n <= maxWeeks {
			c.text(x+band*0.35, y-3, "middle", 9, false, f.number(total))
		}
		if i%every == 0 {
			c.text(x+band*0.35, baseline+14, "middle", 9.5, false, f.bucketLabel(tl.Unit, b))
		}
	}
	return c
}

func seriesLegend(f formatter, series []string) (names, colours []string) {
	for _, key := range series {
		names = append(names, f.categoryName(key))
		colours = append(colours, seriesColours[key])
	}
	return names, colours
}

// bucketLabel names a bucket on the axis: its first day, or its month.
func (f formatter) bucketLabel(unit string, b Bucket) string {
	if unit == UnitMonth {
		return f.monthYear(b.Start)
	}
	return f.dayMonth(b.Start)
}

// bucketName names a bucket in a tooltip: its first and last day.
func (f formatter) bucketName(unit string, b Bucket) string {
	last := b.End.Add(-1)
	if unit == UnitMonth {
		return f.monthYear(b.Start)
	}
	return f.dayMonth(b.Start) + "–" + f.dayMonth(last)
}

// standardsChart draws one horizontal bar per step that has decided
// outcomes: the share met in green, the rest in red, with the
// percentage and the counts after the bar.
func standardsChart(f formatter, steps []StepSummary) chart {
	const (
		width       = 720.0
		labelW, gap = 170.0, 8.0
		barW        = 380.0
		rowH, top   = 30.0, 30.0
	)
	var decided []StepSummary
	for _, s := range steps {
		if s.Decided() > 0 {
			decided = append(decided, s)
		}
	}
	height := top + rowH*float64(len(decided)) + 26
	c := chart{Width: width, Height: height}
	left := labelW + gap

	c.legend(left, 14, []string{f.words.metShare, f.words.missedShare}, []string{colourMet, colourMissed})
	for _, pct := range []int{0, 25, 50, 75, 100} {
		x := left + barW*float64(pct)/100
		c.line(x, top-4, x, top+rowH*float64(len(decided)), colourGrid)
		c.text(x, height-8, "middle", 9.5, false, strconv.Itoa(pct)+"%")
	}

	for i, s := range decided {
		y := top + rowH*float64(i) + 5
		share := float64(s.Met) / float64(s.Decided())
		c.text(labelW, y+13, "end", 10.5, false, f.stepName(s.Step))
		c.rect(left, y, barW, 18, colourMissed, f.stepName(s.Step)+": "+f.words.missedShare+" "+f.number(s.Decided()-s.Met))
		if s.Met > 0 {
			c.rect(left, y, barW*share, 18, colourMet, f.stepName(s.Step)+": "+f.words.metShare+" "+f.number(s.Met))
		}
		c.text(left+barW+8, y+13, "start", 10.5, true, f.percent(s.Met, s.Decided()))
		c.text(left+barW+48, y+13, "start", 9.5, false, "("+f.number(s.Met)+"/"+f.number(s.Decided())+")")
	}
	return c
}
