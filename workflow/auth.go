package workflow

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"
)

// Proof says how, if at all, a message proved that its From address is
// real. A staff command is carried out only with a proof.
type Proof struct {
	OK bool
	// Method is "token", "dmarc" or "dkim" when OK.
	Method string
	// Reason explains a missing proof for the audit trail, in English.
	Reason string
}

// ProveByAuthResults checks the Authentication-Results headers of a
// message (topmost first, as the receiving server prepends them) for
// proof that from is genuine. Only the topmost header counts, and only
// when one of trusted wrote it: the receiving server adds its header
// above everything the sender wrote, so a header below it, or one above
// it from another server, may be forged (RFC 8601, section 5). Proof is
// DMARC pass for the From domain, or DKIM pass for a domain aligned with
// it (equal, or a parent domain, as relaxed alignment allows).
func ProveByAuthResults(headers []string, from string, trusted []string) Proof {
	if len(headers) == 0 {
		return Proof{Reason: "no authentication-results header"}
	}
	id, results, err := authres.Parse(headers[0])
	if err != nil && len(results) == 0 {
		return Proof{Reason: "authentication-results unreadable"}
	}
	if !containsFold(trusted, id) {
		return Proof{Reason: "authentication-results from untrusted server " + id}
	}
	domain := domainOf(from)
	if domain == "" {
		return Proof{Reason: "sender has no domain"}
	}
	return proofFromResults(results, domain)
}

func proofFromResults(results []authres.Result, domain string) Proof {
	for _, r := range results {
		if d, ok := r.(*authres.DMARCResult); ok && d.Value == authres.ResultPass && strings.EqualFold(d.From, domain) {
			return Proof{OK: true, Method: "dmarc"}
		}
	}
	for _, r := range results {
		if d, ok := r.(*authres.DKIMResult); ok && d.Value == authres.ResultPass && aligned(d.Domain, domain) {
			return Proof{OK: true, Method: "dkim"}
		}
	}
	return Proof{Reason: "no dmarc or aligned dkim pass for " + domain}
}

// aligned reports whether a DKIM signing domain is aligned with the From
// domain under relaxed alignment (RFC 7489, section 3.1.1): both have the
// same organizational domain, found with the public suffix list.
func aligned(signer, from string) bool {
	signer, from = strings.ToLower(strings.TrimSuffix(signer, ".")), strings.ToLower(from)
	if signer == "" || from == "" {
		return false
	}
	if signer == from {
		return true
	}
	orgSigner, err1 := publicsuffix.EffectiveTLDPlusOne(signer)
	orgFrom, err2 := publicsuffix.EffectiveTLDPlusOne(from)
	return err1 == nil && err2 == nil && orgSigner == orgFrom
}

func domainOf(address string) string {
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(address[at+1:])
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
