package signup

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// ID prefixes say what an id names.
const (
	prefixCompany = "co_"
	prefixUser    = "usr_"
	prefixSession = "ses_"
	// prefixAuth names a sign-in: a web session or an API token.
	prefixAuth = "sid_"
	// prefixOutbox names an event in the edge's outbox.
	prefixOutbox = "evt_"
)

// idEncoding is lowercase base32 without padding: URL-safe, case-stable
// and inside the schemas' id pattern.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idLen is the length of the random part: 16 bytes (128 bits) encode to 26.
const idLen = 26

// newID returns prefix followed by 128 random bits.
func newID(prefix string) string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return prefix + idEncoding.EncodeToString(b[:])
}

// validID reports whether s is an id this edge could have issued.
func validID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != idLen {
		return false
	}
	_, err := idEncoding.DecodeString(rest)
	return err == nil
}
