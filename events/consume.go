package events

import (
	"context"
	"fmt"
	"runtime/debug"
)

// PanicError is the error a handler panic turns into. It is retryable: the
// event is delivered again.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }

// callSafely runs fn, turning a panic into a *PanicError.
func callSafely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// consume is the transport-independent part of handling one event: parse
// the body as an envelope, validate its detail (both failures are
// Permanent), put the detail's correlation id into ctx (unless ctx has
// one), and call h. It returns the envelope as far as it was parsed, for logs.
func consume(ctx context.Context, v *Validator, h Handler, body []byte) (Envelope, error) {
	env, err := ParseEnvelope(body)
	if err != nil {
		return env, err
	}
	if CorrelationID(ctx) == "" {
		if id := DetailCorrelationID(env.Detail); id != "" {
			ctx = WithCorrelationID(ctx, id)
		}
	}
	if err := v.Validate(env.DetailType, env.Detail); err != nil {
		return env, Permanent(err)
	}
	return env, h(ctx, env)
}

// outcome names what happens to an event after err, for logs.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ack"
	case IsPermanent(err):
		return "dead-letter"
	default:
		return "retry"
	}
}
