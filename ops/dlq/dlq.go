// Package dlq inspects and replays SQS dead-letter queues: list the queues
// that are some queue's DLQ, show their messages without consuming them,
// replay them to their source queue (or another) with filters, a limit, a
// rate and a dry run, and purge them.
//
// Replay never loses a message: a message is deleted from the dead-letter
// queue only after SQS accepted its copy, so a replay killed at any moment
// leaves every message in the DLQ, at the destination, or (for the batch in
// flight) in both.
package dlq

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// Config configures a Tool.
type Config struct {
	// Client talks to SQS. Required.
	Client *sqs.Client
	// AllowMoveTask lets an unfiltered, unlimited, non-dry-run replay use
	// SQS's StartMessageMoveTask instead of copying messages itself. The
	// CLI sets it on real AWS (no endpoint override).
	AllowMoveTask bool
	// LocalEndpoint says the endpoint is a local one (localaws, ElasticMQ)
	// whose short polls see the whole queue: receives then short-poll
	// unless WaitTime says otherwise, so a replay or show ends as soon as
	// the queue has nothing more instead of after a long poll's wait. The
	// CLI sets it whenever an endpoint override is in effect.
	LocalEndpoint bool
	// Concurrency is the number of receive/copy/delete loops a replay
	// runs, 1 to 64; 0 means DefaultConcurrency.
	Concurrency int
	// HoldVisibility is how long a replay keeps a received message
	// invisible while it copies it (or, for messages it leaves alone,
	// until it releases them at the end). A killed replay's messages come
	// back after it. Default 2m.
	HoldVisibility time.Duration
	// PeekVisibility is the visibility a show or list asks for before it
	// sets it straight back to zero. Default 30s.
	PeekVisibility time.Duration
	// WaitTime is the long-poll wait of one receive (up to 20s, whole
	// seconds). Default 1s, or short polling with LocalEndpoint; negative
	// means short polling, which on AWS samples only some servers and may
	// come back empty too early.
	WaitTime time.Duration
	// IdleReceives is how many receives in a row that bring nothing new
	// end a replay loop (the DLQ is drained or every message was seen).
	// Default 1.
	IdleReceives int
	// PollInterval is how often a move task's progress is read. Default 2s.
	PollInterval time.Duration
	// CallTimeout bounds calls made after ctx ended (releasing held
	// messages). Default 10s.
	CallTimeout time.Duration
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// DefaultConcurrency is Config.Concurrency's default.
const DefaultConcurrency = 4

func (c *Config) setDefaults() {
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.HoldVisibility = cmp.Or(c.HoldVisibility, 2*time.Minute)
	c.PeekVisibility = cmp.Or(c.PeekVisibility, 30*time.Second)
	if c.LocalEndpoint && c.WaitTime == 0 {
		c.WaitTime = -1
	}
	c.WaitTime = cmp.Or(c.WaitTime, time.Second)
	c.IdleReceives = cmp.Or(c.IdleReceives, 1)
	c.PollInterval = cmp.Or(c.PollInterval, 2*time.Second)
	c.CallTimeout = cmp.Or(c.CallTimeout, 10*time.Second)
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.If(c.Client == nil, "client is required")
	errs.If(c.Concurrency < 1 || c.Concurrency > 64, "concurrency must be 1..64")
	errs.If(c.HoldVisibility < time.Second || c.HoldVisibility > 12*time.Hour, "hold visibility must be 1s..12h")
	errs.If(c.PeekVisibility < time.Second || c.PeekVisibility > 12*time.Hour, "peek visibility must be 1s..12h")
	errs.If(c.WaitTime > 20*time.Second, "wait time must be at most 20s")
	errs.If(c.IdleReceives < 1, "idle receives must be at least 1")
	errs.If(c.PollInterval <= 0 || c.CallTimeout <= 0, "poll interval and call timeout must be positive")
	return errs.Err()
}

// Tool runs the dead-letter-queue operations. It is safe for concurrent use.
type Tool struct {
	cfg Config
}

// New checks cfg and returns a Tool.
func New(cfg Config) (*Tool, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dlq config: %w", err)
	}
	return &Tool{cfg: cfg}, nil
}

// seconds rounds d up to whole seconds for SQS's int32 fields.
func seconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	return int32((d + time.Second - 1) / time.Second)
}
