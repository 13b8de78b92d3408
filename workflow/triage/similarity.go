package triage

import (
	"math"
	"sort"
	"unicode/utf8"
)

// maxTerms is the most terms Terms returns; it bounds what a ticket
// stores and what a similarity query sends.
const maxTerms = 40

// Term ranking: a word that the rules use (such as "otp" or "sertifikat")
// gets domainBonus on top of its weighted count.
const domainBonus = 1.0

// Digit-only words shorter than minNumberLen (dates, counts, sizes) are
// not terms; longer ones (billing codes) are.
const minNumberLen = 6

// Terms returns the distinct content words of a complaint for similarity
// matching: normalised as Normalize does, signature removed, stopwords,
// negation words, words under three letters and short numbers dropped. At
// most 40 are returned, most informative first. A word ranks by where it
// appears (subject, opening sentences) and how often, with a bonus for
// words the rules use, and ties keep text order. Terms always uses the
// embedded rules, so that stored terms stay comparable when a deployment
// replaces the rules file. Empty input yields nil.
func Terms(subject, body string) []string {
	return Default().terms(subject, body)
}

func (r *Rules) terms(subject, body string) []string {
	return r.termsOf(r.document(subject, body))
}

// termsOf is terms of a normalised document.
func (r *Rules) termsOf(toks []token) []string {
	score := map[string]float64{}
	first := map[string]int{}

	for i, t := range toks {
		if !r.isContentWord(t.word) {
			continue
		}
		if _, ok := first[t.word]; !ok {
			first[t.word] = i
			if r.lexicon.known[t.word] {
				score[t.word] += domainBonus
			}
		}
		score[t.word] += t.focus
	}

	words := make([]string, 0, len(score))
	for w := range score {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		a, b := words[i], words[j]
		if score[a] != score[b] {
			return score[a] > score[b]
		}
		return first[a] < first[b]
	})

	if len(words) > maxTerms {
		words = words[:maxTerms]
	}
	if len(words) == 0 {
		return nil
	}
	return words
}

func (r *Rules) isContentWord(w string) bool {
	if r.lexicon.stop[w] || r.negations[w] || utf8.RuneCountInString(w) < 3 {
		return false
	}
	return !isNumber(w) || len(w) >= minNumberLen
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Similarity returns the cosine similarity of two term sets (the Ochiai
// coefficient): the number of shared distinct terms divided by the
// geometric mean of the two set sizes. It is symmetric, 1 for equal sets
// and 0 when either set is empty or nothing is shared. Duplicates count
// once; terms are compared as given, so pass the output of Terms.
func Similarity(a, b []string) float64 {
	return NewTermSet(a).Similarity(NewTermSet(b))
}

// TermSet is a set of terms made once for many Similarity comparisons.
type TermSet map[string]bool

// NewTermSet returns the set of terms.
func NewTermSet(terms []string) TermSet { return toSet(terms) }

// Similarity returns Similarity of the two sets' terms.
func (a TermSet) Similarity(b TermSet) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(b) < len(a) {
		a, b = b, a
	}
	shared := 0
	for w := range a {
		if b[w] {
			shared++
		}
	}
	return float64(shared) / math.Sqrt(float64(len(a))*float64(len(b)))
}

func toSet(words []string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return set
}
