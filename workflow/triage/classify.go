package triage

import (
	"math"
	"sort"
)

// repeatWeight is the share of its weight that each further occurrence of
// a term adds, so that a long letter repeating "error" five times does not
// outweigh two different signals.
const repeatWeight = 0.25

// maxNegationSkip is how many filler or absence words ("pernah", "ada",
// "any") may stand between a negation word and the term it negates.
const maxNegationSkip = 2

// Result is the triage suggestion for one complaint.
type Result struct {
	// Category is Technical, NonTechnical or Unsure.
	Category string
	// Confidence is the share of the evidence behind the leading
	// category, damped when the evidence is thin, rounded to three
	// decimals: 0.5 means no evidence either way, and it stays below 1
	// while the rules' evidence_prior is positive. For Unsure it is the
	// leading category's confidence, below the rules' unsure_below.
	Confidence float64
	// Terms are the matched rule terms as written in the rules, with group
	// placeholders filled in: first those supporting the leading
	// category, strongest first, then those against it. Negated and
	// dismissed matches are not listed. Nil when nothing counted.
	Terms []string
	// Application is the guessed application, or OtherApplication.
	Application string
}

// Classify suggests a category and an application for a complaint from
// its subject and body. The body may be the whole email text: quoted
// lines and the signature are ignored, only the first 20,000 characters
// are read, and the subject and the first sentences weigh more. Terms
// that a phrase dismisses ("bukan masalah aplikasi", "sudah
// diperbaiki") count for the other category at the rules' flip share. A
// term right after a negation word is handled by its group's negated
// setting. Empty input yields Unsure with confidence 0.5 and
// OtherApplication. Safe for concurrent use.
func (r *Rules) Classify(subject, body string) Result {
	return r.classifyTokens(r.document(subject, body))
}

// Analyze returns Classify and Terms of one complaint. With the embedded
// rules, which Terms always uses, it normalises the text once for both.
func (r *Rules) Analyze(subject, body string) (Result, []string) {
	if r != Default() {
		return r.Classify(subject, body), Terms(subject, body)
	}
	toks := r.document(subject, body)
	// Terms reads the weights before classifyTokens shifts them.
	terms := r.termsOf(toks)
	return r.classifyTokens(toks), terms
}

// classifyTokens is Classify of a normalised document. It changes the
// weights of toks.
func (r *Rules) classifyTokens(toks []token) Result {
	found := r.phrases.findAll(toks)

	r.applyFocus(toks, found)
	ev := r.weigh(toks, found)

	res := r.decide(ev)
	res.Application = r.guessApplication(toks)
	return res
}

// applyFocus scales token weights around pivots and contrasts. A pivot
// ("intinya", "the problem is") in the body raises everything after it and
// lowers the body before it. A contrast ("tetapi", "but") does the same
// within its sentence, unless it opens a body sentence ("Namun, ..."),
// where it acts as a pivot. A pivot in the subject acts as a contrast.
func (r *Rules) applyFocus(toks []token, found []match) {
	for _, m := range found {
		sent := toks[m.start].sent
		opens := m.start == 0 || toks[m.start-1].sent != sent

		switch {
		case sent > 0 && (m.pat.kind == kindPivot || m.pat.kind == kindContrast && opens):
			r.shiftBody(toks, m)
		case m.pat.kind == kindPivot || m.pat.kind == kindContrast:
			r.shiftSentence(toks, m, sent)
		}
	}
}

func (r *Rules) shiftBody(toks []token, m match) {
	for k := range toks {
		switch {
		case toks[k].sent == 0:
		case k < m.start:
			toks[k].focus *= r.focus.pivotBefore
		case k >= m.end:
			toks[k].focus *= r.focus.pivotAfter
		}
	}
}

func (r *Rules) shiftSentence(toks []token, m match, sent int) {
	for k := range toks {
		if toks[k].sent != sent {
			continue
		}
		switch {
		case k < m.start:
			toks[k].focus *= r.focus.contrastBefore
		case k >= m.end:
			toks[k].focus *= r.focus.contrastAfter
		}
	}
}

// evidence is the weighed outcome of the category matches.
type evidence struct {
	score map[string]float64
	// terms maps category and term text to its contribution.
	terms map[termKey]*termScore
}

type termKey struct {
	category string
	text     string
}

type termScore struct {
	max, sum float64
}

func (t *termScore) add(x float64) {
	t.max = math.Max(t.max, x)
	t.sum += x
}

func (t *termScore) total() float64 {
	return t.max + repeatWeight*(t.sum-t.max)
}

// weigh adds up the category matches. A match inside a negation zone adds
// flip times its weight to the other category. A match right after a
// negation word is handled by its group's negated setting, and
// localNegation tells a plain negation from "there is no". Flipped and
// ignored matches are not listed among the terms.
func (r *Rules) weigh(toks []token, found []match) evidence {
	zone := r.negatedZones(toks, found)
	covered := categoryCoverage(len(toks), found)

	ev := evidence{score: map[string]float64{}, terms: map[termKey]*termScore{}}
	flipped := map[termKey]*termScore{}

	for _, m := range found {
		if m.pat.kind != kindCategory {
			continue
		}
		w := m.pat.weight * toks[m.start].focus
		flip := zone[m.start]
		if !flip {
			switch r.localNegation(toks, m, covered) {
			case negationPlain:
				if m.pat.onNegated == negatedIgnore {
					continue
				}
				flip = m.pat.onNegated == negatedFlip
			case negationAbsence:
				flip = m.pat.onNegated == negatedFlip
			}
		}

		if flip {
			key := termKey{category: otherCategory(m.pat.label), text: m.text}
			scoreOf(flipped, key).add(w * r.flip)
			continue
		}
		scoreOf(ev.terms, termKey{category: m.pat.label, text: m.text}).add(w)
	}

	// Sum in a fixed order so that the same text always gives the same
	// floating-point score.
	for _, set := range []map[termKey]*termScore{ev.terms, flipped} {
		for _, key := range sortedTermKeys(set) {
			ev.score[key.category] += set[key].total()
		}
	}
	return ev
}

