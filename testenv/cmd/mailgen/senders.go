package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// makeSenders returns n requesters with distinct addresses at the test
// domains. Local parts use only a-z, 0-9, '.' and '_', which Dovecot and
// the test Postfix accept as user names.
func makeSenders(w *writer, n int) []person {
	seen := map[string]bool{}
	senders := make([]person, 0, n)
	for len(senders) < n {
		first, last := w.pick(firstNames), w.pick(lastNames)
		name := first + " " + last
		if w.chance(0.1) {
			// Many Indonesians have a single name.
			name, last = first, ""
		}

		address := localPart(w, strings.ToLower(first), strings.ToLower(last)) + "@" + w.pick(senderDomains)
		if seen[address] {
			continue
		}
		seen[address] = true
		senders = append(senders, person{Name: name, Address: address})
	}
	return senders
}

// localPart builds a local part from a name in one of the ways people
// choose them: budi.santoso, budisantoso87, budi_s, b.santoso12.
func localPart(w *writer, first, last string) string {
	if last == "" {
		return fmt.Sprintf("%s%d", first, w.between(1, 9999))
	}
	switch w.rng.IntN(4) {
	case 0:
		return first + "." + last
	case 1:
		return fmt.Sprintf("%s%s%d", first, last, w.between(1, 99))
	case 2:
		return first + "_" + last[:1] + fmt.Sprint(w.between(1, 999))
	default:
		return fmt.Sprintf("%s.%s%d", first[:1], last, w.between(1, 99))
	}
}

// newMessageID returns a Message-ID, without angle brackets, in the form
// the draft's client writes, unique within the set.
func (g *generator) newMessageID(d *draft) string {
	for {
		id := g.clientMessageID(d)
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *generator) clientMessageID(d *draft) string {
	_, senderDomain, _ := strings.Cut(d.from.Address, "@")
	switch d.client {
	case clientGmail:
		token := base64.StdEncoding.EncodeToString(g.randomBytes(33))
		return "CA" + token + "@mail.gmail.com"
	case clientOutlook:
		server := fmt.Sprintf("SG2PR06MB%04d", g.w.rng.IntN(10000))
		return server + strings.ToUpper(hex.EncodeToString(g.randomBytes(12))) + "@" + server + ".apcprd06.prod.outlook.com"
	case clientThunderbird:
		return uuid(g.randomBytes(16)) + "@" + senderDomain
	case clientIPhone:
		return strings.ToUpper(uuid(g.randomBytes(16))) + "@" + senderDomain
	default:
		return fmt.Sprintf("%d.%d.%d@%s", 1_700_000_000_000+g.w.rng.Int64N(1e11), g.w.rng.IntN(1<<20), g.w.rng.IntN(1e6), senderDomain)
	}
}

// uuid formats 16 bytes as a version 4 UUID.
func uuid(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
