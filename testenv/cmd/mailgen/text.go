package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// writer draws the random details of one generated set. Every choice
// comes from rng, so a seed reproduces the same texts.
type writer struct {
	rng *rand.Rand
	// now is the moment the set is generated; dates in texts lie before
	// it.
	now time.Time
}

func (w *writer) pick(list []string) string {
	return list[w.rng.IntN(len(list))]
}

// between returns a random integer in [lo, hi].
func (w *writer) between(lo, hi int) int {
	return lo + w.rng.IntN(hi-lo+1)
}

// chance returns true with probability p.
func (w *writer) chance(p float64) bool {
	return w.rng.Float64() < p
}

// reference returns an application or agenda number in one of the forms
// the service desk's systems print.
func (w *writer) reference() string {
	year := w.now.Year()
	switch w.rng.IntN(4) {
	case 0:
		return fmt.Sprintf("JID%d%06d", year, w.rng.IntN(1000000))
	case 1:
		return fmt.Sprintf("P00%d%05d", year, w.rng.IntN(100000))
	case 2:
		return fmt.Sprintf("EC00%d%06d", year, w.rng.IntN(1000000))
	default:
		return fmt.Sprintf("DID%d%05d", year, w.rng.IntN(100000))
	}
}

// pastDate returns a day within the last 60 days, written the Indonesian
// way: "Senin, 12 Mei 2026".
func (w *writer) pastDate() string {
	return dateID(w.now.AddDate(0, 0, -w.between(1, 60)))
}

func dateID(t time.Time) string {
	return fmt.Sprintf("%s, %d %s %d", weekdaysID[t.Weekday()], t.Day(), monthsID[t.Month()-1], t.Year())
}

