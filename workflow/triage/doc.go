// Package triage suggests whether a complaint is technical ("teknis": the
// application itself malfunctions) or non-technical ("nonteknis": the
// service around it), guesses which application it concerns, and extracts
// the terms used to find similar complaints.
//
// Classification is keyword-based and explainable: every suggestion lists
// the rule terms that produced it, and a weak or contradictory one comes
// back as "unsure" so that a service-desk officer decides. The rules are
// YAML (the embedded rules.yaml by default, or a file named in the
// configuration); Load reads that file and nothing else in this package
// does I/O, reads the clock or logs.
//
// Evaluate and Report measure a rule set against a labelled JSON Lines
// set. Confirming the suggestion, storing terms and ranking similar
// tickets are left to the workflow package.
package triage
