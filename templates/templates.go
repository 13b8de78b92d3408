// Package templates holds the email templates keluhan sends, in
// Indonesian (id) and English (en), embedded in the binary. An
// administrator can override any file by placing one with the same path in
// the folder named by templates.dir. Rendering lives in package mailer;
// this package holds no logic.
package templates

import "embed"

// FS holds the embedded template files of each language folder:
// <kind>.tmpl for each mail kind, the partials _*.tmpl that every kind of
// the language can call, and labels.yaml, the label catalog. The all:
// prefix is needed to embed the partials, whose names start with "_".
// FS also holds report/, the templates of the printable report (package
// workflow/report): shared/ and one folder per language. report/ holds
// folders only, so the email renderer finds no mail kinds in it, and
// templates.dir does not override these files.
//
//go:embed all:id all:en report
var FS embed.FS
