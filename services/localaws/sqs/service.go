// Package sqs is localaws's SQS engine: queues and messages kept in memory,
// every change recorded in a durable log (package storage), served over the
// AWS JSON 1.0 protocol exactly as aws-sdk-go-v2's sqs client speaks it.
package sqs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/licenseflow/licenseflow/services/localaws/awsjson"
	"github.com/licenseflow/licenseflow/services/localaws/storage"
)

// ErrQueueNotFound is wrapped by SendInternal when the queue does not exist.
var ErrQueueNotFound = errors.New("sqs: queue not found")

// Config configures a Service.
type Config struct {
	// Log is the durable log (Dir "" means memory). Required.
	Log *storage.Log
	// Region used in ARNs. Default "us-east-1".
	Region string
	// AccountID used in ARNs and queue URLs. Default "000000000000".
	AccountID string
	// BaseURL prefixes queue URLs: BaseURL/ACCOUNT/NAME.
	BaseURL string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// Service is the SQS engine. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New replays cfg.Log and starts background work.
func New(cfg Config) (*Service, error) {
	return &Service{cfg: cfg}, nil
}

// Handle serves one SQS request; op is the X-Amz-Target after "AmazonSQS.".
func (s *Service) Handle(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	awsjson.WriteError(w, "application/x-amz-json-1.0", "com.amazonaws.sqs#",
		awsjson.Errorf("InvalidAction", "not implemented: %s", op))
}

// SendInternal sends a message to the queue with the given ARN, durably.
func (s *Service) SendInternal(ctx context.Context, queueARN, body string, attrs map[string]string, groupID, dedupID string) (string, error) {
	return "", ErrQueueNotFound
}

// Close stops background work and ends long polls.
func (s *Service) Close() error { return nil }
