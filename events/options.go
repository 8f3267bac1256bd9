package events

import (
	"log/slog"
	"time"
)

// Option tunes how a Handler is run: by Run, NewRouter's routes, or
// SQSLambdaHandler.
type Option func(*options)

type options struct {
	name      string
	timeout   time.Duration
	logger    *slog.Logger
	validator *Validator
}

// WithName names the handler in logs and in the dead-letter attributes of
// poison messages. Default "events".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithTimeout bounds one handler call; the handler's ctx ends after d.
// Default 30s. Zero or negative leaves the default.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithLogger sets the logger of per-event lines. Default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithValidator shares a compiled Validator. Default: one compiled for the
// handler.
func WithValidator(v *Validator) Option { return func(o *options) { o.validator = v } }

func buildOptions(opts []Option) (options, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.name == "" {
		o.name = "events"
	}
	if o.timeout <= 0 {
		o.timeout = 30 * time.Second
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.validator == nil {
		v, err := NewValidator()
		if err != nil {
			return o, err
		}
		o.validator = v
	}
	return o, nil
}
