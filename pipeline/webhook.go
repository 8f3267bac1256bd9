package pipeline

import (
	"log/slog"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// WebhookConfig configures the payment-provider webhook edge; its bus
// receives the mapped events. NewWebhook calls setDefaults and Validate.
type WebhookConfig struct {
	EdgeConfig
	// Secrets verify provider signatures (several during a rotation).
	// Required.
	Secrets []string
}

// Validate reports every problem with the configuration.
func (c *WebhookConfig) Validate() error {
	var errs problems.List
	errs.If(len(c.Secrets) == 0, "webhook: a webhook secret is required")
	errs.Wrap("webhook", c.Bus.validate())
	return errs.Err()
}

// NewWebhook builds the webhook edge: POST /v1/webhooks/payments. It
// needs the webhook secrets and the bus, nothing else.
func NewWebhook(cfg WebhookConfig) (*Edge, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newEdge("webhook", cfg.EdgeConfig, func(pub events.Publisher, log *slog.Logger) (edgeHandler, error) {
		return webhook.New(webhook.Config{Secrets: cfg.Secrets, Publisher: pub, Logger: log})
	}, Route{Pattern: "POST " + webhook.Path, Name: "webhook"})
}