// rupiah returns an amount with Indonesian thousands separators, such as
// "1.800.000".
func (w *writer) rupiah() string {
	n := w.between(5, 400) * 5000
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fill replaces the placeholders of a sentence from words.go, each
// occurrence with a fresh value.
func (w *writer) fill(s string) string {
	fillers := []struct {
		placeholder string
		value       func() string
	}{
		{"{nomor}", w.reference},
		{"{tanggal}", w.pastDate},
		{"{browser}", func() string { return w.pick(browsers) }},
		{"{rupiah}", w.rupiah},
		{"{usaha}", func() string { return w.pick(companies) }},
		{"{kota}", func() string { return w.pick(cities) }},
		{"{antrean}", func() string { return fmt.Sprintf("%c-%03d", 'A'+rune(w.rng.IntN(4)), w.between(1, 250)) }},
	}
	for _, f := range fillers {
		for strings.Contains(s, f.placeholder) {
			s = strings.Replace(s, f.placeholder, f.value(), 1)
		}
	}
	return s
}

// phone returns an Indonesian mobile number.
func (w *writer) phone() string {
	return fmt.Sprintf("08%d%d-%04d-%04d", w.between(1, 5), w.between(1, 9), w.rng.IntN(10000), w.rng.IntN(10000))
}

// complaintParagraphs writes the body of a complaint about t from p,
// adding material until it is at least target bytes long.
func (w *writer) complaintParagraphs(t topic, p person, target int) []string {
	paras := []string{
		w.pick(greetings),
		w.fill(w.pick(t.openings)),
		w.detailParagraph(t, w.between(2, 4)),
		w.fill(w.pick(t.requests)),
	}
	paras = w.pad(paras, t, target-w.signatureSize(p))
	paras = append(paras, w.pick(closings))
	return append(paras, w.signature(p)...)
}

// detailParagraph joins n different detail sentences of t, or all of
// them when t has fewer.
func (w *writer) detailParagraph(t topic, n int) string {
	order := w.rng.Perm(len(t.details))
	sentences := make([]string, 0, n)
	for _, i := range order[:min(n, len(order))] {
		sentences = append(sentences, w.fill(t.details[i]))
	}
	return strings.Join(sentences, " ")
}

// pad adds sections that long complaints carry (a chronology, the
// application data, pasted error messages, more details) until the
// paragraphs reach target bytes.
func (w *writer) pad(paras []string, t topic, target int) []string {
	for size(paras) < target {
		switch w.rng.IntN(4) {
		case 0:
			paras = append(paras, w.chronology(t))
		case 1:
			paras = append(paras, w.applicationData())
		case 2:
			paras = append(paras, w.pastedErrors())
		default:
			paras = append(paras, "Sebagai tambahan: "+w.detailParagraph(t, w.between(2, 5)))
		}
	}
	return paras
}

func (w *writer) chronology(t topic) string {
	var b strings.Builder
	b.WriteString("Kronologi kejadian:")
	for i := range w.between(3, 7) {
		fmt.Fprintf(&b, "\n%d. %s: %s", i+1, w.pastDate(), w.fill(w.pick(t.details)))
	}
	return b.String()
}

func (w *writer) applicationData() string {
	lines := []string{
		"Data permohonan:",
		"- Nomor permohonan : " + w.reference(),
		"- Nama pemohon     : " + w.pick(companies),
		"- Kota             : " + w.pick(cities),
		"- Tanggal pengajuan: " + w.pastDate(),
		"- Kode billing     : " + fmt.Sprintf("820%013d", w.rng.Int64N(1e13)),
		"- Jumlah dibayar   : Rp " + w.rupiah(),
	}
	return strings.Join(lines, "\n")
}

func (w *writer) pastedErrors() string {
	var b strings.Builder
	b.WriteString("Pesan yang muncul di layar (saya salin apa adanya):")
	for range w.between(2, 6) {
		stamp := w.now.Add(-time.Duration(w.rng.IntN(86400*30)) * time.Second).Format("2006-01-02 15:04:05")
		fmt.Fprintf(&b, "\n    [%s] %s", stamp, w.pick(logLines))
	}
	return b.String()
}

func (w *writer) signature(p person) []string {
	lines := []string{w.pick(signoffs), p.Name}
	if w.chance(0.6) {
		lines = append(lines, "HP/WA: "+w.phone())
	}
	if w.chance(0.4) {
		lines = append(lines, w.pick(companies)+", "+w.pick(cities))
	}
	return []string{strings.Join(lines, "\n")}
}

// signatureSize is an estimate of the signature's length in bytes.
func (w *writer) signatureSize(p person) int {
	return len(p.Name) + 80
}

// replyParagraphs writes a requester's reply: a short new text, then the
// quoted parent message, as mail clients do. The quote is cut at a
// line end when the whole would pass target bytes by much.
func (w *writer) replyParagraphs(t topic, p person, parent *draft, target int) []string {
	paras := []string{w.pick(greetings), w.fill(w.pick(followUps))}
	if w.chance(0.5) {
		paras = append(paras, w.detailParagraph(t, w.between(1, 3)))
	}
	quoted := cutLines(parent.text, max(1000, target-size(paras)-w.signatureSize(p)))
	paras = w.pad(paras, t, target-len(quoted)-w.signatureSize(p))
	paras = append(paras, w.signature(p)...)

	attribution := fmt.Sprintf("Pada %s pukul %s, %s <%s> menulis:",
		dateID(parent.date), parent.date.Format("15.04"), parent.from.Name, parent.from.Address)
	return append(paras, attribution+"\n"+quote(quoted))
}

// cutLines returns the lines of text that fit in limit bytes, at least
// the first line.
func cutLines(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := strings.LastIndexByte(text[:limit], '\n')
	if cut <= 0 {
		return text[:limit]
	}
	return text[:cut]
}

// quote prefixes every line of text with "> ".
func quote(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if line == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + line
		}
	}
	return strings.Join(lines, "\n")
}

// size returns the length of the paragraphs joined by blank lines.
func size(paras []string) int {
	n := 0
	for _, p := range paras {
		n += len(p) + 2
	}
	return n
}

// wrap breaks a paragraph's lines at spaces so that none is longer than
// width, as mail clients do for plain text. Quoted lines (starting with
// ">") and indented ones (pasted messages) are kept as they are.
func wrap(para string, width int) string {
	var out []string
	for _, line := range strings.Split(para, "\n") {
		if strings.HasPrefix(line, ">") || strings.HasPrefix(line, "    ") {
			out = append(out, line)
			continue
		}
		out = append(out, wrapLine(line, width)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(line string, width int) []string {
	var out []string
	for len(line) > width {
		cut := strings.LastIndexByte(line[:width], ' ')
		if cut <= 0 {
			break
		}
		out = append(out, line[:cut])
		line = line[cut+1:]
	}
	return append(out, line)
}
