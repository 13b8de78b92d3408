package workflow

import (
	"strings"
	"unicode"
)

// Verb is a staff command, named by its Indonesian form.
type Verb string

// Commands staff may write at the start of a line in a reply.
const (
	VerbTechnical    Verb = "teknis"
	VerbNonTechnical Verb = "nonteknis"
	VerbNote         Verb = "catatan"
	VerbReply        Verb = "balas"
	VerbClose        Verb = "tutup"
	VerbReopen       Verb = "buka"
	VerbEscalate     Verb = "eskalasi"
	VerbRootCause    Verb = "akar"
	VerbPrevention   Verb = "cegah"
	VerbWait         Verb = "tunggu"
	VerbOnBehalf     Verb = "atasnama"
	VerbChannel      Verb = "saluran"
)

// verbAliases maps every accepted spelling, Indonesian first and then
// English, to its verb.
var verbAliases = map[string]Verb{
	"teknis": VerbTechnical, "technical": VerbTechnical, "tech": VerbTechnical,
	"nonteknis": VerbNonTechnical, "non-teknis": VerbNonTechnical, "nontechnical": VerbNonTechnical, "non-technical": VerbNonTechnical,
	"catatan": VerbNote, "note": VerbNote,
	"balas": VerbReply, "reply": VerbReply,
	"tutup": VerbClose, "close": VerbClose,
	"buka": VerbReopen, "bukakembali": VerbReopen, "reopen": VerbReopen,
	"eskalasi": VerbEscalate, "escalate": VerbEscalate,
	"akar": VerbRootCause, "akarmasalah": VerbRootCause, "rootcause": VerbRootCause, "cause": VerbRootCause,
	"cegah": VerbPrevention, "pencegahan": VerbPrevention, "prevent": VerbPrevention, "prevention": VerbPrevention,
	"tunggu": VerbWait, "wait": VerbWait,
	"atasnama": VerbOnBehalf, "onbehalf": VerbOnBehalf, "behalf": VerbOnBehalf,
	"saluran": VerbChannel, "channel": VerbChannel,
}

// MaxCommands is the most command lines read from one message.
const MaxCommands = 50

// Command is one command line from a staff message.
type Command struct {
	Verb Verb
	// Arg is the text after the command word, trimmed; for #balas,
	// #catatan and the like it also takes the lines that follow, up to the
	// next command line.
	Arg string
	// Line is the command line as written, for refusal messages.
	Line string
	// Known is false for a "#word" line whose word is no command; such a
	// line is refused as unknown only when the message has no known
	// command, so that a hashtag in ordinary text does no harm.
	Known bool
}

// NeedsText reports whether the command is meaningless without Arg.
func (c Command) NeedsText() bool {
	switch c.Verb {
	case VerbNote, VerbReply, VerbClose, VerbRootCause, VerbPrevention, VerbWait, VerbOnBehalf, VerbChannel:
		return true
	}
	return false
}

// ParseCommands reads commands from the text a staff member wrote, which
// must already be free of quoted history and signature. A command is a
// line starting with '#' and a known command word, in any letter case
// ("#Tutup", "#TEKNIS"). Text lines after a command that takes text
// belong to that command until the next command line, so that a
// multi-line #balas reaches the requester whole. Other text is ignored.
func ParseCommands(text string) []Command {
	var cmds []Command
	var open *Command
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		cmd, ok := parseCommandLine(line)
		if ok && len(cmds) == MaxCommands {
			// Lines past the limit are not read as commands, so that a
			// message cannot multiply the work it causes.
			break
		}
		if ok {
			cmds = append(cmds, cmd)
			open = &cmds[len(cmds)-1]
			if !open.Known || !open.NeedsText() {
				open = nil
			}
			continue
		}
		if open != nil && acceptsContinuation(open.Verb) {
			open.Arg = joinLine(open.Arg, strings.TrimRightFunc(raw, unicode.IsSpace))
		}
	}
	for i := range cmds {
		cmds[i].Arg = strings.TrimSpace(cmds[i].Arg)
	}
	return cmds
}

// acceptsContinuation reports whether following lines extend the
// command's text. Single-line arguments (a channel name, an on-behalf
// address) never take continuation lines.
func acceptsContinuation(v Verb) bool {
	switch v {
	case VerbOnBehalf, VerbChannel:
		return false
	}
	return true
}

func joinLine(arg, line string) string {
	if arg == "" {
		return strings.TrimLeft(line, " \t")
	}
	return arg + "\n" + line
}

// parseCommandLine reads one "#word rest" line. A line whose word after
// '#' is empty or starts with a digit ("#1", a list marker) is not a
// command line at all.
func parseCommandLine(line string) (Command, bool) {
	if !strings.HasPrefix(line, "#") {
		return Command{}, false
	}
	body := strings.TrimSpace(line[1:])
	word, rest := body, ""
	if i := strings.IndexFunc(body, unicode.IsSpace); i >= 0 {
		word, rest = body[:i], body[i:]
	}
	word, rest = splitWordColon(word, rest)
	if word == "" || unicode.IsDigit(rune(word[0])) {
		return Command{}, false
	}
	verb, known := verbAliases[strings.ToLower(word)]
	if !known && !nearVerb(strings.ToLower(word)) {
		// A hashtag that is no misspelt command ("#BanggaMelayani" in a
		// signature) is ordinary text.
		return Command{}, false
	}
	if !known {
		verb = Verb(strings.ToLower(word))
	}
	rest = strings.TrimSpace(rest)
	if isPlaceholder(rest) {
		return Command{}, false
	}
	return Command{Verb: verb, Arg: rest, Line: line, Known: known}, true
}

// isPlaceholder reports whether a command's text starts with a
// placeholder such as "<teks>": the command list of our own emails, sent
// back by a client that did not quote it, and never a real command.
func isPlaceholder(arg string) bool {
	if !strings.HasPrefix(arg, "<") {
		return false
	}
	end := strings.IndexByte(arg, '>')
	return end > 1 && !strings.ContainsAny(arg[1:end], "@<")
}

// splitWordColon accepts "#tutup: text" as well as "#tutup text".
func splitWordColon(word, rest string) (string, string) {
	w, after, found := strings.Cut(word, ":")
	if !found {
		return word, rest
	}
	return w, strings.TrimSpace(after + " " + rest)
}

// KnownCommands returns the known commands of cmds, and reports whether
// any line looked like a command but named none.
func KnownCommands(cmds []Command) (known []Command, unknown []Command) {
	for _, c := range cmds {
		if c.Known {
			known = append(known, c)
		} else {
			unknown = append(unknown, c)
		}
	}
	return known, unknown
}

// nearVerb reports whether word is a likely misspelling of a command
// word: at most two edits from one of four letters or more.
func nearVerb(word string) bool {
	for alias := range verbAliases {
		if len(alias) >= 4 && editDistance(word, alias) <= 2 {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 40 || len(rb) > 40 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
