package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File and folder names of the layout.
const (
	manifestName   = "manifest.json"
	blobsListName  = "blobs.jsonl"
	messagesDir    = "messages/"
	attachmentsDir = "attachments/"
	blobsDir       = "blobs/"
	jsonlSuffix    = ".jsonl"
	emlSuffix      = ".eml"
)

// Limits on the readable part of generated names, in bytes. They keep a
// path well under the 255-byte name limit of common file systems.
const (
	maxKeyStem      = 60
	maxFilenameStem = 80
)

// keyName returns a file name stem for a message key or blob name. The
// stem is the key cut to maxKeyStem bytes, with every character outside
// a portable set replaced by '_', then '-' and the first 16 hex digits of
// the key's SHA-256. The hash keeps names of different keys apart, also
// of keys that differ only in case on a case-insensitive file system.
func keyName(key string) string {
	var b strings.Builder
	for i := 0; i < len(key) && b.Len() < maxKeyStem; i++ {
		c := key[i]
		switch {
		case c == '.' && b.Len() == 0:
			b.WriteByte('_')
		case portableKeyByte(c):
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(key))
	return b.String() + "-" + hex.EncodeToString(sum[:8])
}

func portableKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == '@' || c == '+' || c == '='
}

// emlName returns the archive path of a message's raw bytes.
func emlName(key string) string {
	return messagesDir + keyName(key) + emlSuffix
}

// attachmentName returns the archive path of attachment index of the
// message key: a folder per message and the index in front of the
// sanitised file name, so names within a folder are unique.
func attachmentName(key string, index int, filename string) string {
	return attachmentsDir + keyName(key) + "/" + strconv.Itoa(index) + "-" + safeFilename(filename)
}

// blobName returns the archive path of a blob.
func blobName(name string) string {
	return blobsDir + keyName(name)
}

// safeFilename keeps the letters, digits and '.', '-', '_' of an
// attachment's file name, replaces any other character with '_', drops
// leading and trailing dots, and cuts the stem so the name fits in
// maxFilenameStem bytes with its extension. An empty result becomes
// "attachment".
func safeFilename(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		return "attachment"
	}
	return cutStem(s, maxFilenameStem)
}

// cutStem shortens s to at most limit bytes on a rune boundary, keeping
// a short extension.
func cutStem(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	ext := ""
	if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 10 {
		s, ext = s[:i], s[i:]
	}
	limit -= len(ext)
	for len(s) > limit {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s + ext
}
