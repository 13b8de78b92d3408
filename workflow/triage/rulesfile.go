package triage

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// rulesFile is the YAML layout of a rules file. rules.yaml documents each
// key.
type rulesFile struct {
	Version        int                    `yaml:"version"`
	UnsureBelow    float64                `yaml:"unsure_below"`
	EvidencePrior  float64                `yaml:"evidence_prior"`
	ApplicationMin float64                `yaml:"application_min"`
	Focus          focusFile              `yaml:"focus"`
	Negation       negationFile           `yaml:"negation"`
	Groups         map[string][]string    `yaml:"groups"`
	Categories     map[string][]termGroup `yaml:"categories"`
	Applications   map[string][]termGroup `yaml:"applications"`
	Closings       []string               `yaml:"closings"`
	Abbreviations  map[string]string      `yaml:"abbreviations"`
	Stopwords      []string               `yaml:"stopwords"`
	Roots          []string               `yaml:"roots"`
	Keep           []string               `yaml:"keep"`
}

type focusFile struct {
	Subject       float64   `yaml:"subject"`
	Lead          []float64 `yaml:"lead"`
	LeadMinTokens int       `yaml:"lead_min_tokens"`
	Pivot         shiftFile `yaml:"pivot"`
	Contrast      shiftFile `yaml:"contrast"`
}

// shiftFile lists marker phrases and the factors applied to the terms
// before and after each marker.
type shiftFile struct {
	Terms  []string `yaml:"terms"`
	Before float64  `yaml:"before"`
	After  float64  `yaml:"after"`
}

type negationFile struct {
	Words    []string `yaml:"words"`
	Skip     []string `yaml:"skip"`
	Absence  []string `yaml:"absence"`
	Flip     *float64 `yaml:"flip"`
	Before   []string `yaml:"before"`
	After    []string `yaml:"after"`
	Sentence []string `yaml:"sentence"`
}

// termGroup is a list of terms that share one weight and one way of
// handling a negation word right before them.
type termGroup struct {
	Weight  float64  `yaml:"weight"`
	Negated string   `yaml:"negated"`
	Terms   []string `yaml:"terms"`
}

// Effects of a negation word right before a category term.
const (
	// negatedIgnore: the term does not count ("tidak lama kemudian").
	negatedIgnore = "ignore"
	// negatedFlip: the term counts, at the flip share, for the other
	// category ("tidak ada error" is a hint that the application works).
	negatedFlip = "flip"
	// negatedKeep: the term counts as usual, because its negation is the
	// complaint itself ("tidak pernah dibalas").
	negatedKeep = "keep"
)

// The only rules format version this package reads.
const rulesVersion = 1

var (
	namePattern     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholderExpr = regexp.MustCompile(`\{([^{}]*)\}`)
)

// validate checks the decoded file and returns every problem found, each
// wrapping ErrInvalidRules and naming its key.
func (f *rulesFile) validate() error {
	v := &validator{}

	f.validateScalars(v)
	f.validateFocus(v)
	f.validateNegation(v)
	f.validateGroups(v)
	f.validateCategories(v)
	f.validateApplications(v)
	f.validateWordLists(v)

	return v.err()
}

func (f *rulesFile) validateScalars(v *validator) {
	if f.Version != rulesVersion {
		v.addf("version", "must be %d, got %d", rulesVersion, f.Version)
	}
	if f.UnsureBelow <= 0.5 || f.UnsureBelow >= 1 {
		v.addf("unsure_below", "must be between 0.5 and 1 (exclusive), got %g", f.UnsureBelow)
	}
	if f.EvidencePrior < 0 {
		v.addf("evidence_prior", "must not be negative, got %g", f.EvidencePrior)
	}
	if f.ApplicationMin <= 0 {
		v.addf("application_min", "must be greater than 0, got %g", f.ApplicationMin)
	}
}

func (f *rulesFile) validateFocus(v *validator) {
	v.positive("focus.subject", f.Focus.Subject)
	for i, w := range f.Focus.Lead {
		v.positive(fmt.Sprintf("focus.lead[%d]", i), w)
	}
	if f.Focus.LeadMinTokens < 0 {
		v.addf("focus.lead_min_tokens", "must not be negative, got %d", f.Focus.LeadMinTokens)
	}

	for _, s := range []struct {
		key   string
		shift shiftFile
	}{{"focus.pivot", f.Focus.Pivot}, {"focus.contrast", f.Focus.Contrast}} {
		v.positive(s.key+".before", s.shift.Before)
		v.positive(s.key+".after", s.shift.After)
		v.phrases(s.key+".terms", s.shift.Terms)
	}
}

func (f *rulesFile) validateNegation(v *validator) {
	n := f.Negation
	if len(n.Words) == 0 {
		v.addf("negation.words", "must list at least one word")
	}
	v.words("negation.words", n.Words)
	v.words("negation.skip", n.Skip)
	v.words("negation.absence", n.Absence)

	if n.Flip == nil {
		v.addf("negation.flip", "missing, set it to 0 to ignore negated terms")
	} else if *n.Flip < 0 || *n.Flip > 1 {
		v.addf("negation.flip", "must be between 0 and 1, got %g", *n.Flip)
	}

	v.phrases("negation.before", n.Before)
	v.phrases("negation.after", n.After)
	v.phrases("negation.sentence", n.Sentence)
}

