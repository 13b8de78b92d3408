package triage

import (
	"errors"
	"fmt"
	"strings"
)

// compile turns a validated rules file into Rules: it builds the
// lexicon first, because every term is normalised with it, then the
// phrase and application matchers.
func compile(f *rulesFile) (*Rules, error) {
	lx := buildLexicon(f)
	c := &compiler{file: f, lx: lx, groups: map[string]element{}, seen: map[string]string{}}
	c.negations = c.wordSet(f.Negation.Words)

	c.compileGroups()
	phrases := c.compilePhrases()
	apps := c.compileApplications()
	closings := c.compileClosings()

	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}

	return &Rules{
		unsureBelow:    f.UnsureBelow,
		evidencePrior:  f.EvidencePrior,
		applicationMin: f.ApplicationMin,
		flip:           *f.Negation.Flip,
		focus:          focusFrom(f.Focus),
		lexicon:        lx,
		phrases:        newMatcher(phrases),
		applications:   newMatcher(apps),
		negations:      c.negations,
		negSkip:        c.wordSet(f.Negation.Skip),
		absence:        c.wordSet(f.Negation.Absence),
		closings:       closings,
	}, nil
}

func focusFrom(f focusFile) focusConfig {
	return focusConfig{
		subject:        f.Subject,
		lead:           append([]float64(nil), f.Lead...),
		leadMinTokens:  f.LeadMinTokens,
		pivotBefore:    f.Pivot.Before,
		pivotAfter:     f.Pivot.After,
		contrastBefore: f.Contrast.Before,
		contrastAfter:  f.Contrast.After,
	}
}

// buildLexicon collects the abbreviations and the vocabulary. The
// vocabulary is every word the rules file writes anywhere, after
// abbreviation expansion, so that stemming can reduce text to it.
func buildLexicon(f *rulesFile) *lexicon {
	lx := &lexicon{
		abbrev:   map[string][]string{},
		known:    map[string]bool{},
		keep:     map[string]bool{},
		stop:     map[string]bool{},
		noTarget: map[string]bool{},
	}

	for from, to := range f.Abbreviations {
		lx.abbrev[foldText(strings.TrimSpace(from))] = splitWords(foldText(to))
	}
	for _, w := range f.Keep {
		lx.keep[foldText(strings.TrimSpace(w))] = true
	}

	for _, text := range f.allText() {
		addWords(lx.known, lx.expandRaw(placeholderExpr.ReplaceAllString(text, " ")))
	}
	for _, exp := range lx.abbrev {
		addWords(lx.known, exp)
	}
	for _, w := range append(append([]string(nil), f.Stopwords...), f.Negation.Words...) {
		addWords(lx.noTarget, lx.expandRaw(w))
	}

	for _, w := range f.Stopwords {
		addWords(lx.stop, lx.normalize(w))
	}
	return lx
}

// expandRaw folds and splits a word and expands abbreviations, without
// stemming.
func (lx *lexicon) expandRaw(text string) []string {
	var out []string
	for _, w := range splitWords(foldText(text)) {
		if exp, ok := lx.abbrev[w]; ok {
			out = append(out, exp...)
			continue
		}
		out = append(out, w)
	}
	return out
}

func addWords(set map[string]bool, words []string) {
	for _, w := range words {
		set[w] = true
	}
}

// allText lists every word and phrase of the file that is matched
// against text.
func (f *rulesFile) allText() []string {
	var out []string
	for _, list := range f.Groups {
		out = append(out, list...)
	}
	for _, m := range []map[string][]termGroup{f.Categories, f.Applications} {
		for _, groups := range m {
			for _, g := range groups {
				out = append(out, g.Terms...)
			}
		}
	}

	n := f.Negation
	lists := [][]string{
		n.Words, n.Skip, n.Absence, n.Before, n.After, n.Sentence,
		f.Focus.Pivot.Terms, f.Focus.Contrast.Terms,
		f.Closings, f.Stopwords, f.Roots, f.Keep,
	}
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// compiler holds the state of one compile run.
type compiler struct {
	file   *rulesFile
	lx     *lexicon
	groups map[string]element
	// seen maps a compiled phrase signature to the key where it was first
	// defined, to reject two terms that match exactly the same words.
	seen      map[string]string
	negations map[string]bool
	errs      []error
}

func (c *compiler) errorf(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidRules, key, msg))
}

// compileGroups builds one group element per group. The member "#"
// stands for any number written in digits.
func (c *compiler) compileGroups() {
	for _, name := range sortedKeys(c.file.Groups) {
		e := element{kind: elemGroup, group: map[string]string{}}
		for i, w := range c.file.Groups[name] {
			w = strings.TrimSpace(w)
			if w == "#" {
				e.anyNumber = true
				continue
			}

			norm := c.lx.normalize(w)
			if len(norm) != 1 {
				c.errorf(fmt.Sprintf("groups.%s[%d]", name, i), "%q normalises to %d words, want 1", w, len(norm))
				continue
			}
			if _, dup := e.group[norm[0]]; !dup {
				e.group[norm[0]] = w
			}
		}
		c.groups[name] = e
	}
}

