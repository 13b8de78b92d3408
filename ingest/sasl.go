package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// xoauth2Mechanism is the SASL name of XOAUTH2, the OAuth 2.0 bearer
// token login of Gmail and Microsoft 365. It predates OAUTHBEARER
// (RFC 7628) and has no RFC. The providers' documentation defines it.
const xoauth2Mechanism = "XOAUTH2"

// xoauth2Client is the client side of XOAUTH2 for imapclient.Authenticate.
// It is used for one exchange.
type xoauth2Client struct {
	username, token string
	// rejection is the error the server sent as a challenge, if any.
	rejection *xoauth2Error
}

// xoauth2Error is the JSON challenge a server sends when it rejects the
// token, for example {"status":"401","schemes":"bearer","scope":"..."}.
type xoauth2Error struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
}

func newXOAUTH2Client(username, token string) *xoauth2Client {
	return &xoauth2Client{username: username, token: token}
}

// Start returns the initial response
// "user=" username "\x01auth=Bearer " token "\x01\x01".
func (c *xoauth2Client) Start() (string, []byte, error) {
	if strings.ContainsRune(c.username, '\x01') || strings.ContainsRune(c.token, '\x01') {
		return "", nil, errors.New("xoauth2: username or token contains the separator byte 0x01")
	}
	ir := "user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"
	return xoauth2Mechanism, []byte(ir), nil
}

// Next replies to the one challenge XOAUTH2 has, the JSON error after a
// rejected token, with the empty response the mechanism requires. The
// server then ends the command with NO. Next keeps the error for
// withServerStatus.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if c.rejection != nil {
		return nil, errors.New("xoauth2: unexpected second challenge")
	}
	rejection := &xoauth2Error{}
	if err := json.Unmarshal(challenge, rejection); err != nil {
		rejection.Status = "unreadable error challenge"
	}
	c.rejection = rejection
	return []byte{}, nil
}

// withServerStatus adds the status from the server's error challenge to
// err, which carries only the final NO response.
func (c *xoauth2Client) withServerStatus(err error) error {
	if c.rejection == nil || c.rejection.Status == "" {
		return err
	}
	return fmt.Errorf("%w (oauth status %s)", err, c.rejection.Status)
}
