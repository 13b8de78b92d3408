package ingest

import (
	"mime"
	"net/mail"
	"regexp"
	"strings"

	gomail "github.com/emersion/go-message/mail"
)

// addrSpecPattern finds something shaped like an address in text that no
// address parser accepts.
var addrSpecPattern = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+\.[^\s<>"'(),;:\[\]]+`)

// isNoReply reports whether an address is a sender that accepts no mail,
// such as noreply@ or no-reply@ or donotreply@.
func isNoReply(address string) bool {
	local, _, _ := strings.Cut(strings.ToLower(address), "@")
	local = strings.NewReplacer("-", "", "_", "", ".", "").Replace(local)
	switch local {
	case "noreply", "donotreply", "dontreply", "mailerdaemon", "postmaster":
		return true
	}
	return strings.HasPrefix(local, "noreply") || strings.HasPrefix(local, "donotreply")
}

// parseAddressList reads an address field (From, To, Cc, Reply-To, ...)
// leniently and returns its addresses lower-cased, with decoded display
// names on one line. It tries RFC 5322 parsing first. Then it decodes every
// encoded-word in the value and parses again, for senders that put a whole
// "name <address>" inside one encoded-word. Last, it picks out anything
// shaped like an address. The later attempts add a warning.
func parseAddressList(value string, field string, warn *warnings) []*mail.Address {
	value = strings.TrimSpace(toUTF8(value))
	if value == "" {
		return nil
	}
	if list, err := gomail.ParseAddressList(value); err == nil {
		return cleanAddresses(list)
	}
	if list, err := lenientAddressParser().ParseList(value); err == nil {
		return cleanAddresses(list)
	}

	decoded := decodeHeaderText(value, field, warn)
	if list, err := lenientAddressParser().ParseList(decoded); err == nil && len(list) > 0 {
		warn.add("%s: address recovered from encoded-words", field)
		return cleanAddresses(list)
	}

	list := salvageAddresses(decoded)
	if len(list) > 0 {
		warn.add("%s: malformed address list: addresses picked out of the text", field)
	} else {
		warn.add("%s: no address found", field)
	}
	return cleanAddresses(list)
}

// lenientAddressParser parses addresses with a word decoder that accepts
// any charset label.
func lenientAddressParser() *mail.AddressParser {
	return &mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: wordCharsetReader}}
}

// salvageAddresses picks every address-shaped token out of text that no
// parser accepts. A token's display name is the text before it, back to
// the previous token, without quotes and brackets.
func salvageAddresses(text string) []*mail.Address {
	var list []*mail.Address
	start := 0
	for _, loc := range addrSpecPattern.FindAllStringIndex(text, -1) {
		name := strings.Trim(text[start:loc[0]], " \t<>\"',;")
		list = append(list, &mail.Address{Name: name, Address: text[loc[0]:loc[1]]})
		start = loc[1]
	}
	return list
}

// cleanAddresses lower-cases addresses, cleans display names and drops
// entries without an "@". Mail systems treat local parts without regard
// to case in practice, and keluhan compares addresses as identities.
func cleanAddresses(list []*mail.Address) []*mail.Address {
	var out []*mail.Address
	for _, a := range list {
		if a == nil {
			continue
		}
		addr := strings.ToLower(cleanHeaderText(a.Address))
		if !strings.Contains(addr, "@") {
			continue
		}
		out = append(out, &mail.Address{Name: cleanHeaderText(a.Name), Address: addr})
	}
	return out
}

// firstAddress returns the first address of a field, or nil.
func firstAddress(value string, field string, warn *warnings) *mail.Address {
	list := parseAddressList(value, field, warn)
	if len(list) == 0 {
		return nil
	}
	return list[0]
}