// compilePhrases compiles the category terms and the marker phrases into
// one list, so that one matcher finds the longest of them.
func (c *compiler) compilePhrases() []pattern {
	var out []pattern
	for _, cat := range []string{Technical, NonTechnical} {
		out = append(out, c.compileTermGroups("categories."+cat, kindCategory, cat, c.file.Categories[cat])...)
	}

	markers := []struct {
		key   string
		kind  patternKind
		terms []string
	}{
		{"focus.pivot.terms", kindPivot, c.file.Focus.Pivot.Terms},
		{"focus.contrast.terms", kindContrast, c.file.Focus.Contrast.Terms},
		{"negation.before", kindNegBefore, c.file.Negation.Before},
		{"negation.after", kindNegAfter, c.file.Negation.After},
		{"negation.sentence", kindNegSentence, c.file.Negation.Sentence},
	}
	for _, m := range markers {
		for i, term := range m.terms {
			key := fmt.Sprintf("%s[%d]", m.key, i)
			if p, ok := c.compileTerm(key, term, m.kind, "", 1); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

func (c *compiler) compileApplications() []pattern {
	var out []pattern
	for _, name := range sortedKeys(c.file.Applications) {
		key := "applications." + name
		out = append(out, c.compileTermGroups(key, kindApplication, name, c.file.Applications[name])...)
	}
	return out
}

func (c *compiler) compileTermGroups(key string, kind patternKind, label string, groups []termGroup) []pattern {
	var out []pattern
	for i, g := range groups {
		for j, term := range g.Terms {
			tkey := fmt.Sprintf("%s[%d].terms[%d]", key, i, j)
			p, ok := c.compileTerm(tkey, term, kind, label, g.Weight)
			if !ok {
				continue
			}
			p.onNegated = g.Negated
			if p.onNegated == "" {
				p.onNegated = negatedIgnore
			}
			out = append(out, p)
		}
	}
	return out
}

// compileTerm normalises a term word by word. "{name}" becomes a group
// element and "word*" a prefix element.
func (c *compiler) compileTerm(key, term string, kind patternKind, label string, weight float64) (pattern, bool) {
	p := pattern{kind: kind, label: label, weight: weight, raw: strings.TrimSpace(term)}

	for _, piece := range strings.Fields(term) {
		elems, ok := c.compilePiece(key, piece)
		if !ok {
			return pattern{}, false
		}
		p.elems = append(p.elems, elems...)
	}

	if len(p.elems) == 0 {
		c.errorf(key, "term %q has no words after normalisation", term)
		return pattern{}, false
	}
	p.negative = c.isNegation(p.elems[0])

	return p, c.checkUnique(key, p)
}

func (c *compiler) compilePiece(key, piece string) ([]element, bool) {
	if m := placeholderExpr.FindStringSubmatch(piece); m != nil && m[0] == piece {
		return []element{c.groups[m[1]]}, true
	}

	if prefix, ok := strings.CutSuffix(piece, "*"); ok {
		words := splitWords(foldText(prefix))
		if len(words) != 1 {
			c.errorf(key, "prefix %q must be one word", piece)
			return nil, false
		}
		return []element{{kind: elemPrefix, word: words[0], display: piece}}, true
	}

	var elems []element
	for k, w := range c.lx.normalize(piece) {
		e := element{kind: elemWord, word: w}
		if k == 0 {
			e.display = piece
		}
		elems = append(elems, e)
	}
	return elems, true
}

// isNegation reports whether an element accepts a negation word.
func (c *compiler) isNegation(e element) bool {
	switch e.kind {
	case elemGroup:
		for w := range e.group {
			if c.negations[w] {
				return true
			}
		}
		return false
	case elemWord:
		return c.negations[e.word]
	}
	return false
}

// checkUnique rejects a category or marker phrase that matches exactly
// the words of one defined earlier, since only one of them could ever
// match. Application keywords are checked among themselves only.
func (c *compiler) checkUnique(key string, p pattern) bool {
	sig := p.signature()
	if p.kind == kindApplication {
		sig = "app " + p.label + " " + sig
	}
	if first, dup := c.seen[sig]; dup {
		c.errorf(key, "term %q matches the same words as %s", p.raw, first)
		return false
	}
	c.seen[sig] = key
	return true
}

// signature identifies the words a pattern matches.
func (p *pattern) signature() string {
	var b strings.Builder
	for _, e := range p.elems {
		switch e.kind {
		case elemGroup:
			b.WriteString("{")
			for _, w := range sortedKeys(e.group) {
				b.WriteString(w + ",")
			}
			if e.anyNumber {
				b.WriteString("#,")
			}
			b.WriteString("} ")
		case elemPrefix:
			b.WriteString(e.word + "* ")
		default:
			b.WriteString(e.word + " ")
		}
	}
	return b.String()
}

func (c *compiler) compileClosings() [][]string {
	var out [][]string
	for _, phrase := range c.file.Closings {
		if words := c.lx.normalize(phrase); len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

// wordSet normalises single words into a set.
func (c *compiler) wordSet(words []string) map[string]bool {
	set := map[string]bool{}
	for _, w := range words {
		addWords(set, c.lx.normalize(w))
	}
	return set
}
