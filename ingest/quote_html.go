package ingest

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// StripHTMLReply returns the text a person wrote in an HTML reply, as
// plain text. It removes the elements mail clients wrap quoted history and
// signatures in: Gmail's div.gmail_quote and div.gmail_signature,
// blockquote, Thunderbird's div.moz-cite-prefix and .moz-signature, and
// Yahoo's yahoo_quoted. Everything from Outlook's div#divRplyFwdMsg or
// div#appendonsend on goes too. The rest is converted to text and passed
// to StripReply, which catches quote headers written as plain text.
func StripHTMLReply(source string) string {
	doc, err := html.Parse(strings.NewReader(source))
	if err != nil {
		// html.Parse rejects elements nested over 512 deep.
		return StripReply(tokenText(source))
	}
	removeQuotes(doc)
	return StripReply(nodeToText(doc))
}

// quoteAction is what removeQuotes does with an element.
type quoteAction int

const (
	keepNode quoteAction = iota
	removeNode
	removeFromNode
)

// removeQuotes removes quote and signature elements from the tree. It
// walks in document order with its own stack, so that the depth of the
// tree does not matter, and does not descend into removed elements.
func removeQuotes(doc *html.Node) {
	var removals []*html.Node
	var cut *html.Node
	stack := []*html.Node{doc}
	for len(stack) > 0 && cut == nil {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch quoteActionFor(n) {
		case removeNode:
			removals = append(removals, n)
			continue
		case removeFromNode:
			cut = n
			continue
		}
		for child := n.LastChild; child != nil; child = child.PrevSibling {
			stack = append(stack, child)
		}
	}

	for _, n := range removals {
		n.Parent.RemoveChild(n)
	}
	if cut != nil {
		truncateFrom(cut)
	}
}

// quoteActionFor decides what to do with one node.
func quoteActionFor(n *html.Node) quoteAction {
	if n.Type != html.ElementNode {
		return keepNode
	}
	id := attribute(n, "id")
	switch {
	case id == "divRplyFwdMsg", id == "appendonsend":
		return removeFromNode
	case n.DataAtom == atom.Blockquote:
		return removeNode
	case strings.HasPrefix(id, "yahoo_quoted"):
		return removeNode
	}
	for _, class := range strings.Fields(attribute(n, "class")) {
		switch class {
		case "gmail_quote", "gmail_quote_container", "gmail_signature", "moz-cite-prefix",
			"moz-signature", "yahoo_quoted", "OutlookMessageHeader":
			return removeNode
		}
	}
	return keepNode
}

// truncateFrom removes n and everything after it in document order: its
// following siblings and the following siblings of each ancestor. Outlook
// puts the quoted message after the header div, not inside it. A
// horizontal rule right before n, Outlook's separator, goes too.
func truncateFrom(n *html.Node) {
	if prev := previousElement(n); prev != nil && prev.DataAtom == atom.Hr {
		prev.Parent.RemoveChild(prev)
	}
	for node := n; node != nil && node.Parent != nil; node = node.Parent {
		for node.NextSibling != nil {
			node.Parent.RemoveChild(node.NextSibling)
		}
		if node.DataAtom == atom.Body {
			break
		}
	}
	n.Parent.RemoveChild(n)
}

// previousElement returns the element before n among its siblings,
// skipping white-space text, or nil.
func previousElement(n *html.Node) *html.Node {
	for prev := n.PrevSibling; prev != nil; prev = prev.PrevSibling {
		if prev.Type == html.TextNode && strings.TrimSpace(prev.Data) == "" {
			continue
		}
		if prev.Type == html.ElementNode {
			return prev
		}
		return nil
	}
	return nil
}

func attribute(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
