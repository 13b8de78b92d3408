package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxMessageIDBytes is the longest Message-ID kept. RFC 5322 section 2.1.1
// limits a line to 998 characters, so a longer identifier is not one a
// mail client wrote.
const maxMessageIDBytes = 998

// maxReferences bounds the identifiers kept from References. Long threads
// carry hundreds, but the first (the thread's root) and the most recent
// are the ones that find a thread. RFC 5322 section 3.6.4 trims the middle
// the same way.
const maxReferences = 100

// NormalizeMessageID returns id in the form keluhan stores and compares
// message identifiers in: without angle brackets and white space, with the
// part after the last "@" lower-cased and the local part kept as is. It
// returns "" for an empty or over-long identifier. Code that compares its
// own Message-IDs with References must normalise both sides with it.
func NormalizeMessageID(id string) string {
	id = strings.TrimSpace(id)
	if open := strings.IndexByte(id, '<'); open >= 0 {
		id = id[open+1:]
		if end := strings.IndexByte(id, '>'); end >= 0 {
			id = id[:end]
		}
	}
	id = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' {
			return -1
		}
		return r
	}, toUTF8(id))
	if id == "" || len(id) > maxMessageIDBytes {
		return ""
	}
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at+1] + strings.ToLower(id[at+1:])
	}
	return id
}

// parseMessageIDList reads the identifiers of an In-Reply-To or References
// value. RFC 5322 puts each in angle brackets. Some web mailers write none,
// so a value without brackets is read as white-space separated identifiers
// that contain "@". Duplicates are dropped.
func parseMessageIDList(value string) []string {
	var tokens []string
	if strings.Contains(value, "<") {
		tokens = bracketed(value)
	} else {
		for _, field := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r <= ' ' }) {
			if strings.Contains(field, "@") {
				tokens = append(tokens, field)
			}
		}
	}

	var ids []string
	seen := make(map[string]bool)
	for _, token := range tokens {
		id := NormalizeMessageID(token)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return trimReferences(ids)
}

// bracketed returns the texts between "<" and ">" in s, in order.
func bracketed(s string) []string {
	var out []string
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			return out
		}
		s = s[open+1:]
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return append(out, s)
		}
		out = append(out, s[:end])
		s = s[end+1:]
	}
}

func trimReferences(ids []string) []string {
	if len(ids) <= maxReferences {
		return ids
	}
	return append([]string{ids[0]}, ids[len(ids)-maxReferences+1:]...)
}

// threadIndexConversation returns the conversation part of an Outlook
// Thread-Index value: the first 22 bytes (a FILETIME and a GUID), which
// every reply in the conversation repeats before its own 5-byte child
// blocks, encoded again in base64. It returns false when the value does
// not decode to at least 22 bytes.
func threadIndexConversation(value string) (string, bool) {
	value = strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, value)
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(value, "="))
	}
	if err != nil || len(raw) < 22 {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(raw[:22]), true
}

// messageKey returns the idempotency key of a message.
func messageKey(messageID, rawSHA256 string) string {
	if messageID != "" {
		return "mid:" + messageID
	}
	return "sha256:" + rawSHA256
}

// contentHashFields are the header fields that identify a message for
// ContentHash. Trace fields (Received, Return-Path, Delivered-To,
// X-Original-To, Authentication-Results, ARC-*, DKIM-Signature) are left
// out because every delivery adds its own.
func contentHashFields() []string {
	return []string{"From", "To", "Cc", "Subject", "Date", "Message-Id"}
}

// contentHash returns the hex SHA-256 of the identifying header fields,
// unfolded, and of the body with line ends normalised to LF, so that the
// same message fetched over two paths hashes the same.
func contentHash(h *textproto.Header, body []byte) string {
	sum := sha256.New()
	for _, key := range contentHashFields() {
		for _, value := range h.Values(key) {
			writeStrings(sum, key, ":", value, "\n")
		}
	}
	writeStrings(sum, "\n")
	writeLF(sum, body)
	return hex.EncodeToString(sum.Sum(nil))
}

// writeStrings writes to a hash, whose Write never returns an error.
func writeStrings(h hash.Hash, parts ...string) {
	for _, p := range parts {
		_, _ = io.WriteString(h, p)
	}
}

// writeLF writes b with every CRLF replaced by LF, without copying b.
func writeLF(h hash.Hash, b []byte) {
	crlf, lf := []byte("\r\n"), []byte("\n")
	for len(b) > 0 {
		i := bytes.Index(b, crlf)
		if i < 0 {
			_, _ = h.Write(b)
			return
		}
		_, _ = h.Write(b[:i])
		_, _ = h.Write(lf)
		b = b[i+2:]
	}
}

// sha256Hex returns the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
