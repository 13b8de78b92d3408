package triage

import (
	"strings"
)

// particleSuffixes returns the Indonesian particles and possessive
// endings that stemming removes first ("kodenya", "benarkah").
func particleSuffixes() [4]string {
	return [...]string{"nya", "lah", "kah", "pun"}
}

// minStem is the shortest form stemming reduces a word to.
const minStem = 3

// stem reduces a word to the form the rules write, so that one entry
// matches the word's affixed forms. In order:
//
//  1. a suffix-stripped form listed under keep stops the reduction: with
//     "pemeriksa" kept, "pemeriksaannya" reads "pemeriksa";
//  2. otherwise the shortest known form with a prefix removed: "diunggah"
//     and "mengunggah" read "unggah" when "unggah" is known;
//  3. otherwise the shortest known form without an English inflection:
//     "works", "working" and "worked" read "work", "freezes" reads
//     "freeze";
//  4. otherwise the longest known form with only Indonesian suffixes
//     removed, which may be the word itself: "unggahan" reads "unggah",
//     "masalahnya" reads "masalah" and not "masa";
//  5. otherwise the word without a trailing "-nya" ("halamannya" reads
//     "halaman").
//
// Stopwords and negation words are never reached by removing a prefix, so
// that "tersebut" does not read "but" and "sebelumnya" does not read
// "belum". Words with digits and words shorter than four letters are
// returned as they are.
//
// NOTE: this is a light approximation of Indonesian morphology (no
// infixes, at most two prefixes) plus English -s/-es/-ed/-ing. Adding a
// short root to the rules can merge words of different meaning, such as
// "kembali" (again) and "pengembalian" (refund). List the longer word
// under keep to keep them apart.
func (lx *lexicon) stem(w string) string {
	if lx.keep[w] || len(w) < minStem+1 || hasDigit(w) {
		return w
	}

	suffixed := suffixForms(w)
	for _, s := range suffixed {
		if lx.keep[s] {
			return s
		}
	}

	if root := lx.prefixRoot(suffixed); root != "" {
		return root
	}
	if root := lx.englishRoot(w); root != "" {
		return root
	}

	best := ""
	for _, s := range suffixed {
		if lx.known[s] && len(s) >= minStem && len(s) > len(best) {
			best = s
		}
	}
	if best != "" {
		return best
	}
	return stripNya(w)
}

// prefixRoot returns the shortest known form of the suffix forms with one
// or two prefixes removed, skipping stopwords and negation words.
func (lx *lexicon) prefixRoot(suffixed []string) string {
	best := ""
	consider := func(c string) {
		if len(c) < minStem || !lx.known[c] || lx.noTarget[c] {
			return
		}
		if best == "" || len(c) < len(best) {
			best = c
		}
	}

	for _, s := range suffixed {
		for _, p := range prefixForms(s) {
			if lx.keep[p] {
				return p
			}
			consider(p)
			for _, p2 := range innerPrefixForms(p) {
				consider(p2)
			}
		}
	}
	return best
}

// englishRoot returns the shortest known form of w without an English
// plural or verb ending.
func (lx *lexicon) englishRoot(w string) string {
	best := ""
	for _, f := range englishForms(w) {
		if len(f) >= minStem && lx.known[f] && (best == "" || len(f) < len(best)) {
			best = f
		}
	}
	return best
}

// stripNya removes a possessive "-nya" when the rest is long enough to be
// a word. "tanya" and "hanya" end in "nya" but are kept whole because the
// rest would be too short. "-lah" and "-kah" are not removed here because
// too many words end in them ("masalah", "langkah").
func stripNya(w string) string {
	if base, ok := strings.CutSuffix(w, "nya"); ok && len(base) >= minStem+1 {
		return base
	}
	return w
}

// suffixForms returns w, then w without a particle, a derivational
// suffix (-kan, -an, -i) or an English inflection.
func suffixForms(w string) []string {
	forms := []string{w}
	for _, p := range particleSuffixes() {
		if base, ok := strings.CutSuffix(w, p); ok {
			forms = append(forms, base)
		}
	}

	n := len(forms)
	for _, f := range forms[:n] {
		for _, suf := range [...]string{"kan", "an", "i"} {
			if base, ok := strings.CutSuffix(f, suf); ok {
				forms = append(forms, base)
			}
		}
	}
	return append(forms, englishForms(w)...)
}

// englishForms strips English plural and verb endings: "files", "fixes",
// "uploaded", "closed", "loading", "logging", "stopped".
func englishForms(w string) []string {
	var forms []string
	for _, suf := range [...]string{"s", "es", "ed", "d", "ing"} {
		base, ok := strings.CutSuffix(w, suf)
		if !ok {
			continue
		}
		forms = append(forms, base)
		if suf == "ing" || suf == "ed" {
			forms = append(forms, base+"e", undouble(base))
		}
	}
	return forms
}

// undouble drops one of two equal final consonants ("logg" gives "log").
func undouble(s string) string {
	n := len(s)
	if n >= 2 && s[n-1] == s[n-2] {
		return s[:n-1]
	}
	return s
}

// prefixForms returns w without one Indonesian prefix. meN- and peN- are
// undone with their sound changes: "menyimpan" gives "simpan",
// "mengirim" gives "kirim", "memeriksa" gives "periksa", "menolak"
// gives "tolak".
func prefixForms(w string) []string {
	var forms []string
	for _, pre := range [...]string{"di", "ter", "ke", "se", "ber", "be", "per", "pe", "me"} {
		if rest, ok := strings.CutPrefix(w, pre); ok {
			forms = append(forms, rest)
		}
	}

	for _, nasal := range [...]string{"me", "pe"} {
		rest, ok := strings.CutPrefix(w, nasal)
		if !ok {
			continue
		}
		forms = append(forms, nasalForms(rest)...)
	}
	return forms
}

// innerPrefixForms removes the prefixes that may follow another one, as
// in "di-per-baiki" or "mem-ber-lakukan".
func innerPrefixForms(w string) []string {
	var forms []string
	for _, pre := range [...]string{"per", "ber", "ter"} {
		if rest, ok := strings.CutPrefix(w, pre); ok {
			forms = append(forms, rest)
		}
	}
	return forms
}

// nasalForms undoes the nasal of meN- and peN- on what follows "me" or
// "pe".
func nasalForms(rest string) []string {
	var forms []string
	switch {
	case strings.HasPrefix(rest, "ng"):
		r := rest[2:]
		forms = append(forms, r, "k"+r)
	case strings.HasPrefix(rest, "ny"):
		forms = append(forms, "s"+rest[2:])
	case strings.HasPrefix(rest, "m"):
		r := rest[1:]
		forms = append(forms, r, "p"+r)
	case strings.HasPrefix(rest, "n"):
		r := rest[1:]
		forms = append(forms, r, "t"+r)
	}
	return forms
}

func hasDigit(w string) bool {
	return strings.ContainsAny(w, "0123456789")
}
