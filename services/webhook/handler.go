// Package webhook is the payment-provider ingress: an http.Handler (and a
// Lambda entry behind API Gateway HTTP API v2) for POST /v1/webhooks/payments
// that verifies Stripe-Signature, maps the Stripe event to payment details
// and publishes them, answering 2xx only once the bus accepted them all.
//
// Status codes: 200 accepted (or ignored type); 400 malformed body;
// 401 missing, bad or stale signature; 405 not POST; 413 body too large;
// 503 publishing failed (the provider retries). Every answer is JSON.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/stripeevent"
	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// Handler serves the payment webhook. It is safe for concurrent use.
type Handler struct {
	cfg Config
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook config: %w", err)
	}
	cfg.Secrets = append([]string(nil), cfg.Secrets...)
	return &Handler{cfg: cfg}, nil
}

// reply is the JSON answer of every request.
type reply struct {
	Received  bool           `json:"received,omitempty"`
	EventID   string         `json:"event_id,omitempty"`
	EventType string         `json:"event_type,omitempty"`
	Ignored   bool           `json:"ignored,omitempty"`
	Published []string       `json:"published,omitempty"` // detail-types
	Error     *httpapi.Error `json:"error,omitempty"`
}

// result is a status code and its JSON body.
type result struct {
	status int
	body   reply
}

func failure(status int, code, msg string) result {
	return result{status, reply{Error: &httpapi.Error{Code: code, Message: msg}}}
}

// process verifies, maps and publishes one webhook; ServeHTTP only moves
// bytes in and out.
func (h *Handler) process(ctx context.Context, signature string, body []byte) result {
	log := h.cfg.Logger
	if err := Verify(signature, body, h.cfg.Secrets, h.cfg.Tolerance, h.cfg.Now()); err != nil {
		log.WarnContext(ctx, "webhook rejected", "err", err, "bytes", len(body))
		code := "bad_signature"
		if errors.Is(err, ErrStale) {
			code = "stale_signature"
		}
		return failure(http.StatusUnauthorized, code, err.Error())
	}
	ev, err := stripeevent.Map(body)
	if err != nil {
		log.WarnContext(ctx, "webhook malformed", "err", err)
		return failure(http.StatusBadRequest, "malformed_event", err.Error())
	}
	if events.CorrelationID(ctx) == "" {
		ctx = events.WithCorrelationID(ctx, ev.ID)
	}
	out := reply{Received: true, EventID: ev.ID, EventType: ev.Type}
	if len(ev.Details) == 0 {
		log.InfoContext(ctx, "webhook ignored", "event_id", ev.ID, "type", ev.Type)
		out.Ignored = true
		return result{http.StatusOK, out}
	}
	pctx, cancel := context.WithTimeout(ctx, h.cfg.PublishTimeout)
	defer cancel()
	if err := h.cfg.Publisher.Publish(pctx, ev.Details...); err != nil {
		log.ErrorContext(ctx, "webhook publish failed", "event_id", ev.ID, "type", ev.Type, "err", err)
		return failure(http.StatusServiceUnavailable, "publish_failed", "the event was not accepted; retry later")
	}
	for _, d := range ev.Details {
		out.Published = append(out.Published, d.DetailType())
	}
	log.InfoContext(ctx, "webhook published", "event_id", ev.ID, "type", ev.Type, "details", len(ev.Details))
	return result{http.StatusOK, out}
}
