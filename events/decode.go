package events

import (
	"encoding/json"
	"fmt"
)

// MaxEnvelopeBytes bounds an envelope accepted by ParseEnvelope: a 1 MB
// detail plus the envelope's own fields.
const MaxEnvelopeBytes = MaxDetailBytes + 64<<10

// ParseEnvelope decodes an EventBridge event as a target receives it (an SQS
// message body, say). Malformed input gives a Permanent error.
func ParseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	if len(body) > MaxEnvelopeBytes {
		return env, Permanent(fmt.Errorf("envelope is %d bytes, limit %d", len(body), MaxEnvelopeBytes))
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Envelope{}, Permanent(fmt.Errorf("decoding envelope: %w", err))
	}
	if env.DetailType == "" || env.Source == "" || len(env.Detail) == 0 {
		return Envelope{}, Permanent(fmt.Errorf("envelope lacks detail-type, source or detail"))
	}
	return env, nil
}

// DetailAs decodes e's detail into a D without checking its schema (for a
// consumer that received e from its own rules). A detail that does not
// decode is a Permanent error: a retry cannot fix it.
func DetailAs[D any](e Envelope) (D, error) {
	var d D
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return d, Permanent(fmt.Errorf("decoding %q: %w", e.DetailType, err))
	}
	return d, nil
}

// Decode validates env's detail against its schema and returns it as its Go
// type (a value such as CheckoutCompleted, not a pointer). Every error is
// Permanent: an unknown detail-type wraps ErrUnknownType, a detail that
// does not match is a *ValidationError, a source that is not the one the
// detail-type is published by is refused too.
func (v *Validator) Decode(env Envelope) (Detail, error) {
	if err := v.Validate(env.DetailType, env.Detail); err != nil {
		return nil, Permanent(err)
	}
	d, err := UnmarshalDetail(env.DetailType, env.Detail)
	if err != nil {
		return nil, Permanent(err)
	}
	if env.Source != d.Source() {
		return nil, Permanent(fmt.Errorf("%q events come from %q, not %q", env.DetailType, d.Source(), env.Source))
	}
	return d, nil
}
