package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns the token stream that matching and similarity work
// on, using the abbreviations and vocabulary of the embedded rules:
//
//   - Unicode compatibility forms are unified (NFKC), diacritics removed
//     and letters lower-cased, so "Ｅｒｒｏｒ" and "café" read "error" and
//     "cafe";
//   - punctuation separates words and is dropped; an apostrophe inside a
//     word is dropped ("can't" reads "cant" before expansion), a
//     reduplication ("masuk-masuk", "masuk2") keeps one copy;
//   - runs of three or more equal letters shrink ("bangettt" reads
//     "banget");
//   - informal spellings and abbreviations expand ("gk" reads "tidak",
//     "udh" reads "sudah");
//   - affixed words are reduced to the form the rules write ("diunggah"
//     and "mengunggah" read "unggah"); the stem method lists the steps.
//
// Negation words are kept: Normalize("tdk bisa login") is
// ["tidak", "bisa", "login"]. Empty or wordless text yields nil.
func Normalize(text string) []string {
	return Default().lexicon.normalize(text)
}

// lexicon turns text into normalised tokens. It is built once from the
// rules and read-only afterwards.
type lexicon struct {
	// abbrev maps a folded word to its folded expansion.
	abbrev map[string][]string
	// known is the vocabulary that stemming reduces words to.
	known map[string]bool
	// keep lists words that are never stemmed and stop the stemming of
	// their affixed forms.
	keep map[string]bool
	// noTarget holds the stopwords and negation words, which stemming
	// never reaches by removing a prefix.
	noTarget map[string]bool
	// stop holds the normalised stopwords that Terms drops.
	stop map[string]bool
}

// normalize runs the whole token pipeline on one piece of text.
func (lx *lexicon) normalize(text string) []string {
	var out []string
	for _, w := range splitWords(foldText(text)) {
		out = append(out, lx.word(w)...)
	}
	return out
}

// word normalises one raw word into zero or more tokens.
func (lx *lexicon) word(w string) []string {
	w = lx.shrinkRepeats(w)
	w = trimReduplication(w)
	if w == "" {
		return nil
	}

	if exp, ok := lx.expand(w); ok {
		out := make([]string, 0, len(exp))
		for _, e := range exp {
			out = append(out, lx.stem(e))
		}
		return out
	}
	return []string{lx.stem(w)}
}

// expand looks the word up in the abbreviations, also without a trailing
// "-nya" or other particle ("tlpnya" expands like "tlp"). The rest must
// have three letters or more, so that "galah" does not read "ga" + "lah".
func (lx *lexicon) expand(w string) ([]string, bool) {
	if exp, ok := lx.abbrev[w]; ok {
		return exp, true
	}
	for _, p := range particleSuffixes() {
		base, ok := strings.CutSuffix(w, p)
		if !ok || len(base) < minStem {
			continue
		}
		if exp, ok := lx.abbrev[base]; ok {
			return exp, true
		}
	}
	return nil, false
}

// shrinkRepeats shortens runs of three or more equal letters. Two letters
// are kept when that spelling is a known word or abbreviation ("maaaaf"
// reads "maaf"), otherwise one ("tolonggg" reads "tolong").
func (lx *lexicon) shrinkRepeats(w string) string {
	if !hasTripleLetter(w) {
		return w
	}

	two := collapseRuns(w, 2)
	if lx.known[two] || lx.abbrev[two] != nil {
		return two
	}
	return collapseRuns(w, 1)
}

func hasTripleLetter(w string) bool {
	var prev rune
	run := 0
	for _, r := range w {
		if r == prev && unicode.IsLetter(r) {
			run++
			if run >= 3 {
				return true
			}
			continue
		}
		prev, run = r, 1
	}
	return false
}

// collapseRuns limits every run of three or more equal letters to keep
// letters. Shorter runs are left alone.
func collapseRuns(w string, keep int) string {
	rs := []rune(w)
	var b strings.Builder
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		n := j - i
		if n >= 3 && unicode.IsLetter(rs[i]) {
			n = keep
		}
		b.WriteString(strings.Repeat(string(rs[i]), n))
		i = j
	}
	return b.String()
}

// trimReduplication turns the informal plural "masuk2" into "masuk". A
// word that is only digits, or has one letter before the 2, is kept.
func trimReduplication(w string) string {
	base, ok := strings.CutSuffix(w, "2")
	if !ok || len(base) < 2 {
		return w
	}
	for _, r := range base {
		if !unicode.IsLetter(r) {
			return w
		}
	}
	return base
}

// foldText decomposes (NFKD), removes combining marks, recomposes (NFKC)
// and lower-cases. Typographic apostrophes become ASCII ones so that
// contractions split alike.
func foldText(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFKC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		// These transformers report no error for any input, invalid
		// UTF-8 included; should that change, fold case only.
		folded = s
	}

	folded = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u02bc", "'", "`", "'").Replace(folded)
	return strings.ToLower(folded)
}

// splitWords cuts folded text into words of letters and digits. Digit
// groups are joined ("12.500.000" gives "12500000"), and an apostrophe
// inside a word is dropped ("can't" gives "cant"). Inside a hyphenated
// word, a one-letter part joins the next ("e-mail" gives "email") and a
// repeated part is dropped ("masuk-masuk" gives "masuk", "berkali-kali"
// gives "berkali"). Any other character separates words.
func splitWords(s string) []string {
	s = joinDigitGroups(s)
	chunks := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '-'
	})

	var words []string
	for _, chunk := range chunks {
		chunk = strings.ReplaceAll(strings.Trim(chunk, "'-"), "'", "")
		words = append(words, hyphenParts(chunk)...)
	}
	return words
}

// joinDigitGroups removes '.' and ',' between digits, so that "Rp
// 12.500.000" is one number and does not yield a "500" that reads like an
// HTTP status.
func joinDigitGroups(s string) string {
	if !strings.ContainsAny(s, ".,") {
		return s
	}

	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		sep := r == '.' || r == ','
		if sep && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hyphenParts splits one hyphenated chunk into words.
func hyphenParts(chunk string) []string {
	parts := strings.FieldsFunc(chunk, func(r rune) bool { return r == '-' })
	if len(parts) > 1 && utf8.RuneCountInString(parts[0]) == 1 {
		parts = append([]string{parts[0] + parts[1]}, parts[2:]...)
	}

	var out []string
	for _, p := range parts {
		if n := len(out); n > 0 && strings.HasSuffix(out[n-1], p) {
			continue
		}
		out = append(out, p)
	}
	return out
}
