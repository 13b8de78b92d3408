package workflow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reply token errors. Callers treat every one as "no proof"; they differ
// only in what the audit trail says.
var (
	ErrTokenMalformed = errors.New("reply token malformed")
	ErrTokenSignature = errors.New("reply token signature invalid")
	ErrTokenExpired   = errors.New("reply token expired")
	// ErrTokenOtherTicket means the token is valid but names another
	// ticket than the thread the message belongs to.
	ErrTokenOtherTicket = errors.New("reply token for another ticket")
)

const (
	tokenVersion = 1
	tokenMACSize = 10
	// tokenSize is version, role, expiry hours, year, sequence and MAC.
	tokenSize = 1 + 1 + 4 + 2 + 4 + tokenMACSize
)

// tokenEncoding is lower-case base32 without padding, so that a token is
// safe in an address local part and survives servers that lower-case it.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// roleCodes gives each role a byte in the token.
var roleCodes = map[Role]byte{
	RoleRequester: 1, RoleServiceDesk: 2, RoleComplaintManager: 3,
	RoleSupervisor: 4, RoleIncident: 5,
}

// TokenClaims is what a reply token binds.
type TokenClaims struct {
	Ticket    string
	Role      Role
	Recipient string
	Expires   time.Time
}

// Tokens mints and checks reply tokens: the part after '+' in the reply
// address keluhan gives each recipient. A token binds the ticket, the
// recipient's address and role, and an expiry, under an HMAC-SHA256 with
// the current secret; tokens made with the previous secret still verify
// during a rotation. The zero value is not usable; build one with
// NewTokens. Safe for concurrent use.
type Tokens struct {
	prefix  string
	secrets [][]byte
}

// NewTokens returns a token minter for ticket numbers with the given
// prefix. secret signs new tokens; old, when not empty, is also accepted.
// The secret must be at least 16 bytes.
func NewTokens(prefix string, secret, old []byte) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("token secret: %d bytes, need at least 16", len(secret))
	}
	t := &Tokens{prefix: prefix, secrets: [][]byte{secret}}
	if len(old) > 0 {
		t.secrets = append(t.secrets, old)
	}
	return t, nil
}

// Mint returns the token for claims. Recipient is compared without
// letter case.
func (t *Tokens) Mint(c TokenClaims) (string, error) {
	year, seq, err := t.splitNumber(c.Ticket)
	if err != nil {
		return "", err
	}
	code, ok := roleCodes[c.Role]
	if !ok {
		return "", fmt.Errorf("mint token: role %q has no code", c.Role)
	}
	buf := make([]byte, tokenSize)
	buf[0] = tokenVersion
	buf[1] = code
	// Expiry is stored in whole hours, rounded up so that no token
	// expires before its time.
	binary.BigEndian.PutUint32(buf[2:6], uint32((c.Expires.Unix()+3599)/3600))
	binary.BigEndian.PutUint16(buf[6:8], uint16(year))
	binary.BigEndian.PutUint32(buf[8:12], uint32(seq))
	copy(buf[12:], t.mac(t.secrets[0], buf[:12], c.Recipient))
	return tokenEncoding.EncodeToString(buf), nil
}

// Verify checks token for the address that sent it and returns its
// claims. The token is valid only for the recipient it was minted for,
// before its expiry.
func (t *Tokens) Verify(token, sender string, now time.Time) (TokenClaims, error) {
	buf, err := tokenEncoding.DecodeString(strings.ToLower(token))
	if err != nil || len(buf) != tokenSize || buf[0] != tokenVersion {
		return TokenClaims{}, ErrTokenMalformed
	}
	if !t.signedBySome(buf, sender) {
		return TokenClaims{}, ErrTokenSignature
	}
	claims, err := t.decodeClaims(buf, sender)
	if err != nil {
		return TokenClaims{}, err
	}
	if now.After(claims.Expires) {
		return claims, ErrTokenExpired
	}
	return claims, nil
}

// Peek returns the ticket number a token names without checking its
// signature: enough to find the thread, never enough to prove a sender.
func (t *Tokens) Peek(token string) (string, bool) {
	buf, err := tokenEncoding.DecodeString(strings.ToLower(token))
	if err != nil || len(buf) != tokenSize || buf[0] != tokenVersion {
		return "", false
	}
	claims, err := t.decodeClaims(buf, "")
	if err != nil {
		return "", false
	}
	return claims.Ticket, true
}

func (t *Tokens) signedBySome(buf []byte, sender string) bool {
	for _, secret := range t.secrets {
		if hmac.Equal(buf[12:], t.mac(secret, buf[:12], sender)) {
			return true
		}
	}
	return false
}

func (t *Tokens) decodeClaims(buf []byte, recipient string) (TokenClaims, error) {
	role := Role("")
	for r, code := range roleCodes {
		if code == buf[1] {
			role = r
		}
	}
	if role == "" {
		return TokenClaims{}, ErrTokenMalformed
	}
	hours := binary.BigEndian.Uint32(buf[2:6])
	year := binary.BigEndian.Uint16(buf[6:8])
	seq := binary.BigEndian.Uint32(buf[8:12])
	return TokenClaims{
		Ticket:    FormatNumber(t.prefix, int(year), int64(seq)),
		Role:      role,
		Recipient: strings.ToLower(recipient),
		Expires:   time.Unix(int64(hours)*3600, 0),
	}, nil
}

func (t *Tokens) mac(secret, fields []byte, recipient string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(t.prefix))
	h.Write([]byte{0})
	h.Write(fields)
	h.Write([]byte(strings.ToLower(strings.TrimSpace(recipient))))
	return h.Sum(nil)[:tokenMACSize]
}

func (t *Tokens) splitNumber(number string) (int, int64, error) {
	prefix, year, seq, ok := ParseNumber(number)
	if !ok || prefix != t.prefix {
		return 0, 0, fmt.Errorf("mint token: ticket number %q does not match prefix %q", number, t.prefix)
	}
	return year, seq, nil
}

// FormatNumber returns a ticket number such as "KLH-2026-000123".
func FormatNumber(prefix string, year int, seq int64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, seq)
}

// ParseNumber splits a ticket number into its prefix, year and sequence.
func ParseNumber(number string) (prefix string, year int, seq int64, ok bool) {
	i := strings.LastIndexByte(number, '-')
	if i <= 0 {
		return "", 0, 0, false
	}
	j := strings.LastIndexByte(number[:i], '-')
	if j <= 0 || i-j != 5 {
		return "", 0, 0, false
	}
	y, err1 := strconv.Atoi(number[j+1 : i])
	s, err2 := strconv.ParseInt(number[i+1:], 10, 64)
	if err1 != nil || err2 != nil || s < 0 || len(number)-i-1 < 6 {
		return "", 0, 0, false
	}
	return number[:j], y, s, true
}
