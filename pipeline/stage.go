package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/events"
)

// Names of the stages, as hops, metrics and logs label them.
const (
	StagePayment     = "payment"
	StageAccounts    = "accounts"
	StageLicensePush = "licensepush"
)

// Stage is a built stage: its handler and the queue it consumes. Run
// consumes the queue; Lambda is the same handler behind an SQS event source
// mapping. Close releases what the stage holds (its store, its publisher)
// once Run has returned.
type Stage struct {
	name    string
	queue   Queue
	handler events.Handler
	log     *slog.Logger
	// background runs beside the consumer while Run runs.
	background []func(context.Context) error
	closers    []func() error
	closeOnce  sync.Once
	closeErr   error
}

// Name is the stage's name (StagePayment, ...).
func (s *Stage) Name() string { return s.name }

// Queue is the queue Run consumes (name or URL).
func (s *Stage) Queue() string { return s.queue.Name }

// Handler is the stage's handler, observed.
func (s *Stage) Handler() events.Handler { return s.handler }

// Lambda is the stage's entry for an SQS event source mapping with
// ReportBatchItemFailures (see events.SQSLambdaHandler).
func (s *Stage) Lambda() func(context.Context, awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
	return events.SQSLambdaHandler(s.handler, events.WithName(s.name), events.WithLogger(s.log))
}

// Run consumes the stage's queue until ctx ends, then drains: no new
// messages are taken, running handlers finish, acknowledgements are
// flushed. It returns nil after a drain caused by ctx, or the first
// failure.
func (s *Stage) Run(ctx context.Context) error {
	if s.queue.Client == nil {
		return fmt.Errorf("%s: no SQS client to consume %s with", s.name, s.queue.Name)
	}
	sub, err := events.NewSQSSubscriber(events.SQSSubscriberConfig{Client: s.queue.Client, Logger: s.log})
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	defer sub.Close()
	consume := func(ctx context.Context) error {
		return events.Run(ctx, sub, s.queue.Name, s.handler, events.WithName(s.name), events.WithLogger(s.log))
	}
	return runTogether(ctx, append([]func(context.Context) error{consume}, s.background...))
}

// Close releases the stage's resources. It is safe to call more than once.
func (s *Stage) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			errs = append(errs, s.closers[i]())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// runTogether runs every fn until ctx ends or one fails, which stops the
// others; it returns the first failure (ctx's own error is none).
func runTogether(parent context.Context, fns []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var first error
	for range fns {
		err := <-errs
		if err == nil || errors.Is(err, context.Canceled) || (parent.Err() != nil && errors.Is(err, parent.Err())) {
			continue
		}
		if first == nil {
			first = err
			cancel()
		}
	}
	return first
}
