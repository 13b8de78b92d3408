package triage

// Report holds the figures of one evaluation run. Build it with Evaluate.
type Report struct {
	Total int `json:"total"`
	// Accuracy is Correct over Total; an Unsure prediction counts as
	// wrong.
	Accuracy   float64 `json:"accuracy"`
	Correct    int     `json:"correct"`
	UnsureRate float64 `json:"unsure_rate"`
	Unsure     int     `json:"unsure"`
	// ApplicationAccuracy is ApplicationCorrect over ApplicationTotal,
	// the items that name an expected application.
	ApplicationAccuracy float64 `json:"application_accuracy"`
	ApplicationCorrect  int     `json:"application_correct"`
	ApplicationTotal    int     `json:"application_total"`
	// Classes holds precision and recall of Technical and NonTechnical.
	Classes map[string]ClassStats `json:"classes"`
	// Confusion counts items by label, then by prediction (Technical,
	// NonTechnical or Unsure).
	Confusion map[string]map[string]int `json:"confusion"`
	Items     []ItemResult              `json:"items"`
}

// ClassStats is the precision and recall of one category. Precision is 0
// when nothing was predicted as the category, and recall is 0 when no item
// carries it.
type ClassStats struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// Labelled counts the items with the category as label, Predicted
	// those predicted as it.
	Labelled  int `json:"labelled"`
	Predicted int `json:"predicted"`
}

// ItemResult is the prediction for one item.
type ItemResult struct {
	ID         string   `json:"id"`
	Predicted  string   `json:"predicted"`
	Confidence float64  `json:"confidence"`
	Terms      []string `json:"terms"`
	Label      string   `json:"label"`
	// Application is the guessed application; LabelApplication the
	// expected one, empty when the item has none.
	Application      string `json:"application"`
	LabelApplication string `json:"label_application,omitempty"`
	Lang             string `json:"lang,omitempty"`
	Difficulty       string `json:"difficulty,omitempty"`
}

// Correct reports whether the prediction matches the label.
func (it ItemResult) Correct() bool {
	return it.Predicted == it.Label
}

// Evaluate classifies every item with r, or with Default() when r is nil,
// and compares the result with its label. Items keep their input order in
// the report. An empty item list yields a report with zero totals and
// rates.
func Evaluate(r *Rules, items []Item) Report {
	if r == nil {
		r = Default()
	}
	rep := Report{
		Total:     len(items),
		Classes:   map[string]ClassStats{},
		Confusion: map[string]map[string]int{},
		Items:     make([]ItemResult, 0, len(items)),
	}

	for _, item := range items {
		res := r.Classify(item.Subject, item.Body)
		rep.add(item, res)
	}
	rep.finish()
	return rep
}

func (rep *Report) add(item Item, res Result) {
	terms := res.Terms
	if terms == nil {
		terms = []string{}
	}
	it := ItemResult{
		ID:               item.ID,
		Predicted:        res.Category,
		Confidence:       res.Confidence,
		Terms:            terms,
		Label:            item.Label,
		Application:      res.Application,
		LabelApplication: item.Application,
		Lang:             item.Lang,
		Difficulty:       item.Difficulty,
	}
	rep.Items = append(rep.Items, it)

	if rep.Confusion[item.Label] == nil {
		rep.Confusion[item.Label] = map[string]int{}
	}
	rep.Confusion[item.Label][res.Category]++

	if it.Correct() {
		rep.Correct++
	}
	if res.Category == Unsure {
		rep.Unsure++
	}
	if item.Application != "" {
		rep.ApplicationTotal++
		if res.Application == item.Application {
			rep.ApplicationCorrect++
		}
	}
}

// finish turns the counts into rates.
func (rep *Report) finish() {
	rep.Accuracy = ratio(rep.Correct, rep.Total)
	rep.UnsureRate = ratio(rep.Unsure, rep.Total)
	rep.ApplicationAccuracy = ratio(rep.ApplicationCorrect, rep.ApplicationTotal)

	for _, c := range []string{Technical, NonTechnical} {
		var labelled, predicted, hit int
		for label, row := range rep.Confusion {
			for pred, n := range row {
				if label == c {
					labelled += n
				}
				if pred == c {
					predicted += n
				}
				if label == c && pred == c {
					hit += n
				}
			}
		}
		rep.Classes[c] = ClassStats{
			Precision: ratio(hit, predicted),
			Recall:    ratio(hit, labelled),
			Labelled:  labelled,
			Predicted: predicted,
		}
	}
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
