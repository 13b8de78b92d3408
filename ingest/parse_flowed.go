package ingest

import "strings"

// unflow joins the soft line breaks of format=flowed text (RFC 3676): a
// line that ends in a space continues on the next line at the same quote
// depth. Space-stuffing is removed, the signature separator "-- " stays a
// line of its own, and quoted lines keep a "> " prefix per depth so that
// quote stripping still finds them. With delSp, the space before a soft
// break is deleted as well (RFC 3676 section 4.5).
func unflow(text string, delSp bool) string {
	var out strings.Builder
	var paragraph strings.Builder
	depth, open := 0, false

	flush := func() {
		if !open {
			return
		}
		out.WriteString(strings.Repeat(">", depth))
		if depth > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(paragraph.String())
		out.WriteByte('\n')
		paragraph.Reset()
		open = false
	}

	for _, line := range strings.Split(text, "\n") {
		lineDepth, content := flowedLine(line)
		if open && (lineDepth != depth || content == "-- ") {
			flush()
		}
		depth, open = lineDepth, true
		if content == "-- " || !strings.HasSuffix(content, " ") {
			paragraph.WriteString(content)
			flush()
			continue
		}
		if delSp {
			content = content[:len(content)-1]
		}
		paragraph.WriteString(content)
	}
	flush()
	return strings.TrimSuffix(out.String(), "\n")
}

// flowedLine returns the quote depth of a flowed line and its content
// without the quote markers and the stuffed space.
func flowedLine(line string) (int, string) {
	depth := 0
	for depth < len(line) && line[depth] == '>' {
		depth++
	}
	return depth, strings.TrimPrefix(line[depth:], " ")
}
