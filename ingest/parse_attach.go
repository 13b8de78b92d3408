package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFilenameBytes bounds an attachment's file name. Common file systems
// allow 255 bytes; the margin leaves room for a suffix added on export.
const maxFilenameBytes = 200

// describeAttachment returns the Attachment of a leaf without its size and
// hash, which streamAttachment fills.
func describeAttachment(l *leaf, warn *warnings) Attachment {
	disposition, dparams := contentDisposition(&l.header)
	name := dparams["filename"]
	if name == "" {
		name = l.params["name"]
	}
	name = sanitizeFilename(decodeHeaderText(name, "attachment name", warn))
	if name == "" {
		name = fmt.Sprintf("lampiran-%d.%s", l.ordinal, extensionFor(l.mediaType))
	}

	contentID := NormalizeMessageID(l.header.Get("Content-Id"))
	return Attachment{
		Index:       l.index,
		Filename:    name,
		ContentType: l.mediaType,
		Inline:      disposition == "inline" || disposition == "" && contentID != "",
		ContentID:   contentID,
	}
}

// streamAttachment decodes a leaf's body into w while it computes the
// size and SHA-256 of the decoded bytes, without holding the content in
// memory. A decoding error ends the content early and is returned as a
// warning; only an error of w is returned as an error.
func streamAttachment(l *leaf, a *Attachment, w io.Writer) (string, error) {
	reader, warning := transferDecoder(l.body, l.header.Get("Content-Transfer-Encoding"))
	sum := sha256.New()
	counter := &countingWriter{w: w}
	n, err := io.Copy(io.MultiWriter(sum, counter), reader)
	a.Size = n
	a.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if counter.err != nil {
		return warning, fmt.Errorf("write part %d: %w", l.index, counter.err)
	}
	if err != nil {
		warning = fmt.Sprintf("decode part %d: %v: content cut short", l.index, err)
	}
	return warning, nil
}

// countingWriter records the first error of the writer it wraps, so that
// streamAttachment can tell a decoding error from a writing one.
type countingWriter struct {
	w   io.Writer
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// sanitizeFilename makes an attachment name safe to show and to save. It
// keeps the last path element and removes control and format characters,
// such as the right-to-left override that hides a real extension. It
// replaces characters that Windows file systems reject, drops leading
// dots and limits the length to maxFilenameBytes, keeping the extension.
// Unicode letters stay. It returns "" when nothing is left.
func sanitizeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	return shortenFilename(name)
}

// shortenFilename cuts a name to maxFilenameBytes on a rune boundary,
// keeping a short extension.
func shortenFilename(name string) string {
	if len(name) <= maxFilenameBytes {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	cut := maxFilenameBytes - len(ext)
	for cut > 0 && !isRuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimSpace(stem[:cut]) + ext
}

// extensionFor returns the file extension, without the dot, for a part
// with no file name. The table is built in rather than read from the
// system's mime.types, so names do not depend on the host.
func extensionFor(mediaType string) string {
	switch mediaType {
	case "application/pdf":
		return "pdf"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	case "image/heic":
		return "heic"
	case "image/tiff":
		return "tif"
	case "image/bmp":
		return "bmp"
	case "text/plain", "message/delivery-status", "message/global-delivery-status",
		"text/rfc822-headers", "message/disposition-notification":
		return "txt"
	case "text/html":
		return "html"
	case "text/csv":
		return "csv"
	case "text/calendar", "application/ics":
		return "ics"
	case "message/rfc822", "message/global":
		return "eml"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return "dat"
	case "application/zip", "application/x-zip-compressed":
		return "zip"
	case "application/msword":
		return "doc"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "docx"
	case "application/vnd.ms-excel":
		return "xls"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return "xlsx"
	case "application/vnd.ms-powerpoint":
		return "ppt"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return "pptx"
	case "audio/mpeg":
		return "mp3"
	case "video/mp4":
		return "mp4"
	}
	return "bin"
}
