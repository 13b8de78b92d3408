package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// person is a sender or recipient.
type person struct {
	Name    string
	Address string
}

func (p person) String() string {
	return (&mail.Address{Name: p.Name, Address: p.Address}).String()
}

// mailClient is the program a sender writes with. It decides the shape
// of the Message-ID, the identifying headers and whether an HTML
// alternative goes along with the text.
type mailClient int

const (
	clientGmail mailClient = iota
	clientOutlook
	clientThunderbird
	clientIPhone
	clientWebmail
	clientCount
)

// file is an attachment.
type file struct {
	name        string
	contentType string
	data        []byte
}

// draft is one generated email before it is encoded.
type draft struct {
	messageID  string // without angle brackets
	from       person
	subject    string
	date       time.Time
	inReplyTo  string
	references []string
	// text is the plain-text body with LF line ends.
	text       string
	client     mailClient
	attachment *file
	// boundary is the stem of the MIME boundaries.
	boundary string
}

// hasHTML reports whether the client sends an HTML alternative.
func (d *draft) hasHTML() bool {
	return d.client == clientGmail || d.client == clientOutlook || d.client == clientIPhone
}

// encode returns the email as it leaves the sender's client, with CRLF
// line ends, 7-bit clean: text in quoted-printable, files in base64.
func encode(d *draft, desk person) []byte {
	var b bytes.Buffer
	writeHeader(&b, d, desk)

	body, contentType := encodeBody(d)
	fmt.Fprintf(&b, "Content-Type: %s\r\n", contentType)
	b.Write(body)
	return b.Bytes()
}

func writeHeader(b *bytes.Buffer, d *draft, desk person) {
	fmt.Fprintf(b, "From: %s\r\n", d.from)
	fmt.Fprintf(b, "To: %s\r\n", desk)
	fmt.Fprintf(b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", d.subject))
	fmt.Fprintf(b, "Date: %s\r\n", d.date.Format(time.RFC1123Z))
	fmt.Fprintf(b, "Message-ID: <%s>\r\n", d.messageID)
	if d.inReplyTo != "" {
		fmt.Fprintf(b, "In-Reply-To: <%s>\r\n", d.inReplyTo)
		fmt.Fprintf(b, "References: <%s>\r\n", strings.Join(d.references, ">\r\n <"))
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	switch d.client {
	case clientOutlook:
		if d.attachment != nil {
			b.WriteString("X-MS-Has-Attach: yes\r\n")
		}
		b.WriteString("Content-Language: id-ID\r\n")
	case clientThunderbird:
		b.WriteString("User-Agent: Mozilla Thunderbird\r\nContent-Language: id\r\n")
	case clientIPhone:
		b.WriteString("X-Mailer: iPhone Mail (21F90)\r\n")
	case clientWebmail:
		b.WriteString("X-Mailer: WebService/1.1.22047 YMailNorrin\r\n")
	}
}

// encodeBody returns the body after the header's Content-Type line,
// starting with the rest of the top-level part's header, and the
// top-level Content-Type.
func encodeBody(d *draft) ([]byte, string) {
	if d.attachment == nil && !d.hasHTML() {
		return textPart(d.text), "text/plain; charset=utf-8"
	}

	var body bytes.Buffer
	body.WriteString("\r\n")
	mixed := multipart.NewWriter(&body)
	mixed.SetBoundary(d.boundary + "_m")

	if d.attachment == nil {
		writeAlternative(mixed, d)
		mixed.Close()
		return body.Bytes(), multipartType("alternative", mixed)
	}

	if d.hasHTML() {
		var alt bytes.Buffer
		inner := multipart.NewWriter(&alt)
		inner.SetBoundary(d.boundary + "_a")
		writeAlternative(inner, d)
		inner.Close()
		header := textproto.MIMEHeader{"Content-Type": {multipartType("alternative", inner)}}
		part, _ := mixed.CreatePart(header)
		part.Write(alt.Bytes())
	} else {
		writeText(mixed, d.text)
	}
	writeFile(mixed, d.attachment)
	mixed.Close()
	return body.Bytes(), multipartType("mixed", mixed)
}

// multipartType returns the Content-Type of a multipart body, with the
// boundary quoted when it contains characters such as '=' (RFC 2046
// section 5.1.1).
func multipartType(subtype string, w *multipart.Writer) string {
	return mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": w.Boundary()})
}

// textPart returns the rest of a single text/plain part's header and its
// quoted-printable body.
func textPart(text string) []byte {
	var b bytes.Buffer
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	b.Write(quotedPrintable(text))
	return b.Bytes()
}

// The writes below go to bytes.Buffers, whose Write never fails, so the
// multipart writers' errors are not checked.

func writeAlternative(w *multipart.Writer, d *draft) {
	writeText(w, d.text)
	header := textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	part, _ := w.CreatePart(header)
	part.Write(quotedPrintable(toHTML(d.text)))
}

func writeText(w *multipart.Writer, text string) {
	header := textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	part, _ := w.CreatePart(header)
	part.Write(quotedPrintable(text))
}

func writeFile(w *multipart.Writer, f *file) {
	header := textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(f.contentType, map[string]string{"name": f.name})},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": f.name})},
		"Content-Transfer-Encoding": {"base64"},
	}
	part, _ := w.CreatePart(header)
	encoded := base64.StdEncoding.EncodeToString(f.data)
	for len(encoded) > 76 {
		part.Write([]byte(encoded[:76] + "\r\n"))
		encoded = encoded[76:]
	}
	part.Write([]byte(encoded + "\r\n"))
}

// quotedPrintable encodes text with LF line ends as quoted-printable with
// CRLF line ends.
func quotedPrintable(text string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	w.Close()
	return b.Bytes()
}

// toHTML renders plain text as the simple HTML that webmail clients send
// beside it: one <div> per paragraph, quoted text in a blockquote.
func toHTML(text string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\n")
	for _, para := range strings.Split(text, "\n\n") {
		tag, end := "<div>", "</div>\n"
		if strings.HasPrefix(para, ">") {
			tag, end = "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">", "</blockquote>\n"
			para = strings.ReplaceAll(strings.ReplaceAll(para, "> ", ""), "\n>", "\n")
		}
		para = strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n")
		b.WriteString(tag + para + end)
	}
	b.WriteString("</body></html>\n")
	return b.String()
}
