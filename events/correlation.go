package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
)

// NewCorrelationID returns a fresh random correlation id (32 hex digits),
// for an edge that starts a flow.
func NewCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// DetailCorrelationID returns the "correlation_id" string of a detail, or ""
// when absent or not a string.
func DetailCorrelationID(detail []byte) string {
	var d struct {
		ID any `json:"correlation_id"`
	}
	if json.Unmarshal(detail, &d) != nil {
		return ""
	}
	id, _ := d.ID.(string)
	return id
}