func (f *rulesFile) validateGroups(v *validator) {
	for _, name := range sortedKeys(f.Groups) {
		key := "groups." + name
		if !namePattern.MatchString(name) {
			v.addf(key, "group name must be lower-case letters, digits and underscores")
		}
		if len(f.Groups[name]) == 0 {
			v.addf(key, "must list at least one word")
		}
		v.words(key, f.Groups[name])
		for i, w := range f.Groups[name] {
			if strings.Contains(w, "#") && strings.TrimSpace(w) != "#" {
				v.addf(fmt.Sprintf("%s[%d]", key, i), "%q: # stands alone for any number", w)
			}
		}
	}
}

func (f *rulesFile) validateCategories(v *validator) {
	for _, name := range sortedKeys(f.Categories) {
		if name != Technical && name != NonTechnical {
			v.addf("categories."+name, "unknown category, want %s or %s", Technical, NonTechnical)
		}
	}
	for _, name := range []string{Technical, NonTechnical} {
		if len(f.Categories[name]) == 0 {
			v.addf("categories."+name, "missing or empty")
		}
	}

	seen := map[string]string{}
	for _, name := range sortedKeys(f.Categories) {
		f.validateTermGroups(v, "categories."+name, f.Categories[name], seen)
	}
}

func (f *rulesFile) validateApplications(v *validator) {
	if len(f.Applications) == 0 {
		v.addf("applications", "missing or empty")
	}
	for _, name := range sortedKeys(f.Applications) {
		key := "applications." + name
		if !namePattern.MatchString(name) {
			v.addf(key, "application name must be lower-case letters, digits and underscores")
		}
		f.validateTermGroups(v, key, f.Applications[name], map[string]string{})
	}
}

// validateTermGroups checks weights, placeholders and duplicates. seen maps
// a lower-cased term to the key where it first appeared.
func (f *rulesFile) validateTermGroups(v *validator, key string, groups []termGroup, seen map[string]string) {
	for i, g := range groups {
		gkey := fmt.Sprintf("%s[%d]", key, i)
		v.positive(gkey+".weight", g.Weight)
		switch g.Negated {
		case "", negatedIgnore, negatedFlip, negatedKeep:
		default:
			v.addf(gkey+".negated", "must be %s, %s or %s, got %q", negatedIgnore, negatedFlip, negatedKeep, g.Negated)
		}
		if len(g.Terms) == 0 {
			v.addf(gkey+".terms", "must list at least one term")
		}

		for j, term := range g.Terms {
			tkey := fmt.Sprintf("%s.terms[%d]", gkey, j)
			f.validateTerm(v, tkey, term)

			norm := strings.ToLower(strings.TrimSpace(term))
			if first, dup := seen[norm]; dup {
				v.addf(tkey, "duplicate term %q, first listed at %s", term, first)
				continue
			}
			seen[norm] = tkey
		}
	}
}

// validateTerm checks one term: not empty, placeholders naming defined
// groups, and a trailing "*" only on a single word.
func (f *rulesFile) validateTerm(v *validator, key, term string) {
	if strings.TrimSpace(term) == "" {
		v.addf(key, "empty term")
		return
	}

	for _, m := range placeholderExpr.FindAllStringSubmatch(term, -1) {
		if _, ok := f.Groups[m[1]]; !ok {
			v.addf(key, "term %q uses undefined group {%s}", term, m[1])
		}
	}

	if strings.HasSuffix(term, "*") && strings.ContainsAny(strings.TrimSpace(term), " \t") {
		v.addf(key, "term %q: a trailing * is allowed only on a single word", term)
	}
}

func (f *rulesFile) validateWordLists(v *validator) {
	v.phrases("closings", f.Closings)
	v.words("stopwords", f.Stopwords)
	v.words("roots", f.Roots)
	v.words("keep", f.Keep)

	for _, from := range sortedKeys(f.Abbreviations) {
		key := "abbreviations." + from
		if strings.ContainsAny(from, " \t") || from == "" {
			v.addf(key, "abbreviation must be a single word")
		}
		if strings.TrimSpace(f.Abbreviations[from]) == "" {
			v.addf(key, "expansion must not be empty")
		}
	}
}

// validator collects validation errors.
type validator struct {
	errs []error
}

func (v *validator) addf(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.errs = append(v.errs, fmt.Errorf("%w: %s: %s", ErrInvalidRules, key, msg))
}

func (v *validator) positive(key string, x float64) {
	if x <= 0 {
		v.addf(key, "must be greater than 0, got %g", x)
	}
}

// words checks a list of single words.
func (v *validator) words(key string, list []string) {
	for i, w := range list {
		w = strings.TrimSpace(w)
		if w == "" || strings.ContainsAny(w, " \t") {
			v.addf(fmt.Sprintf("%s[%d]", key, i), "must be a single word, got %q", list[i])
		}
	}
}

// phrases checks a list of non-empty phrases.
func (v *validator) phrases(key string, list []string) {
	for i, p := range list {
		if strings.TrimSpace(p) == "" {
			v.addf(fmt.Sprintf("%s[%d]", key, i), "empty phrase")
		}
	}
}

func (v *validator) err() error {
	return errors.Join(v.errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
