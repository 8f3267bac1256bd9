// Package eventbridge is localaws's EventBridge engine: buses, rules and SQS
// targets kept in memory, every change recorded in a durable log (package
// storage), served over the AWS JSON 1.1 protocol exactly as aws-sdk-go-v2's
// eventbridge client speaks it.
package eventbridge

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/licenseflow/licenseflow/services/localaws/awsjson"
	"github.com/licenseflow/licenseflow/services/localaws/storage"
)

// QueueMessage is one message a target delivers to an SQS queue.
type QueueMessage struct {
	Body string
	// Attributes are String message attributes (e.g. ERROR_CODE on target DLQ delivery).
	Attributes             map[string]string
	MessageGroupID         string
	MessageDeduplicationID string
}

// QueueSender delivers to SQS queues by ARN; it returns only once the message is durable.
type QueueSender interface {
	SendToQueue(ctx context.Context, queueARN string, m QueueMessage) error
}

// Config configures a Service.
type Config struct {
	// Log is the durable log (Dir "" means memory). Required.
	Log *storage.Log
	// Region used in ARNs. Default "us-east-1".
	Region string
	// AccountID used in ARNs. Default "000000000000".
	AccountID string
	// Queues delivers to SQS targets. Required.
	Queues QueueSender
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// Service is the EventBridge engine. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New replays cfg.Log and starts background work.
func New(cfg Config) (*Service, error) { return &Service{cfg: cfg}, nil }

// Handle serves one EventBridge request; op is the X-Amz-Target after "AWSEvents.".
func (s *Service) Handle(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	awsjson.WriteError(w, "application/x-amz-json-1.1", "",
		awsjson.Errorf("UnknownOperationException", "not implemented: %s", op))
}

// Close stops background work.
func (s *Service) Close() error { return nil }
