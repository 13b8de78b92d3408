// Package templates holds the email templates keluhan sends, in
// Indonesian (id) and English (en), embedded in the binary. An
// administrator can override any file by placing one with the same path in
// the folder named by templates.dir. Rendering lives in package mailer;
// this package holds no logic.
package templates

import "embed"

// FS holds the embedded template files, laid out as <language>/<kind>.tmpl.
//
//go:embed all:id all:en
var FS embed.FS
