package events

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Metadata keys a handler sets on a message it gives up on (a Permanent
// error); the SQS subscriber copies them into the dead-letter message's
// attributes together with MetadataPoisonSource, and the DLQ tooling
// (ops/dlq) reads them back as the reason the message is dead.
const (
	MetadataPoisonReason  = "reason_poisoned"
	MetadataPoisonHandler = "handler_poisoned"
	MetadataPoisonSource  = "topic_poisoned"
)

// MarkPoison records on msg that handler gave up on it for reason. A
// subscriber that understands the mark (ours) sends the message to its
// dead-letter queue when it is nacked instead of retrying it.
func MarkPoison(msg *message.Message, handler string, reason error) {
	r := reason.Error()
	if len(r) > maxReasonBytes {
		r = r[:maxReasonBytes]
	}
	msg.Metadata.Set(MetadataPoisonReason, r)
	msg.Metadata.Set(MetadataPoisonHandler, handler)
}

// maxReasonBytes bounds a poison reason (it travels as a message attribute).
const maxReasonBytes = 1024

// hop is what the middlewares learn about the event of one message.
type hop struct {
	id, detailType, source, correlationID string
}

type hopKey struct{}

func hopOf(ctx context.Context) hop {
	h, _ := ctx.Value(hopKey{}).(hop)
	return h
}

// CorrelationMiddleware reads the event's id, detail-type and
// detail.correlation_id from the payload and puts the correlation id into
// the message context (WithCorrelationID) for the handler and for
// LogMiddleware. A payload that is not an envelope passes through untouched.
func CorrelationMiddleware(next message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		var head struct {
			ID         string `json:"id"`
			DetailType string `json:"detail-type"`
			Source     string `json:"source"`
			Detail     struct {
				CorrelationID any `json:"correlation_id"`
			} `json:"detail"`
		}
		if json.Unmarshal(msg.Payload, &head) == nil {
			cid, _ := head.Detail.CorrelationID.(string)
			ctx := context.WithValue(msg.Context(), hopKey{}, hop{head.ID, head.DetailType, head.Source, cid})
			if cid != "" {
				ctx = WithCorrelationID(ctx, cid)
			}
			msg.SetContext(ctx)
		}
		return next(msg)
	}
}

// TimeoutMiddleware ends the handler's context after d.
func TimeoutMiddleware(d time.Duration) message.HandlerMiddleware {
	return func(next message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx, cancel := context.WithTimeout(msg.Context(), d)
			defer cancel()
			msg.SetContext(ctx)
			return next(msg)
		}
	}
}

// RecoverMiddleware turns a handler panic into a *PanicError, a retryable
// failure: the message is nacked and delivered again.
func RecoverMiddleware(next message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) (out []*message.Message, err error) {
		err = callSafely(func() error {
			var e error
			out, e = next(msg)
			return e
		})
		return out, err
	}
}

// LogMiddleware logs one line per handled message: handler, queue, event
// id, detail-type, correlation id, receive count, latency and outcome (ack,
// retry or dead-letter). Failures log at Warn (Error for a panic, with its
// stack), their error under "err". It is the one place a handler's error is
// logged: the Router does not log it again.
func LogMiddleware(l *slog.Logger) message.HandlerMiddleware {
	return func(next message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			start := time.Now()
			out, err := next(msg)
			ctx := msg.Context()
			h := hopOf(ctx)
			handled{
				handler:       message.HandlerNameFromCtx(ctx),
				queue:         message.SubscribeTopicFromCtx(ctx),
				messageID:     sqsMessageID(msg),
				eventID:       h.id,
				detailType:    h.detailType,
				correlationID: CorrelationID(ctx),
				receiveCount:  msg.Metadata.Get(MetadataReceiveCount),
				latency:       time.Since(start),
				err:           err,
			}.log(ctx, l)
			if err != nil {
				err = loggedError{err}
			}
			return out, err
		}
	}
}

// handled is one handled message, as LogMiddleware and SQSLambdaHandler
// log it.
type handled struct {
	handler, queue, messageID, eventID, detailType, correlationID, receiveCount string
	latency                                                                     time.Duration
	err                                                                         error
}

func (h handled) log(ctx context.Context, l *slog.Logger) {
	attrs := []slog.Attr{
		slog.String("handler", h.handler),
		slog.String("queue", h.queue),
		slog.String("message_id", h.messageID),
		slog.String("event_id", h.eventID),
		slog.String("detail_type", h.detailType),
		slog.String("correlation_id", h.correlationID),
		slog.String("receive_count", h.receiveCount),
		slog.Duration("latency", h.latency),
		slog.String("outcome", outcome(h.err)),
	}
	level := slog.LevelInfo
	if h.err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("err", h.err.Error()))
		var p *PanicError
		if errors.As(h.err, &p) {
			level = slog.LevelError
			attrs = append(attrs, slog.String("stack", string(p.Stack)))
		}
	}
	l.LogAttrs(context.WithoutCancel(ctx), level, "event handled", attrs...)
}

// sqsMessageID is the SQS MessageId of msg (what the queue and the DLQ
// tooling name it by), or its UUID when it did not come from our subscriber.
func sqsMessageID(msg *message.Message) string {
	if id := msg.Metadata.Get(MetadataMessageID); id != "" {
		return id
	}
	return msg.UUID
}

// HandlerFunc adapts h to watermill: the payload must be an EventBridge
// envelope whose detail validates (else the error is Permanent); h runs with
// the message context. A Permanent error marks the message as poison
// (MarkPoison) before it is nacked.
func HandlerFunc(v *Validator, h Handler) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		_, err := consume(msg.Context(), v, h, msg.Payload)
		if IsPermanent(err) {
			MarkPoison(msg, message.HandlerNameFromCtx(msg.Context()), err)
		}
		return err
	}
}
