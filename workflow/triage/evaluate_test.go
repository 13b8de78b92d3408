package triage

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func readItems(t *testing.T, path string) []Item {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	items, err := ReadJSONL(f)
	if err != nil {
		t.Fatalf("ReadJSONL(%s) error = %v", path, err)
	}
	return items
}

// TestEvaluateLabelledSets pins the triage target: at least 90% accuracy
// (an unsure suggestion counts as wrong) with at most 10% unsure, on the
// development set and on two sets that were written apart from it.
func TestEvaluateLabelledSets(t *testing.T) {
	const (
		minAccuracy   = 0.90
		maxUnsureRate = 0.10
	)
	sets := []string{
		"../../testdata/triage/labeled-dev.jsonl",
		"../../testdata/triage/heldout.jsonl",
		"../../testdata/triage/blind.jsonl",
	}

	for _, path := range sets {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep := Evaluate(Default(), readItems(t, path))
			t.Logf("%s: accuracy %.3f, unsure %.3f, teknis P/R %.3f/%.3f, nonteknis P/R %.3f/%.3f",
				path, rep.Accuracy, rep.UnsureRate,
				rep.Classes[Technical].Precision, rep.Classes[Technical].Recall,
				rep.Classes[NonTechnical].Precision, rep.Classes[NonTechnical].Recall)

			if rep.Accuracy < minAccuracy {
				t.Errorf("Evaluate(%s).Accuracy = %.3f, want >= %.2f", path, rep.Accuracy, minAccuracy)
			}
			if rep.UnsureRate > maxUnsureRate {
				t.Errorf("Evaluate(%s).UnsureRate = %.3f, want <= %.2f", path, rep.UnsureRate, maxUnsureRate)
			}
		})
	}
}

func TestEvaluateCounts(t *testing.T) {
	items := []Item{
		{ID: "1", Body: "Tidak bisa login, muncul error 500.", Label: Technical, Application: "akun"},
		{ID: "2", Body: "Upload gagal terus, halaman kosong.", Label: Technical, Application: "merek"},
		{ID: "3", Body: "Petugas loket kasar.", Label: Technical},
		{ID: "4", Body: "Berapa biaya dan apa syarat pendaftaran?", Label: NonTechnical, Application: "lainnya"},
		{ID: "5", Body: "Terima kasih.", Label: NonTechnical},
	}

	rep := Evaluate(Default(), items)

	checks := []struct {
		name      string
		got, want float64
	}{
		{"Total", float64(rep.Total), 5},
		{"Correct", float64(rep.Correct), 3},
		{"Accuracy", rep.Accuracy, 0.6},
		{"Unsure", float64(rep.Unsure), 1},
		{"UnsureRate", rep.UnsureRate, 0.2},
		{"teknis precision", rep.Classes[Technical].Precision, 1},
		{"teknis recall", rep.Classes[Technical].Recall, 2.0 / 3},
		{"nonteknis precision", rep.Classes[NonTechnical].Precision, 0.5},
		{"nonteknis recall", rep.Classes[NonTechnical].Recall, 0.5},
		{"confusion teknis->nonteknis", float64(rep.Confusion[Technical][NonTechnical]), 1},
		{"confusion nonteknis->unsure", float64(rep.Confusion[NonTechnical][Unsure]), 1},
		{"ApplicationTotal", float64(rep.ApplicationTotal), 3},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("Evaluate(five items).%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	if len(rep.Items) != len(items) || rep.Items[2].ID != "3" || rep.Items[2].Predicted != NonTechnical {
		t.Errorf("Evaluate(five items).Items = %+v, want input order with item 3 predicted %s", rep.Items, NonTechnical)
	}
}

func TestEvaluateEmpty(t *testing.T) {
	rep := Evaluate(Default(), nil)
	if rep.Total != 0 || rep.Accuracy != 0 || rep.UnsureRate != 0 || rep.Items == nil {
		t.Errorf("Evaluate(nil) = %+v, want zero totals and an empty item list", rep)
	}
}

// TestAnalyzeMatchesClassifyAndTerms checks that Analyze, which shares one
// normalised document between both, returns what Classify and Terms
// return apart, with the embedded rules and with a copy of them.
func TestAnalyzeMatchesClassifyAndTerms(t *testing.T) {
	items := readItems(t, "../../testdata/triage/labeled-dev.jsonl")
	copied, err := Parse(defaultRulesYAML)
	if err != nil {
		t.Fatalf("Parse(embedded rules) error: %v", err)
	}
	for _, r := range []*Rules{Default(), copied} {
		for _, it := range items {
			res, terms := r.Analyze(it.Subject, it.Body)
			if want := r.Classify(it.Subject, it.Body); !reflect.DeepEqual(res, want) {
				t.Errorf("%s: Analyze result = %+v, want Classify's %+v", it.ID, res, want)
			}
			if want := Terms(it.Subject, it.Body); !slices.Equal(terms, want) {
				t.Errorf("%s: Analyze terms = %v, want Terms' %v", it.ID, terms, want)
			}
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	f, err := os.Open("../../testdata/triage/labeled-dev.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	items, err := ReadJSONL(f)
	if err != nil {
		b.Fatal(err)
	}
	r := Default()
	for i := 0; b.Loop(); i++ {
		it := items[i%len(items)]
		r.Analyze(it.Subject, it.Body)
	}
}
