package eventstest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/licenseflow/licenseflow/events"
)

// validator compiles the bus schemas once per test binary.
var validator = sync.OnceValues(func() (*events.Validator, error) {
	v, err := events.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("compiling schemas: %w", err)
	}
	return v, nil
})

// Check validates details as the bus publisher does: each is encoded with
// ctx's correlation id and checked against its schema. The error for a
// detail that is nil, does not encode or does not match satisfies both
// errors.Is(err, ErrInvalidDetail) and events.IsPermanent; the schemas not
// compiling is another error.
func Check(ctx context.Context, ds ...events.Detail) error {
	v, err := validator()
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d == nil {
			return events.Permanent(fmt.Errorf("%w: nil detail", ErrInvalidDetail))
		}
		b, err := events.MarshalDetail(ctx, d)
		if err != nil {
			return events.Permanent(fmt.Errorf("%w: %w", ErrInvalidDetail, err))
		}
		if err := v.Validate(d.DetailType(), b); err != nil {
			return events.Permanent(fmt.Errorf("%w: %w", ErrInvalidDetail, err))
		}
	}
	return nil
}

// Valid fails tb unless the bus would accept d (see Check).
func Valid(tb testing.TB, d events.Detail) {
	tb.Helper()
	if err := Check(context.Background(), d); err != nil {
		tb.Fatalf("%#v: %v", d, err)
	}
}
