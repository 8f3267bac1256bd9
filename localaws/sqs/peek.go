package sqs

import "context"

// Peek limits: the messages one PeekMessages returns.
const (
	defaultPeek = 100
	maxPeek     = 1000
)

// Message states as PeekMessages reports them.
const (
	PeekVisible  = "VISIBLE"
	PeekInFlight = "IN_FLIGHT"
	PeekDelayed  = "DELAYED"
)

// PeekInput is the input of PeekMessages, an operation of localaws's own
// (package localaws serves it in the LocalAWSExtensions namespace).
type PeekInput struct {
	QueueURL string `json:"QueueUrl"`
	// MaxNumberOfMessages is how many messages to return, oldest first:
	// 1 to 1000, default 100.
	MaxNumberOfMessages *int32 `json:"MaxNumberOfMessages"`
}

// PeekOutput is what PeekMessages answers: the queue's messages in every
// state and its counts, all taken at one instant.
type PeekOutput struct {
	Messages []PeekedMessage `json:"Messages"`
	// Visible, InFlight and Delayed count every message of the queue, as
	// GetQueueAttributes's approximate counts would at that instant.
	Visible  int `json:"ApproximateNumberOfMessages"`
	InFlight int `json:"ApproximateNumberOfMessagesNotVisible"`
	Delayed  int `json:"ApproximateNumberOfMessagesDelayed"`
	// OldestSentTimestamp is the SentTimestamp (unix ms) of the oldest
	// message in any state; 0 when the queue is empty.
	OldestSentTimestamp int64 `json:"OldestSentTimestamp,omitempty"`
}

// PeekedMessage is one message as PeekMessages shows it: what
// ReceiveMessage would return with every attribute asked for, without a
// receipt handle, and its state.
type PeekedMessage struct {
	MessageID string `json:"MessageId"`
	MD5OfBody string `json:"MD5OfBody"`
	Body      string `json:"Body"`
	// State is VISIBLE, IN_FLIGHT or DELAYED.
	State string `json:"State"`
	// VisibleAt is when an in-flight or delayed message becomes
	// receivable (unix ms).
	VisibleAt int64 `json:"VisibleTimestamp,omitempty"`
	// Attributes are the system attributes (SentTimestamp,
	// ApproximateReceiveCount, DeadLetterQueueSourceArn, ...).
	Attributes        map[string]string        `json:"Attributes"`
	MessageAttributes map[string]PeekAttribute `json:"MessageAttributes,omitempty"`
}

// PeekAttribute is a message attribute, as ReceiveMessage returns it.
type PeekAttribute struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue,omitempty"`
	BinaryValue []byte  `json:"BinaryValue,omitempty"`
}

// PeekMessages lists a queue's messages without touching them: no receive
// count goes up, no visibility changes, nothing is written to the log. It
// sees in-flight and delayed messages too, which no SQS operation shows.
// A message whose delay or visibility timeout has run out is VISIBLE, and
// one past the retention period is left out, as a receive would see them.
func (s *Service) PeekMessages(ctx context.Context, in *PeekInput) (*PeekOutput, error) {
	n := defaultPeek
	if in.MaxNumberOfMessages != nil {
		if *in.MaxNumberOfMessages < 1 || *in.MaxNumberOfMessages > maxPeek {
			return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and %d, if provided.", *in.MaxNumberOfMessages, maxPeek)
		}
		n = int(*in.MaxNumberOfMessages)
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return nil, err
	}
	now := s.nowMs()
	out := &PeekOutput{Messages: []PeekedMessage{}}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errQueueDoesNotExist()
	}
	cutoff := now - int64(q.set.retention)*1000
	for i := 0; i < q.order.len(); i++ {
		m := q.order.at(i)
		if m.state == stateDeleted || m.sentAt <= cutoff {
			continue
		}
		state := peekState(m, now)
		switch state {
		case PeekVisible:
			out.Visible++
		case PeekInFlight:
			out.InFlight++
		default:
			out.Delayed++
		}
		if out.OldestSentTimestamp == 0 || m.sentAt < out.OldestSentTimestamp {
			out.OldestSentTimestamp = m.sentAt
		}
		if len(out.Messages) < n {
			out.Messages = append(out.Messages, peeked(m, state))
		}
	}
	return out, nil
}

// peekState is the state m is in at now, which may be ahead of its
// recorded state (the sweep has not promoted it yet).
func peekState(m *message, now int64) string {
	switch {
	case m.state == stateReady || m.visibleAt <= now:
		return PeekVisible
	case m.state == stateInflight:
		return PeekInFlight
	}
	return PeekDelayed
}

func peeked(m *message, state string) PeekedMessage {
	p := PeekedMessage{MessageID: m.id, MD5OfBody: m.md5Body, Body: m.body, State: state,
		Attributes: map[string]string{}}
	if state != PeekVisible {
		p.VisibleAt = m.visibleAt
	}
	for _, a := range m.systemAttributes(sysAll) {
		p.Attributes[a.Name] = a.Value
	}
	if len(m.attrs) > 0 {
		p.MessageAttributes = make(map[string]PeekAttribute, len(m.attrs))
		for _, a := range m.attrs {
			v := PeekAttribute{DataType: a.dataType}
			if a.isBinary() {
				v.BinaryValue = a.bin
			} else {
				v.StringValue = &a.str
			}
			p.MessageAttributes[a.name] = v
		}
	}
	return p
}
