package plans

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// JSON is c normalised as compact JSON with no whitespace at all (a space
// inside a name is written \u0020), so it passes intact through command
// lines and template parameters; Parse reads it back. Keys are sorted, so
// equal catalogues give equal bytes.
func (c Catalogue) JSON() []byte {
	b, err := json.Marshal(c.Normalized())
	if err != nil {
		panic("plans: marshalling a catalogue: " + err.Error()) // only strings, ints and bools
	}
	return bytes.ReplaceAll(b, []byte(" "), []byte(`\u0020`))
}

// Digest names c's content: the hex SHA-256 of JSON. Two catalogues have
// the same digest exactly when they grant the same and allow the same
// trial users.
func (c Catalogue) Digest() string {
	sum := sha256.Sum256(c.JSON())
	return hex.EncodeToString(sum[:])
}
