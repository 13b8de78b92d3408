package triage

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// reportText holds the wording of the text report in one language.
type reportText struct {
	title, accuracy, ofItems, unsureNote, unsure, application string
	classHeader, matrixTitle, matrixCorner, missTitle         string
	missHeader, unsureName, noMisses                          string
	decimalComma                                              bool
}

func reportWording(lang string) reportText {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return reportText{
			title:        "Triage evaluation: %d complaints",
			accuracy:     "Accuracy",
			ofItems:      "%s (%d of %d)",
			unsureNote:   "An unsure suggestion counts as wrong.",
			unsure:       "Unsure",
			application:  "Application accuracy",
			classHeader:  "Category\tPrecision\tRecall\tLabelled\tPredicted",
			matrixTitle:  "Confusion matrix (rows: label, columns: prediction)",
			matrixCorner: "label",
			missTitle:    "Wrong or unsure (%d)",
			missHeader:   "ID\tLabel\tPrediction\tConfidence\tTerms",
			unsureName:   "unsure",
			noMisses:     "None.",
		}
	}
	return reportText{
		title:        "Evaluasi triase: %d keluhan",
		accuracy:     "Akurasi",
		ofItems:      "%s (%d dari %d)",
		unsureNote:   "Saran \"tidak yakin\" dihitung salah.",
		unsure:       "Tidak yakin",
		application:  "Akurasi aplikasi",
		classHeader:  "Kategori\tPresisi\tRecall\tBerlabel\tDiprediksi",
		matrixTitle:  "Matriks kebingungan (baris: label, kolom: prediksi)",
		matrixCorner: "label",
		missTitle:    "Salah atau tidak yakin (%d)",
		missHeader:   "ID\tLabel\tPrediksi\tKeyakinan\tIstilah",
		unsureName:   "tidak yakin",
		noMisses:     "Tidak ada.",
		decimalComma: true,
	}
}

// WriteText writes the report for people: the totals, per-category
// precision and recall, the confusion matrix and the wrong or unsure
// items. lang "en" (or any "en-" tag) selects English; anything else,
// including "", selects Indonesian.
func (rep Report) WriteText(w io.Writer, lang string) error {
	t := reportWording(lang)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := &printer{w: tw}

	rep.writeSummary(p, t)
	rep.writeClasses(p, t)
	rep.writeConfusion(p, t)
	rep.writeMisses(p, t)

	if p.err != nil {
		return fmt.Errorf("write triage report: %w", p.err)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write triage report: %w", err)
	}
	return nil
}

func (rep Report) writeSummary(p *printer, t reportText) {
	p.printf(t.title+"\n\n", rep.Total)
	p.printf("%s\t"+t.ofItems+"\n", t.accuracy, t.percent(rep.Accuracy), rep.Correct, rep.Total)
	p.printf("%s\t"+t.ofItems+"\n", t.unsure, t.percent(rep.UnsureRate), rep.Unsure, rep.Total)
	p.printf("%s\t"+t.ofItems+"\n", t.application, t.percent(rep.ApplicationAccuracy), rep.ApplicationCorrect, rep.ApplicationTotal)
	p.printf("%s\n\n", t.unsureNote)
}

func (rep Report) writeClasses(p *printer, t reportText) {
	p.printf("%s\n", t.classHeader)
	for _, c := range []string{Technical, NonTechnical} {
		s := rep.Classes[c]
		p.printf("%s\t%s\t%s\t%d\t%d\n", c, t.percent(s.Precision), t.percent(s.Recall), s.Labelled, s.Predicted)
	}
	p.printf("\n")
}

func (rep Report) writeConfusion(p *printer, t reportText) {
	p.printf("%s\n", t.matrixTitle)
	p.printf("%s\t%s\t%s\t%s\n", t.matrixCorner, Technical, NonTechnical, t.unsureName)
	for _, label := range rep.labels() {
		row := rep.Confusion[label]
		p.printf("%s\t%d\t%d\t%d\n", label, row[Technical], row[NonTechnical], row[Unsure])
	}
	p.printf("\n")
}

// labels lists the labels of the confusion matrix: the two categories,
// then any other label found, alphabetically.
func (rep Report) labels() []string {
	out := []string{Technical, NonTechnical}
	for _, l := range sortedKeys(rep.Confusion) {
		if l != Technical && l != NonTechnical {
			out = append(out, l)
		}
	}
	return out
}

func (rep Report) writeMisses(p *printer, t reportText) {
	var misses []ItemResult
	for _, it := range rep.Items {
		if !it.Correct() {
			misses = append(misses, it)
		}
	}

	p.printf(t.missTitle+"\n", len(misses))
	if len(misses) == 0 {
		p.printf("%s\n", t.noMisses)
		return
	}

	p.printf("%s\n", t.missHeader)
	for _, it := range misses {
		pred := it.Predicted
		if pred == Unsure {
			pred = t.unsureName
		}
		p.printf("%s\t%s\t%s\t%s\t%s\n", it.ID, it.Label, pred, t.decimal(it.Confidence, 2), strings.Join(it.Terms, ", "))
	}
}

// percent formats a rate such as 0.9167 as "91.7%", or "91,7%" in
// Indonesian.
func (t reportText) percent(x float64) string {
	return t.decimal(x*100, 1) + "%"
}

func (t reportText) decimal(x float64, places int) string {
	s := fmt.Sprintf("%.*f", places, x)
	if t.decimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// printer keeps the first write error so that the report code reads as a
// list of lines.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// jsonPlaces is the number of decimals WriteJSON keeps, so that the output
// does not change with floating-point noise.
const jsonPlaces = 4

// WriteJSON writes the report as indented JSON with a fixed key order:
// total, accuracy, correct, unsure_rate, unsure, application_accuracy,
// application_correct, application_total, classes, confusion, items.
// Rates are rounded to four decimals; map keys are sorted.
func (rep Report) WriteJSON(w io.Writer) error {
	out := rep.rounded()

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write triage report json: %w", err)
	}
	return nil
}

// rounded returns a copy with every rate rounded to jsonPlaces and empty
// maps and lists present, never null.
func (rep Report) rounded() Report {
	out := rep
	out.Accuracy = round(rep.Accuracy)
	out.UnsureRate = round(rep.UnsureRate)
	out.ApplicationAccuracy = round(rep.ApplicationAccuracy)

	out.Classes = map[string]ClassStats{}
	for c, s := range rep.Classes {
		s.Precision, s.Recall = round(s.Precision), round(s.Recall)
		out.Classes[c] = s
	}
	if out.Confusion == nil {
		out.Confusion = map[string]map[string]int{}
	}

	out.Items = make([]ItemResult, len(rep.Items))
	for i, it := range rep.Items {
		it.Confidence = round(it.Confidence)
		if it.Terms == nil {
			it.Terms = []string{}
		}
		out.Items[i] = it
	}
	return out
}

func round(x float64) float64 {
	scale := math.Pow(10, jsonPlaces)
	return math.Round(x*scale) / scale
}
