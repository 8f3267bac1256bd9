package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// WebhookConfig configures the payment-provider webhook edge. NewWebhook
// calls setDefaults and Validate.
type WebhookConfig struct {
	// Secrets verify provider signatures (several during a rotation).
	// Required.
	Secrets []string
	// Bus receives the mapped events. Required.
	Bus Bus
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *WebhookConfig) setDefaults() {
	c.Bus.setDefaults()
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c *WebhookConfig) Validate() error {
	var errs []error
	if len(c.Secrets) == 0 {
		errs = append(errs, errors.New("webhook: a webhook secret is required"))
	}
	if err := c.Bus.validate(); err != nil {
		errs = append(errs, fmt.Errorf("webhook: %w", err))
	}
	return errors.Join(errs...)
}

// NewWebhook builds the webhook edge: POST /v1/webhooks/payments. It
// needs the webhook secrets and the bus, nothing else.
func NewWebhook(cfg WebhookConfig) (*Edge, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newEdge("webhook", cfg.Bus, cfg.Logger, func(pub events.Publisher, log *slog.Logger) (edgeHandler, error) {
		return webhook.New(webhook.Config{Secrets: cfg.Secrets, Publisher: pub, Logger: log})
	}, Route{Pattern: "POST " + webhook.Path, Name: "webhook"})
}
