package triage

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/goccy/go-yaml"
)

// Categories a Result may carry. The values match the category codes the
// service desk confirms by reply (#teknis, #nonteknis).
const (
	Technical    = "teknis"
	NonTechnical = "nonteknis"
	Unsure       = "unsure"
)

// OtherApplication is the application guessed when no application keyword
// reaches the rules' application_min score.
const OtherApplication = "lainnya"

// ErrInvalidRules is wrapped by every validation error that Parse and Load
// return, so that callers can tell a bad rules file from an unreadable one.
var ErrInvalidRules = errors.New("invalid triage rules")

//go:embed rules.yaml
var defaultRulesYAML []byte

// defaultRules parses the embedded rules once. The result is never
// modified after parsing, so sharing it is safe.
var defaultRules = sync.OnceValue(func() *Rules {
	r, err := Parse(defaultRulesYAML)
	if err != nil {
		panic(fmt.Sprintf("triage: embedded rules.yaml: %v", err))
	}
	return r
})

// Rules is a compiled rule set. It is immutable once built, so one value
// may serve any number of goroutines.
type Rules struct {
	unsureBelow    float64
	evidencePrior  float64
	applicationMin float64
	flip           float64
	focus          focusConfig

	lexicon *lexicon

	// phrases holds the category terms and the marker phrases (negation
	// scopes, pivots, contrasts), matched together so that the longest
	// phrase wins wherever they overlap.
	phrases      *matcher
	applications *matcher

	negations map[string]bool
	negSkip   map[string]bool
	// absence holds the words that make a negation mean "there is no"
	// ("tidak ada", "no", "tanpa").
	absence  map[string]bool
	closings [][]string
}

// focusConfig weighs where a term appears.
type focusConfig struct {
	subject        float64
	lead           []float64
	leadMinTokens  int
	pivotBefore    float64
	pivotAfter     float64
	contrastAfter  float64
	contrastBefore float64
}

// Default returns the rules embedded from rules.yaml. It panics only when
// the embedded file does not parse, which the package tests rule out.
func Default() *Rules {
	return defaultRules()
}

// Load reads and parses a rules file, for deployments that replace the
// embedded rules.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load triage rules: %w", err)
	}

	r, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load triage rules %s: %w", path, err)
	}
	return r, nil
}

// Parse parses and validates rules in the rules.yaml format. Unknown keys
// are rejected. Validation errors wrap ErrInvalidRules and name the key,
// such as categories.teknis[2].weight.
func Parse(data []byte) (*Rules, error) {
	var file rulesFile
	if err := yaml.UnmarshalWithOptions(data, &file, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("parse triage rules: %w", err)
	}

	if err := file.validate(); err != nil {
		return nil, err
	}

	return compile(&file)
}
