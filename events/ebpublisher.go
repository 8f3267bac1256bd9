package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// EventBridge's PutEvents limits.
const (
	// MaxPutEventsEntries is the most entries one PutEvents call takes.
	MaxPutEventsEntries = 10
	// MaxEventBytes is the most one event may weigh, as EventBridge
	// counts it (see EntrySize).
	MaxEventBytes = 1 << 20
)

// EventBridgeAPI is what EventBridgePublisher needs of an EventBridge
// client (*eventbridge.Client).
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EventBridgePublisherConfig configures an EventBridgePublisher.
type EventBridgePublisherConfig struct {
	// Client sends PutEvents. Required.
	Client EventBridgeAPI
	// MaxAttempts bounds the PutEvents attempts of one entry. Default 5.
	MaxAttempts int
	// InitialBackoff is the wait before the second attempt; it doubles
	// each attempt (with jitter) up to MaxBackoff. Defaults 100ms and 5s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// MaxBatchBytes bounds the summed EntrySize of one PutEvents call.
	// Default MaxEventBytes.
	MaxBatchBytes int
	// Concurrency bounds the PutEvents calls in flight for one Publish.
	// Default 4.
	Concurrency int
	// Logger receives retry logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *EventBridgePublisherConfig) setDefaults() {
	c.MaxAttempts = cmp.Or(c.MaxAttempts, 5)
	c.InitialBackoff = cmp.Or(c.InitialBackoff, 100*time.Millisecond)
	c.MaxBackoff = cmp.Or(c.MaxBackoff, 5*time.Second)
	c.MaxBatchBytes = cmp.Or(c.MaxBatchBytes, MaxEventBytes)
	c.Concurrency = cmp.Or(c.Concurrency, 4)
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c EventBridgePublisherConfig) Validate() error {
	var errs problems.List
	errs.If(c.Client == nil, "client is required")
	errs.If(c.MaxAttempts < 1, "max attempts must be at least 1")
	errs.If(c.InitialBackoff < 0 || c.MaxBackoff < c.InitialBackoff, "backoffs must satisfy 0 <= initial <= max")
	errs.If(c.MaxBatchBytes < 1, "max batch bytes must be positive")
	errs.If(c.Concurrency < 1, "concurrency must be at least 1")
	return errs.Err()
}

// EventBridgePublisher is a watermill message.Publisher that puts messages
// on an EventBridge bus (the topic: a bus name or ARN). The payload is the
// detail, a JSON object; metadata MetadataSource and MetadataDetailType are
// required, MetadataResources optional. The UUID and the other metadata
// travel in the detail's DetailMessageMember, for SQSSubscriber to give
// back (keys that describe one delivery, such as MetadataReceiveCount or
// the poison marks, are left behind). Messages are packed into PutEvents calls of
// at most MaxPutEventsEntries entries and MaxBatchBytes; entries the bus
// rejects with a retryable code (throttling, internal failure) are retried
// alone with exponential backoff. It is safe for concurrent use.
type EventBridgePublisher struct {
	cfg    EventBridgePublisherConfig
	mu     sync.RWMutex
	closed bool
}

// NewEventBridgePublisher checks cfg and returns a publisher.
func NewEventBridgePublisher(cfg EventBridgePublisherConfig) (*EventBridgePublisher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("eventbridge publisher config: %w", err)
	}
	return &EventBridgePublisher{cfg: cfg}, nil
}

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("publisher closed")

// RejectedEntry is one message the bus finally refused.
type RejectedEntry struct {
	MessageUUID string
	Code        string
	Message     string
}

// PublishError lists the messages that were not published; every other
// message of the call was accepted by the bus.
type PublishError struct {
	Rejected []RejectedEntry
}

func (e *PublishError) Error() string {
	parts := make([]string, 0, len(e.Rejected))
	for i, r := range e.Rejected {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Rejected)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %s %s", r.MessageUUID, r.Code, r.Message))
	}
	return fmt.Sprintf("%d events not published: %s", len(e.Rejected), strings.Join(parts, "; "))
}

// Publish publishes msgs with the context of the first one. It returns nil
// only once the bus accepted every message; otherwise a *PublishError (some
// entries refused) or the call's error.
func (p *EventBridgePublisher) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return p.PublishContext(msgs[0].Context(), topic, msgs...)
}

// PublishContext is Publish under ctx.
func (p *EventBridgePublisher) PublishContext(ctx context.Context, bus string, msgs ...*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPublisherClosed
	}
	if bus == "" {
		return errors.New("publishing: bus name is empty")
	}
	entries := make([]pendingEntry, 0, len(msgs))
	now := time.Now().UTC()
	for _, m := range msgs {
		e, err := toEntry(bus, m, now)
		if err != nil {
			return fmt.Errorf("publishing message %s: %w", m.UUID, err)
		}
		entries = append(entries, e)
	}
	batches, err := packBatches(entries, p.cfg.MaxBatchBytes)
	if err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		rejected []RejectedEntry
		callErrs []error
		sem      = make(chan struct{}, p.cfg.Concurrency)
	)
	for _, b := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rej, err := p.sendBatch(ctx, b)
			mu.Lock()
			defer mu.Unlock()
			rejected = append(rejected, rej...)
			if err != nil {
				callErrs = append(callErrs, err)
			}
		}()
	}
	wg.Wait()
	if len(rejected) > 0 {
		callErrs = append(callErrs, &PublishError{Rejected: rejected})
	}
	return errors.Join(callErrs...)
}

