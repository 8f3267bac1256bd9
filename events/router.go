package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// Route plugs one Handler into a watermill Router.
type Route struct {
	// Queue is the topic to subscribe to (for our SQS subscriber: a queue
	// name or URL). Required.
	Queue string
	// Subscriber delivers the queue's messages. Required.
	Subscriber message.Subscriber
	// Handler handles every event. Required.
	Handler Handler
	// Options: WithName (required to be unique per router), WithTimeout,
	// WithLogger, WithValidator.
	Options []Option
}

// Validate reports every problem with the route.
func (r Route) Validate() error {
	var errs problems.List
	errs.If(r.Queue == "", "queue is required")
	errs.If(r.Subscriber == nil, "subscriber is required")
	errs.If(r.Handler == nil, "handler is required")
	return errs.Err()
}

// AddRoute adds rt to router with its middleware, outermost first:
// correlation id, logging with latency, panic recovery, timeout, then
// consume-time validation (invalid events are Permanent) and the handler.
func AddRoute(router *message.Router, rt Route) (*message.Handler, error) {
	if err := rt.Validate(); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	o, err := buildOptions(rt.Options)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", o.name, err)
	}
	h := router.AddConsumerHandler(o.name, rt.Queue, rt.Subscriber, HandlerFunc(o.validator, rt.Handler))
	h.AddMiddleware(CorrelationMiddleware, LogMiddleware(o.logger), RecoverMiddleware, TimeoutMiddleware(o.timeout))
	return h, nil
}

// NewRouter returns a watermill Router (logging through logger) with every
// route added. closeTimeout bounds how long Close waits for running
// handlers; zero means 30s.
func NewRouter(logger *slog.Logger, closeTimeout time.Duration, routes ...Route) (*message.Router, error) {
	if logger == nil {
		logger = slog.Default()
	}
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: closeTimeout}, routerLogger{logger})
	if err != nil {
		return nil, fmt.Errorf("new router: %w", err)
	}
	for _, rt := range routes {
		if _, err := AddRoute(r, rt); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Run handles the events of queue with h until ctx ends, then drains: no
// new messages are taken, running handlers finish, acknowledgements are
// flushed. It returns nil after a drain caused by ctx.
func Run(ctx context.Context, sub message.Subscriber, queue string, h Handler, opts ...Option) error {
	o, err := buildOptions(opts)
	if err != nil {
		return err
	}
	r, err := NewRouter(o.logger, 0, Route{Queue: queue, Subscriber: sub, Handler: h, Options: append(opts, WithValidator(o.validator))})
	if err != nil {
		return err
	}
	return r.Run(ctx)
}
