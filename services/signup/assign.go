package signup

import (
	"crypto/sha256"
	"encoding/binary"
)

// assigner picks an application server for a company by rendezvous
// (highest random weight) hashing over the configured pool.
//
// It hashes by company id, not by user: every session of a company lands on
// the same server, so that server is the one the license-push stage keeps
// the company's license on, and a new user of the company costs no extra
// delivery. Adding or removing a server moves only the companies whose
// winning server changed (about 1/n of them), without shared state, which
// is what a stateless edge running as many Lambda instances needs.
type assigner struct{ servers []string }

// pick returns the server with the highest weight for companyID.
func (a assigner) pick(companyID string) string {
	var best string
	var bestW uint64
	for _, s := range a.servers {
		if w := weight(s, companyID); best == "" || w > bestW {
			best, bestW = s, w
		}
	}
	return best
}

// weight is the first 8 bytes of SHA-256(server NUL key).
func weight(server, key string) uint64 {
	h := sha256.New()
	h.Write([]byte(server))
	h.Write([]byte{0})
	h.Write([]byte(key))
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}
