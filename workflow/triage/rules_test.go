package triage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultParses(t *testing.T) {
	r, err := Parse(defaultRulesYAML)
	if err != nil {
		t.Fatalf("Parse(rules.yaml) error = %v, want nil", err)
	}
	if r.phrases == nil || len(r.phrases.patterns) == 0 {
		t.Fatalf("Parse(rules.yaml) compiled no phrases")
	}
	if Default() != Default() {
		t.Errorf("Default() returned two different values, want one shared value")
	}
}

// minimalRules is the smallest valid rules file; the tests below break it
// one key at a time.
const minimalRules = `
version: 1
unsure_below: 0.6
evidence_prior: 2
application_min: 1
focus:
  subject: 1.5
  lead: [1.2]
  lead_min_tokens: 3
  pivot: {before: 0.6, after: 1.5, terms: [intinya]}
  contrast: {before: 0.8, after: 1.2, terms: [tetapi]}
negation:
  words: [tidak]
  flip: 0.5
groups:
  aksi: [login, unggah]
categories:
  teknis:
    - weight: 3
      terms: [error, "tidak bisa {aksi}"]
  nonteknis:
    - weight: 3
      terms: [petugas]
applications:
  akun:
    - weight: 2
      terms: [login]
`

func TestParseMinimal(t *testing.T) {
	r, err := Parse([]byte(minimalRules))
	if err != nil {
		t.Fatalf("Parse(minimal) error = %v, want nil", err)
	}

	got := r.Classify("", "tidak bisa login")
	if got.Category != Technical {
		t.Errorf("Classify(tidak bisa login).Category = %q, want %q", got.Category, Technical)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		to      string
		wantKey string
	}{
		{"wrong version", "version: 1", "version: 2", "version"},
		{"threshold too low", "unsure_below: 0.6", "unsure_below: 0.4", "unsure_below"},
		{"negative prior", "evidence_prior: 2", "evidence_prior: -1", "evidence_prior"},
		{"zero application minimum", "application_min: 1", "application_min: 0", "application_min"},
		{"zero subject focus", "subject: 1.5", "subject: 0", "focus.subject"},
		{"negative lead", "lead: [1.2]", "lead: [-1]", "focus.lead[0]"},
		{"zero pivot factor", "before: 0.6", "before: 0", "focus.pivot.before"},
		{"flip out of range", "flip: 0.5", "flip: 2", "negation.flip"},
		{"flip missing", "  flip: 0.5\n", "", "negation.flip"},
		{"negation phrase as word", "words: [tidak]", "words: [tidak ada]", "negation.words[0]"},
		{"unknown category", "  nonteknis:\n", "  lainnya:\n", "categories.lainnya"},
		{"zero weight", "weight: 3\n      terms: [petugas]", "weight: 0\n      terms: [petugas]", "categories.nonteknis[0].weight"},
		{"bad negated", "weight: 3\n      terms: [petugas]", "weight: 3\n      negated: maybe\n      terms: [petugas]", "categories.nonteknis[0].negated"},
		{"empty term", "terms: [petugas]", "terms: [petugas, \"\"]", "categories.nonteknis[0].terms[1]"},
		{"undefined group", "\"tidak bisa {aksi}\"", "\"tidak bisa {buka}\"", "categories.teknis[0].terms[1]"},
		{"duplicate term", "terms: [petugas]", "terms: [petugas, error]", "categories.teknis[0].terms[0]"},
		{"same words after normalising", "terms: [petugas]", "terms: [petugas, \"Petugas!\"]", "categories.nonteknis[0].terms[1]"},
		{"prefix on phrase", "terms: [petugas]", "terms: [petugas, \"call cent*\"]", "categories.nonteknis[0].terms[1]"},
		{"missing applications", "applications:\n  akun:\n    - weight: 2\n      terms: [login]\n", "", "applications"},
		{"bad application name", "  akun:\n", "  Akun Saya:\n", "applications.Akun Saya"},
		{"bad group word", "aksi: [login, unggah]", "aksi: [login, \"unggah file\"]", "groups.aksi[1]"},
		{"bad abbreviation", "groups:", "abbreviations:\n  \"g k\": tidak\ngroups:", "abbreviations.g k"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimalRules, tt.from) {
				t.Fatalf("minimalRules does not contain %q", tt.from)
			}
			data := strings.Replace(minimalRules, tt.from, tt.to, 1)

			_, err := Parse([]byte(data))
			if !errors.Is(err, ErrInvalidRules) {
				t.Fatalf("Parse(%s) error = %v, want ErrInvalidRules", tt.name, err)
			}
			if !strings.Contains(err.Error(), tt.wantKey+":") {
				t.Errorf("Parse(%s) error = %q, want it to name %q", tt.name, err, tt.wantKey)
			}
		})
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"not yaml", "version: [1"},
		{"unknown key", minimalRules + "colour: blue\n"},
		{"wrong type", strings.Replace(minimalRules, "version: 1", "version: satu", 1)},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil {
				t.Fatalf("Parse(%s) error = nil, want an error", tt.name)
			}
			if errors.Is(err, ErrInvalidRules) {
				t.Errorf("Parse(%s) error = %v, want a YAML error, not ErrInvalidRules", tt.name, err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(good, []byte(minimalRules), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(minimalRules, "version: 1", "version: 9", 1)), 0o600); err != nil {
		t.Fatal(err)
	}

	if _, err := Load(good); err != nil {
		t.Errorf("Load(%s) error = %v, want nil", good, err)
	}

	_, err := Load(bad)
	if !errors.Is(err, ErrInvalidRules) || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(%s) error = %v, want ErrInvalidRules naming the file", bad, err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err = Load(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(%s) error = %v, want os.ErrNotExist", missing, err)
	}
}
