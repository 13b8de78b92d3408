package ingest

import "strings"

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
