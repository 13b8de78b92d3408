// Package report computes the complaint register and its summary for a
// period, and renders them for print (one self-contained HTML page laid
// out for A4), for spreadsheets (CSV) and for programs (JSON). It also
// finds recurring complaints and fills the figures of the periodic digest
// email.
//
// The package reads no store: the caller streams tickets and their audit
// records into a Builder, or passes slices to Build. Working time comes
// from the Calendar in Options. Words for codes such as states, steps and
// months come from its Labeler, and the page's own wording is in the
// embedded templates under templates/report. Nothing here reads the
// clock or logs.
package report
