package ingest

import (
	"strings"
	"sync"

	"github.com/inbucket/html2text"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	htmlcharset "golang.org/x/net/html/charset"
)

// htmlToText converts an HTML body to plain text with html2text, which
// drops head, style and script content, marks bold text with asterisks
// and writes link targets in parentheses. HTML that the parser rejects
// (elements nested over 512 deep) is reduced to its text tokens instead.
func htmlToText(source string, warn *warnings) string {
	text, err := html2text.FromString(source)
	if err != nil {
		warn.add("convert html to text: %v: text taken from html tokens", err)
		return tokenText(source)
	}
	return cleanText(text)
}

// nodeToText converts a parsed HTML document to plain text.
func nodeToText(doc *html.Node) string {
	text, err := html2text.FromHTMLNode(doc)
	if err != nil {
		// FromHTMLNode returns the errors of writing to a bytes.Buffer,
		// which has none, and of PrettyTables rendering, which is off.
		return ""
	}
	return cleanText(text)
}

// tokenText returns the text of HTML without building a tree: text
// tokens outside script and style, with a line break for each element
// that starts a line.
func tokenText(source string) string {
	var b strings.Builder
	tokenizer := html.NewTokenizer(strings.NewReader(source))
	skip := 0
	for {
		token := tokenizer.Next()
		switch token {
		case html.ErrorToken:
			return cleanText(strings.TrimSpace(b.String()))
		case html.TextToken:
			if skip == 0 {
				b.Write(tokenizer.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := tokenizer.TagName()
			if token == html.StartTagToken {
				skip += skippedElement(name)
			}
			if startsLine(name) {
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := tokenizer.TagName()
			skip = max(0, skip-skippedElement(name))
		}
	}
}

// skippedElement returns 1 for elements whose text is not shown.
func skippedElement(name []byte) int {
	switch atom.Lookup(name) {
	case atom.Script, atom.Style, atom.Head, atom.Title:
		return 1
	}
	return 0
}

func startsLine(name []byte) bool {
	switch atom.Lookup(name) {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.Blockquote, atom.Hr:
		return true
	}
	return false
}

// htmlPolicy returns the sanitising policy, built on first use because
// building one compiles many regular expressions. The policy is never
// changed after it is built, and bluemonday documents a finished policy
// as safe for concurrent use.
var htmlPolicy = sync.OnceValue(newHTMLPolicy)

// newHTMLPolicy returns the bluemonday user-generated-content policy that
// also keeps images referring to inline parts ("cid:" URLs) and data-URL
// images, which HTML mail uses for logos and screenshots.
func newHTMLPolicy() *bluemonday.Policy {
	policy := bluemonday.UGCPolicy()
	policy.AllowURLSchemes("cid")
	policy.AllowDataURIImages()
	return policy
}

// sanitizeHTML returns HTML that is safe to show in a browser.
func sanitizeHTML(source string) string {
	if strings.TrimSpace(source) == "" {
		return ""
	}
	return htmlPolicy().Sanitize(source)
}

// sniffHTMLCharset returns the charset an HTML body declares in a meta
// element, or "windows-1252", the HTML default, when it declares none.
func sniffHTMLCharset(b []byte) string {
	_, name, _ := htmlcharset.DetermineEncoding(b, "text/html")
	return name
}
