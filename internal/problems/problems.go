// Package problems gathers what is wrong with a configuration, so that a
// Validate method reports every problem at once (joined by errors.Join)
// with one line per check.
package problems

import (
	"errors"
	"fmt"
)

// List gathers problems. The zero value is empty and ready to use; a List
// is not safe for concurrent use.
type List struct {
	errs []error
}

// If records the problem format describes (formatted as by fmt.Errorf, so
// %w wraps) when bad holds.
func (l *List) If(bad bool, format string, args ...any) {
	if bad {
		l.errs = append(l.errs, fmt.Errorf(format, args...))
	}
}

// Add records err unless it is nil.
func (l *List) Add(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

// Wrap records err, prefixed with "context: ", unless it is nil.
func (l *List) Wrap(context string, err error) {
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", context, err))
	}
}

// Err returns every problem recorded, joined in the order recorded; nil
// when there is none.
func (l *List) Err() error {
	return errors.Join(l.errs...)
}