// Close makes later Publish calls fail; calls in progress finish.
func (p *EventBridgePublisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}

type pendingEntry struct {
	uuid  string
	entry ebtypes.PutEventsRequestEntry
	size  int
}

func toEntry(bus string, m *message.Message, now time.Time) (pendingEntry, error) {
	source, dtype := m.Metadata.Get(MetadataSource), m.Metadata.Get(MetadataDetailType)
	if source == "" || dtype == "" {
		return pendingEntry{}, errors.New("metadata lacks source or detail-type")
	}
	detail, err := stampMessage(m.Payload, m.UUID, m.Metadata)
	if err != nil {
		return pendingEntry{}, err
	}
	e := ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(bus),
		Source:       aws.String(source),
		DetailType:   aws.String(dtype),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(now),
	}
	if r := m.Metadata.Get(MetadataResources); r != "" {
		e.Resources = strings.Split(r, ",")
	}
	size := EntrySize(e)
	if size > MaxEventBytes {
		return pendingEntry{}, fmt.Errorf("event is %d bytes, limit %d", size, MaxEventBytes)
	}
	return pendingEntry{uuid: m.UUID, entry: e, size: size}, nil
}

// EntrySize is an entry's size as EventBridge counts it against its limits:
// 14 bytes for a time, plus the UTF-8 bytes of source, detail-type, detail
// and every resource.
func EntrySize(e ebtypes.PutEventsRequestEntry) int {
	n := 0
	if e.Time != nil {
		n += 14
	}
	n += len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// packBatches groups entries in order into batches of at most
// MaxPutEventsEntries entries and maxBytes.
func packBatches(entries []pendingEntry, maxBytes int) ([][]pendingEntry, error) {
	var out [][]pendingEntry
	var cur []pendingEntry
	curBytes := 0
	for _, e := range entries {
		if e.size > maxBytes {
			return nil, fmt.Errorf("message %s: event is %d bytes, batch limit %d", e.uuid, e.size, maxBytes)
		}
		if len(cur) == MaxPutEventsEntries || curBytes+e.size > maxBytes {
			out = append(out, cur)
			cur, curBytes = nil, 0
		}
		cur = append(cur, e)
		curBytes += e.size
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// sendBatch puts one batch, retrying the entries that failed retryably. It
// returns the entries finally refused, and the last call error if the call
// itself kept failing.
func (p *EventBridgePublisher) sendBatch(ctx context.Context, batch []pendingEntry) ([]RejectedEntry, error) {
	pending := batch
	var rejected []RejectedEntry
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if err := sleepCtx(ctx, backoff(p.cfg.InitialBackoff, p.cfg.MaxBackoff, attempt-1)); err != nil {
				return append(rejected, rejectAll(pending, "Canceled", err.Error())...), nil
			}
		}
		in := &eventbridge.PutEventsInput{Entries: make([]ebtypes.PutEventsRequestEntry, len(pending))}
		for i, e := range pending {
			in.Entries[i] = e.entry
		}
		out, err := p.cfg.Client.PutEvents(ctx, in)
		if err != nil {
			if ctx.Err() != nil || attempt >= p.cfg.MaxAttempts {
				return append(rejected, rejectAll(pending, "CallFailed", err.Error())...), fmt.Errorf("put events: %w", err)
			}
			p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "put events failed, retrying",
				slog.Int("entries", len(pending)), slog.Int("attempt", attempt), slog.String("err", err.Error()))
			continue
		}
		if len(out.Entries) != len(pending) {
			return append(rejected, rejectAll(pending, "BadResponse",
				fmt.Sprintf("%d result entries for %d events", len(out.Entries), len(pending)))...), nil
		}
		var retry []pendingEntry
		for i, r := range out.Entries {
			code := aws.ToString(r.ErrorCode)
			switch {
			case code == "" && aws.ToString(r.EventId) != "":
				// accepted
			case retryableEntryCode(code) && attempt < p.cfg.MaxAttempts:
				retry = append(retry, pending[i])
			default:
				rejected = append(rejected, RejectedEntry{MessageUUID: pending[i].uuid, Code: code, Message: aws.ToString(r.ErrorMessage)})
			}
		}
		if len(retry) > 0 {
			p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "put events: entries failed, retrying them",
				slog.Int("failed", len(retry)), slog.Int("of", len(pending)), slog.Int("attempt", attempt))
		}
		pending = retry
	}
	return rejected, nil
}

func rejectAll(entries []pendingEntry, code, msg string) []RejectedEntry {
	out := make([]RejectedEntry, len(entries))
	for i, e := range entries {
		out[i] = RejectedEntry{MessageUUID: e.uuid, Code: code, Message: msg}
	}
	return out
}

// retryableEntryCode reports whether a PutEvents entry error may succeed
// on retry. Validation-style codes never do.
func retryableEntryCode(code string) bool {
	switch code {
	case "", "ValidationException", "MalformedDetail", "InvalidArgument", "AccessDeniedException",
		"NotAuthorizedForSourceException", "NotAuthorizedForDetailTypeException", "ResourceNotFoundException":
		return false
	}
	return true
}

// backoff is the wait after the n-th failure (n >= 1): initial*2^(n-1)
// capped at max, with jitter in its upper half.
func backoff(initial, max time.Duration, n int) time.Duration {
	d := initial
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
