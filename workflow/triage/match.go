package triage

import "strings"

// token is one normalised word of a complaint with its place and weight.
type token struct {
	word string
	// sent is the sentence index: 0 for the subject, body sentences count
	// from 1. Phrases never match across sentences.
	sent int
	// clause counts the clauses of the whole text, split at commas,
	// colons and brackets, so that a negation scope can end at a comma.
	clause int
	// focus weighs the token by its place: subject, opening sentences,
	// after a pivot such as "intinya".
	focus float64
}

// patternKind is the role of a matched phrase.
type patternKind int

const (
	kindCategory    patternKind = iota // adds weight to a category
	kindApplication                    // adds weight to an application guess
	kindPivot                          // shifts focus onto what follows, in the whole body
	kindContrast                       // shifts focus onto what follows, in its sentence
	kindNegBefore                      // negates the earlier part of its sentence
	kindNegAfter                       // negates the rest of its clause
	kindNegSentence                    // negates its whole sentence
)

// elemKind is the kind of word one position of a pattern accepts.
type elemKind int

const (
	elemWord   elemKind = iota // one normalised word
	elemGroup                  // any word of a named group
	elemPrefix                 // any word that starts with a prefix
)

type element struct {
	kind elemKind
	word string
	// group maps each normalised group word to the word as written in
	// the rules, for showing the matched term.
	group map[string]string
	// anyNumber makes a group element also accept any word of digits,
	// for groups that list "#".
	anyNumber bool
	// display is the term text this element stands for, or empty when an
	// earlier element of the same written word already shows it.
	display string
}

func (e element) accepts(w string) bool {
	switch e.kind {
	case elemGroup:
		_, ok := e.group[w]
		return ok || e.anyNumber && isNumber(w)
	case elemPrefix:
		return strings.HasPrefix(w, e.word)
	default:
		return e.word == w
	}
}

// groupWord returns the group word as written for a matched word; a
// number matched by "#" is shown as it is.
func (e element) groupWord(w string) string {
	if written, ok := e.group[w]; ok {
		return written
	}
	return w
}

// pattern is one compiled term or marker phrase.
type pattern struct {
	elems  []element
	kind   patternKind
	label  string // category or application name
	weight float64
	// raw is the term as written in the rules.
	raw string
	// negative is true when the phrase starts with a negation, such as
	// "tidak bisa {aksi}", so that the negation is part of the term and
	// does not negate it.
	negative bool
	// onNegated is the effect of a negation word right before the term:
	// negatedIgnore, negatedFlip or negatedKeep.
	onNegated string
}

// match is one occurrence of a pattern in a token stream.
type match struct {
	pat        *pattern
	start, end int // token range [start, end)
	// text is the term as written, with group words filled in.
	text string
}

// matcher finds the longest pattern at each position of a token stream.
type matcher struct {
	patterns []pattern
	// byWord indexes patterns by the words their first element accepts.
	// byPrefix lists the patterns whose first element is a prefix or
	// accepts any number, because those are tried at every position.
	byWord   map[string][]int
	byPrefix []int
}

func newMatcher(patterns []pattern) *matcher {
	m := &matcher{patterns: patterns, byWord: map[string][]int{}}
	for i, p := range patterns {
		first := p.elems[0]
		switch {
		case first.kind == elemPrefix || first.anyNumber:
			m.byPrefix = append(m.byPrefix, i)
		case first.kind == elemGroup:
			for w := range first.group {
				m.byWord[w] = append(m.byWord[w], i)
			}
		default:
			m.byWord[first.word] = append(m.byWord[first.word], i)
		}
	}
	return m
}

// findAll scans left to right and takes the longest match at each
// position; a match consumes its tokens. Ties go to the higher weight and
// then to the pattern listed first.
func (m *matcher) findAll(tokens []token) []match {
	var out []match
	for i := 0; i < len(tokens); {
		best, ok := m.longestAt(tokens, i)
		if !ok {
			i++
			continue
		}
		out = append(out, best)
		i = best.end
	}
	return out
}

func (m *matcher) longestAt(tokens []token, i int) (match, bool) {
	var best match
	bestIdx := -1

	try := func(idx int) {
		p := &m.patterns[idx]
		end, ok := p.matchAt(tokens, i)
		if !ok {
			return
		}
		if bestIdx >= 0 && !preferred(p, end-i, idx, best.pat, best.end-best.start, bestIdx) {
			return
		}
		best = match{pat: p, start: i, end: end}
		bestIdx = idx
	}

	for _, idx := range m.byWord[tokens[i].word] {
		try(idx)
	}
	for _, idx := range m.byPrefix {
		try(idx)
	}

	if bestIdx < 0 {
		return match{}, false
	}
	best.text = best.pat.display(tokens[best.start:best.end])
	return best, true
}

// preferred reports whether pattern p (index idx) matching n tokens wins
// over other (index otherIdx) matching otherN tokens: the longer match,
// then the higher weight, then the pattern listed first.
func preferred(p *pattern, n, idx int, other *pattern, otherN, otherIdx int) bool {
	if n != otherN {
		return n > otherN
	}
	if p.weight != other.weight {
		return p.weight > other.weight
	}
	return idx < otherIdx
}

// matchAt returns the end of the pattern when it matches at i within one
// sentence.
func (p *pattern) matchAt(tokens []token, i int) (int, bool) {
	if i+len(p.elems) > len(tokens) {
		return 0, false
	}

	sent := tokens[i].sent
	for k, e := range p.elems {
		t := tokens[i+k]
		if t.sent != sent || !e.accepts(t.word) {
			return 0, false
		}
	}
	return i + len(p.elems), true
}

// display renders the matched term as written in the rules, with each
// group placeholder replaced by the group word that matched.
func (p *pattern) display(matched []token) string {
	parts := make([]string, 0, len(p.elems))
	for k, e := range p.elems {
		switch {
		case e.kind == elemGroup:
			parts = append(parts, e.groupWord(matched[k].word))
		case e.display != "":
			parts = append(parts, e.display)
		}
	}
	return strings.Join(parts, " ")
}
