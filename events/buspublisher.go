package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// BusPublisherConfig configures a BusPublisher.
type BusPublisherConfig struct {
	// Publisher carries the messages; usually an *EventBridgePublisher.
	// Required.
	Publisher message.Publisher
	// Bus is the event bus name or ARN (the publisher's topic). Required.
	Bus string
	// Validator checks every detail before anything is sent. Default: one
	// compiled for this publisher.
	Validator *Validator
}

// Validate reports every problem with the configuration.
func (c BusPublisherConfig) Validate() error {
	var errs problems.List
	errs.If(c.Publisher == nil, "publisher is required")
	errs.If(c.Bus == "", "bus is required")
	return errs.Err()
}

// BusPublisher is the typed Publisher: it stamps ctx's correlation id on
// every detail, validates each against its schema, and only then hands all
// of them to the watermill publisher in one call. It is safe for concurrent
// use.
type BusPublisher struct {
	cfg BusPublisherConfig
}

// NewBusPublisher checks cfg and returns a publisher.
func NewBusPublisher(cfg BusPublisherConfig) (*BusPublisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus publisher config: %w", err)
	}
	if cfg.Validator == nil {
		v, err := NewValidator()
		if err != nil {
			return nil, err
		}
		cfg.Validator = v
	}
	return &BusPublisher{cfg: cfg}, nil
}

// Publish validates every detail (an invalid one fails the call before
// anything is sent) and publishes them all. It returns nil only once the bus
// accepted every detail. With an *EventBridgePublisher underneath, an error
// that is a *PublishError names the messages refused.
func (p *BusPublisher) Publish(ctx context.Context, details ...Detail) error {
	msgs := make([]*message.Message, 0, len(details))
	for _, d := range details {
		if d == nil {
			return errors.New("publishing: nil detail")
		}
		m, err := NewMessage(ctx, watermill.NewUUID(), d)
		if err != nil {
			return fmt.Errorf("publishing: %w", err)
		}
		if err := p.cfg.Validator.Validate(d.DetailType(), m.Payload); err != nil {
			return fmt.Errorf("publishing: %w", err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	if cp, ok := p.cfg.Publisher.(interface {
		PublishContext(context.Context, string, ...*message.Message) error
	}); ok {
		return cp.PublishContext(ctx, p.cfg.Bus, msgs...)
	}
	return p.cfg.Publisher.Publish(p.cfg.Bus, msgs...)
}

var _ Publisher = (*BusPublisher)(nil)
var _ message.Publisher = (*EventBridgePublisher)(nil)
