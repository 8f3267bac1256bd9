// Package eventstest provides what tests of event producers and consumers
// share: Check and Valid, which hold details to their bus schemas as the
// real bus publisher does; Recorder, an events.Publisher that checks what
// is published that way and records it; Envelope, which wraps a detail as
// a queue delivers it; and Consume, which runs a stage's handler on a queue
// until the test ends. It is meant for _test.go files only; production
// code must not import it.
package eventstest

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/licenseflow/licenseflow/events"
)

// ErrInvalidDetail marks a detail that Recorder refused because it does not
// match its schema (or cannot be encoded). The error Publish returns for it
// also satisfies events.IsPermanent.
var ErrInvalidDetail = errors.New("detail does not match its schema")

// Recorder is an events.Publisher that validates every detail against its
// bus schema, as events.BusPublisher does, and records the details it
// accepted together with the correlation id of each Publish call's context.
// A call is all or nothing: when one detail is invalid, none is recorded.
//
// The zero value is ready to use; the schemas are compiled once per test
// binary, on first use. A Recorder is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	fail    error
	details []events.Detail
	cids    []string
}

var _ events.Publisher = (*Recorder)(nil)

// Publish returns the error set by SetFail, if any, and records nothing.
// Otherwise it validates every detail: an invalid one makes it return an
// error for which both errors.Is(err, ErrInvalidDetail) and
// events.IsPermanent(err) hold. When all are valid it records them and the
// context's correlation id (one id per call, "" when the context has none).
func (r *Recorder) Publish(ctx context.Context, ds ...events.Detail) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	if err := Check(ctx, ds...); err != nil {
		return err
	}
	r.details = append(r.details, ds...)
	r.cids = append(r.cids, events.CorrelationID(ctx))
	return nil
}

// SetFail makes every later Publish return err without recording anything;
// SetFail(nil) makes Publish work again.
func (r *Recorder) SetFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Details returns a copy of the details recorded so far, in publish order.
func (r *Recorder) Details() []events.Detail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.details)
}

// CorrelationIDs returns a copy of the correlation ids recorded so far, one
// per successful Publish call, in call order.
func (r *Recorder) CorrelationIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.cids)
}

// Take returns the details recorded so far and forgets them and the
// correlation ids, in one step.
func (r *Recorder) Take() []events.Detail {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.details
	r.details, r.cids = nil, nil
	return out
}

// Reset forgets every recorded detail and correlation id. It does not
// change what SetFail set.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.details, r.cids = nil, nil
}
