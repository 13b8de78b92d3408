package triage

import (
	"slices"
	"strings"
	"unicode"
)

// Limits of signature detection: a signature is at most this many lines
// under the closing, each at most this many words.
const (
	maxSignatureLines = 8
	maxSignatureWords = 8
	// A line that starts with a closing phrase ("Terima kasih atas
	// perhatiannya") counts as the closing when it has at most this many
	// words besides the phrase.
	maxClosingExtraWords = 3
)

// maxBodyRunes bounds the body text that is read, so that a long
// forwarded thread costs no more than a letter. The opening of a complaint
// carries its grievance.
const maxBodyRunes = 20000

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// document turns a complaint into weighted tokens: the subject as
// sentence 0, then the body without quotes and signature, sentence by
// sentence. The first sentences of some length get the lead weights.
func (r *Rules) document(subject, body string) []token {
	d := docBuilder{lx: r.lexicon}
	d.add(subject, 0, r.focus.subject)

	lead := 0
	for i, s := range splitSentences(r.stripSignature(truncateRunes(body, maxBodyRunes))) {
		added := d.add(s, i+1, 1)
		if len(added) >= r.focus.leadMinTokens && lead < len(r.focus.lead) {
			for k := range added {
				added[k].focus = r.focus.lead[lead]
			}
			lead++
		}
	}
	return d.toks
}

// docBuilder appends the tokens of one sentence after another, numbering
// clauses across the whole text.
type docBuilder struct {
	lx     *lexicon
	toks   []token
	clause int
}

// add appends the tokens of one sentence and returns them, as a slice of
// the document, so that the caller can still adjust their focus.
func (d *docBuilder) add(sentence string, sent int, focus float64) []token {
	start := len(d.toks)
	for _, c := range splitClauses(sentence) {
		for _, w := range d.lx.normalize(c) {
			d.toks = append(d.toks, token{word: w, sent: sent, clause: d.clause, focus: focus})
		}
		d.clause++
	}
	return d.toks[start:]
}

// splitClauses cuts a sentence at commas, colons and brackets. A comma
// between digits ("1,5 MB") does not cut.
func splitClauses(s string) []string {
	var out []string
	rs := []rune(s)
	start := 0
	for i, r := range rs {
		if !strings.ContainsRune(",:()[]", r) {
			continue
		}
		if r == ',' && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]) {
			continue
		}
		out = append(out, string(rs[start:i]))
		start = i + 1
	}
	return append(out, string(rs[start:]))
}

// splitSentences cuts text at line breaks and at '.', '!', '?' or ';'
// followed by a space or the end, so that "1.2 MB" and "08.00" stay
// whole. Empty sentences are dropped.
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		out = append(out, splitLine(line)...)
	}
	return out
}

func splitLine(line string) []string {
	var out []string
	rs := []rune(line)
	start := 0
	for i, r := range rs {
		if !strings.ContainsRune(".!?;", r) {
			continue
		}
		if i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			continue
		}
		out = appendSentence(out, string(rs[start:i+1]))
		start = i + 1
	}
	return appendSentence(out, string(rs[start:]))
}

func appendSentence(out []string, s string) []string {
	if strings.TrimSpace(s) == "" {
		return out
	}
	return append(out, s)
}

// stripSignature removes what is not the requester's own text. It drops
// quoted lines ("> ...") and everything after a "-- " separator line (RFC
// 3676, section 4.3). It also drops the closing line ("Salam,", "Hormat
// saya,", "Regards,") with the short lines below it, or else a last block
// that is only a name.
func (r *Rules) stripSignature(body string) string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		trimmed := strings.TrimRight(l, " \r")
		if trimmed == "--" {
			break
		}
		if !strings.HasPrefix(strings.TrimSpace(l), ">") {
			lines = append(lines, l)
		}
	}

	if cut, ok := r.closingCut(lines); ok {
		lines = lines[:cut]
	} else {
		lines = dropNameBlock(lines)
	}
	return strings.Join(lines, "\n")
}

// maxNameWords is the longest line dropNameBlock takes for a name.
const maxNameWords = 4

// dropNameBlock removes a last paragraph of one or two short lines without
// sentence punctuation, such as a bare "Tri Wahyuni" under the text, when
// another paragraph comes before it.
func dropNameBlock(lines []string) []string {
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	start := end
	for start > 0 && strings.TrimSpace(lines[start-1]) != "" {
		start--
	}

	if start == 0 || end-start > 2 {
		return lines
	}
	for _, l := range lines[start:end] {
		l = strings.TrimSpace(l)
		if len(strings.Fields(l)) > maxNameWords || strings.ContainsAny(l[len(l)-1:], ".?!:") {
			return lines
		}
	}
	return lines[:start]
}

// closingCut finds the closing line near the end of the body and returns
// where the body ends. Only short lines may follow the closing. The first
// line never counts as one that starts with a closing, so that an opening
// "Terima kasih, sistemnya cepat sekali" stays.
func (r *Rules) closingCut(lines []string) (int, bool) {
	below := 0
	for i := len(lines) - 1; i >= 0 && below <= maxSignatureLines; i-- {
		words := r.lexicon.normalize(lines[i])
		if len(words) == 0 {
			continue
		}

		if i > 0 && r.startsWithClosing(words) {
			return i, true
		}
		if r.endsWithClosing(words) {
			return i + 1, true
		}

		if len(words) > maxSignatureWords {
			return 0, false
		}
		below++
	}
	return 0, false
}

// startsWithClosing reports whether a short line opens with a closing
// phrase, as in "Hormat kami," or "Terima kasih atas perhatiannya."
func (r *Rules) startsWithClosing(words []string) bool {
	for _, c := range r.closings {
		if len(words) <= len(c)+maxClosingExtraWords && slices.Equal(words[:min(len(c), len(words))], c) {
			return true
		}
	}
	return false
}

// endsWithClosing reports whether a line ends with a closing phrase, as in
// "Mohon bantuannya, terima kasih." The line itself is kept.
func (r *Rules) endsWithClosing(words []string) bool {
	for _, c := range r.closings {
		if len(words) >= len(c) && slices.Equal(words[len(words)-len(c):], c) {
			return true
		}
	}
	return false
}
