// Package events defines licenseflow's events: the EventBridge envelope,
// one Go type per detail-type, validation against schemas/, and the
// publisher and subscriber that move them over EventBridge and SQS.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Envelope is an EventBridge event as targets receive it.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	// ReplayName is set on an event an archive replay sent again: the
	// replay's name. The event keeps its id, so a stage that
	// de-duplicates by id must tell a replay from a redelivery: it
	// re-derives the event's effect (see docs/replay.md).
	ReplayName string `json:"replay-name,omitempty"`
}

// Replayed reports whether the event comes from an archive replay.
func (e Envelope) Replayed() bool { return e.ReplayName != "" }

// Publisher publishes details to the bus. Publish returns nil only once the
// bus accepted every detail. Implementations are safe for concurrent use.
type Publisher interface {
	Publish(ctx context.Context, details ...Detail) error
}

// Handler processes one event. A nil error acknowledges it. Errors are
// retried unless marked Permanent, which sends the event to the dead-letter
// queue at once. Handlers must be idempotent: delivery is at least once.
type Handler func(ctx context.Context, e Envelope) error

// PermanentError marks an error that retrying cannot fix (a poison message).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so that the event goes to the dead-letter queue
// without further retries.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

type correlationKey struct{}

// WithCorrelationID returns a context carrying the correlation id that
// publishers stamp on outgoing events and loggers print.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the context's correlation id, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}
