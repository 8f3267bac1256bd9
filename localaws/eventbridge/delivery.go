package eventbridge

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// delivery is one event on its way to one target. Failed deliveries wait
// in the log (opPending) for their next attempt.
type delivery struct {
	ID         string `json:"id"`
	Queue      string `json:"q"`
	Body       string `json:"body"`
	Event      string `json:"ev,omitempty"` // the event, when Body is a transformation of it
	GroupID    string `json:"g,omitempty"`
	DedupID    string `json:"d,omitempty"`
	RuleARN    string `json:"rule"`
	TargetID   string `json:"tid"`
	DLQ        string `json:"dlq,omitempty"`
	MaxRetries int    `json:"mr"`
	Deadline   int64  `json:"dl"` // unix ms: MaximumEventAgeInSeconds after ingestion
	Attempts   int    `json:"a"`  // failed attempts so far
	NextAt     int64  `json:"at"` // unix ms of the next attempt
	ErrCode    string `json:"ec,omitempty"`
	ErrMessage string `json:"em,omitempty"`
	// HTTP is the resolved HttpParameters of an API destination target.
	HTTP *httpCall `json:"http,omitempty"`
	// Hops counts the event buses the event crossed to get here.
	Hops int `json:"h,omitempty"`

	index int // in the retry heap; -1 while an attempt runs
}

// httpCall is the path parameters, headers and query strings of one call
// of an API destination.
type httpCall struct {
	Path    []string          `json:"path,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Query   map[string]string `json:"query,omitempty"`
}

// kind is the delivery's target kind.
func (d *delivery) kind() string { return targetKind(d.Queue) }

// message is what the target queue receives.
func (d *delivery) message() QueueMessage {
	return QueueMessage{Body: d.Body, MessageGroupID: d.GroupID, MessageDeduplicationID: d.DedupID}
}

// failed counts a failed attempt.
func (d *delivery) failed(err error) {
	d.Attempts++
	d.ErrCode, d.ErrMessage = errorCode(err), err.Error()
}

// exhausted names the RetryPolicy limit the delivery reached, or "".
func (d *delivery) exhausted(now time.Time) string {
	if d.Attempts > d.MaxRetries {
		return "MaximumRetryAttempts"
	}
	if now.UnixMilli() >= d.Deadline {
		return "MaximumEventAgeInSeconds"
	}
	return ""
}

// event is the original event, the body of a dead-letter message.
func (d *delivery) event() string {
	if d.Event != "" {
		return d.Event
	}
	return d.Body
}

// errorCode classifies a delivery error with the codes AWS puts in
// ERROR_CODE.
func errorCode(err error) string {
	var te *targetError
	if errors.As(err, &te) {
		return te.code
	}
	msg := strings.ToLower(err.Error())
	if errors.Is(err, ErrQueueNotFound) || strings.Contains(msg, "queue not found") ||
		strings.Contains(msg, "does not exist") {
		return "RESOURCE_NOT_FOUND"
	}
	return "SDK_CLIENT_ERROR"
}

// dlqMessage is what the target's dead-letter queue receives: the event,
// with the attributes AWS documents saying why it is there.
func (d *delivery) dlqMessage(condition string) QueueMessage {
	m := QueueMessage{
		Body: d.event(),
		Attributes: map[string]string{
			"ERROR_CODE":     d.ErrCode,
			"ERROR_MESSAGE":  d.ErrMessage,
			"RETRY_ATTEMPTS": strconv.Itoa(max(d.Attempts-1, 0)),
			"RULE_ARN":       d.RuleARN,
			"TARGET_ARN":     d.Queue,
		},
	}
	if condition != "" { // "" when the error is not one to retry
		m.Attributes["EXHAUSTED_RETRY_CONDITION"] = condition
	}
	if strings.HasSuffix(d.DLQ, ".fifo") {
		m.MessageGroupID = d.GroupID
		if m.MessageGroupID == "" {
			m.MessageGroupID = d.RuleARN
		}
		m.MessageDeduplicationID = d.ID
		if len(m.MessageDeduplicationID) > 128 {
			m.MessageDeduplicationID = m.MessageDeduplicationID[:128]
		}
	}
	return m
}