func sortedTermKeys(m map[termKey]*termScore) []termKey {
	keys := make([]termKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].category != keys[j].category {
			return keys[i].category < keys[j].category
		}
		return keys[i].text < keys[j].text
	})
	return keys
}

func scoreOf(m map[termKey]*termScore, key termKey) *termScore {
	s, ok := m[key]
	if !ok {
		s = &termScore{}
		m[key] = s
	}
	return s
}

func otherCategory(c string) string {
	if c == Technical {
		return NonTechnical
	}
	return Technical
}

// categoryCoverage marks the tokens inside category matches.
func categoryCoverage(n int, found []match) []bool {
	covered := make([]bool, n)
	for _, m := range found {
		if m.pat.kind != kindCategory {
			continue
		}
		for k := m.start; k < m.end; k++ {
			covered[k] = true
		}
	}
	return covered
}

// negatedZones marks the tokens that a negation marker covers: the rest
// of the clause after "tidak mempermasalahkan", the sentence before "bisa
// dimaklumi", the whole sentence of "sudah diperbaiki". A clause ends at a
// comma, colon or bracket, at the end of its sentence or at a contrast.
func (r *Rules) negatedZones(toks []token, found []match) []bool {
	zone := make([]bool, len(toks))
	contrast := make([]bool, len(toks))
	for _, m := range found {
		if m.pat.kind == kindContrast || m.pat.kind == kindPivot {
			contrast[m.start] = true
		}
	}

	for _, m := range found {
		sent := toks[m.start].sent
		switch m.pat.kind {
		case kindNegAfter:
			clause := toks[m.end-1].clause
			for k := m.end; k < len(toks) && toks[k].clause == clause && !contrast[k]; k++ {
				zone[k] = true
			}
		case kindNegBefore:
			for k := m.start - 1; k >= 0 && toks[k].sent == sent; k-- {
				zone[k] = true
			}
		case kindNegSentence:
			for k := range toks {
				if toks[k].sent == sent {
					zone[k] = true
				}
			}
		}
	}
	return zone
}

// localNegationKind is the meaning of a negation word right before a
// term.
type localNegationKind int

const (
	negationNone localNegationKind = iota
	// negationPlain negates the term: "tidak lama", "not slow".
	negationPlain
	// negationAbsence marks the thing as missing: "tidak ada tombol",
	// "no error", "tanpa kabar". For a problem word (negated: flip) that
	// is a hint for the other category; for anything else the absence
	// itself may be the complaint, so the term counts as usual.
	negationAbsence
)

// localNegation looks for a negation word right before the match, with
// at most maxNegationSkip filler or absence words between, in the same
// sentence. A term that starts with its own negation ("tidak bisa
// login") and a negation word that belongs to another term do not
// count.
func (r *Rules) localNegation(toks []token, m match, covered []bool) localNegationKind {
	if m.pat.negative {
		return negationNone
	}

	sent := toks[m.start].sent
	absent := false
	k := m.start - 1
	for skipped := 0; k >= 0 && skipped < maxNegationSkip; skipped++ {
		w := toks[k].word
		if !r.negSkip[w] && !(r.absence[w] && !r.negations[w]) {
			break
		}
		absent = absent || r.absence[w]
		k--
	}

	if k < 0 || toks[k].sent != sent || covered[k] || !r.negations[toks[k].word] {
		return negationNone
	}
	if absent || r.absence[toks[k].word] {
		return negationAbsence
	}
	return negationPlain
}

// decide turns the scores into a Result.
func (r *Rules) decide(ev evidence) Result {
	t, n := ev.score[Technical], ev.score[NonTechnical]

	lead, margin := Technical, t-n
	if n > t {
		lead, margin = NonTechnical, n-t
	}
	conf := 0.5 + 0.5*margin/(t+n+r.evidencePrior)
	if t+n+r.evidencePrior == 0 {
		conf = 0.5
	}

	category := lead
	if margin == 0 || conf < r.unsureBelow {
		category = Unsure
	}

	return Result{
		Category:   category,
		Confidence: math.Round(conf*1000) / 1000,
		Terms:      orderTerms(ev.terms, lead),
	}
}

// orderTerms lists the terms of the leading category first, each group by
// falling contribution and then alphabetically.
func orderTerms(terms map[termKey]*termScore, lead string) []string {
	keys := make([]termKey, 0, len(terms))
	for k := range terms {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if (a.category == lead) != (b.category == lead) {
			return a.category == lead
		}
		if ta, tb := terms[a].total(), terms[b].total(); ta != tb {
			return ta > tb
		}
		return a.text < b.text
	})

	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		if !seen[k.text] {
			seen[k.text] = true
			out = append(out, k.text)
		}
	}
	return out
}

// guessApplication adds up the application keywords, weighed like the
// category terms, and returns the best application that reaches
// application_min. Ties go to the alphabetically first name.
func (r *Rules) guessApplication(toks []token) string {
	score := map[string]float64{}
	for _, m := range r.applications.findAll(toks) {
		score[m.pat.label] += m.pat.weight * toks[m.start].focus
	}

	best, bestScore := OtherApplication, 0.0
	for _, name := range sortedKeys(score) {
		if s := score[name]; s >= r.applicationMin && s > bestScore {
			best, bestScore = name, s
		}
	}
	return best
}
