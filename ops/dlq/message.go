package dlq

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/events"
)

// Attribute names EventBridge stamps on events a rule target could not
// take. Our subscriber stamps events.MetadataPoisonReason,
// events.MetadataPoisonHandler and events.MetadataPoisonSource on poison
// messages.
const (
	AttrErrorCode    = "ERROR_CODE"
	AttrErrorMessage = "ERROR_MESSAGE"
	AttrRuleARN      = "RULE_ARN"
	AttrTargetARN    = "TARGET_ARN"
)

// deathAttributes are shown as the message's Reason, in this order.
var deathAttributes = []string{events.MetadataPoisonReason, events.MetadataPoisonHandler, events.MetadataPoisonSource,
	AttrErrorCode, AttrErrorMessage, AttrRuleARN, AttrTargetARN, "EXHAUSTED_RETRY_CONDITION", "RETRY_ATTEMPTS"}

// Message is a dead-letter message as show prints it.
type Message struct {
	ID           string    `json:"id"`
	ReceiveCount int       `json:"receive_count"`
	SentAt       time.Time `json:"sent_at"`
	// GroupID and DeduplicationID are set on FIFO queues.
	GroupID         string `json:"group_id,omitempty"`
	DeduplicationID string `json:"deduplication_id,omitempty"`
	// SourceARN is the queue SQS moved it from (DeadLetterQueueSourceArn)
	// or, failing that, our subscriber's topic_poisoned attribute.
	SourceARN string `json:"source_arn,omitempty"`
	// Event summarises an EventBridge envelope body; nil for other bodies.
	Event *EventSummary `json:"event,omitempty"`
	// Reason holds the attributes that say why the message is dead.
	Reason map[string]string `json:"reason,omitempty"`
	// Attributes are all message attributes (String and Number values;
	// Binary ones as "<binary N bytes>").
	Attributes map[string]string `json:"attributes,omitempty"`
	Body       string            `json:"body"`
}

// EventSummary is what identifies an EventBridge event, and the company
// and correlation id its detail names.
type EventSummary struct {
	ID            string    `json:"id,omitempty"`
	Source        string    `json:"source"`
	DetailType    string    `json:"detail-type"`
	Time          time.Time `json:"time,omitzero"`
	CompanyID     string    `json:"company_id,omitempty"`
	CorrelationID string    `json:"correlation_id,omitempty"`
}

// ParseEvent returns the summary of an EventBridge envelope, or nil when
// body is not one.
func ParseEvent(body string) *EventSummary {
	var e struct {
		ID         string          `json:"id"`
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Time       time.Time       `json:"time"`
		Detail     json.RawMessage `json:"detail"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || e.Source == "" || e.DetailType == "" {
		return nil
	}
	var ids struct {
		CompanyID     any `json:"company_id"`
		CorrelationID any `json:"correlation_id"`
	}
	_ = json.Unmarshal(e.Detail, &ids) // a detail that is no object names neither
	company, _ := ids.CompanyID.(string)
	correlation, _ := ids.CorrelationID.(string)
	return &EventSummary{ID: e.ID, Source: e.Source, DetailType: e.DetailType, Time: e.Time,
		CompanyID: company, CorrelationID: correlation}
}

// View is the printable view of m, a message received with every system
// and message attribute: what show prints of it, its reason included.
func View(m sqstypes.Message) Message {
	v := Message{ID: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Event: ParseEvent(aws.ToString(m.Body))}
	sys := m.Attributes
	v.ReceiveCount, _ = strconv.Atoi(sys[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
	if ms, err := strconv.ParseInt(sys[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
		v.SentAt = time.UnixMilli(ms).UTC()
	}
	v.GroupID = sys[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
	v.DeduplicationID = sys[string(sqstypes.MessageSystemAttributeNameMessageDeduplicationId)]
	v.SourceARN = sourceARN(m)
	for k, a := range m.MessageAttributes {
		if v.Attributes == nil {
			v.Attributes = map[string]string{}
		}
		v.Attributes[k] = attrString(a)
	}
	for _, k := range deathAttributes {
		if s, ok := v.Attributes[k]; ok {
			if v.Reason == nil {
				v.Reason = map[string]string{}
			}
			v.Reason[k] = s
		}
	}
	return v
}

// sourceARN is where m came from: SQS's DeadLetterQueueSourceArn, else
// our subscriber's topic_poisoned attribute, else the queue an EventBridge
// target could not deliver it to (TARGET_ARN), else "".
func sourceARN(m sqstypes.Message) string {
	if s := m.Attributes["DeadLetterQueueSourceArn"]; s != "" {
		return s
	}
	for _, k := range []string{events.MetadataPoisonSource, AttrTargetARN} {
		if a, ok := m.MessageAttributes[k]; ok && strings.HasPrefix(aws.ToString(a.StringValue), "arn:") {
			return aws.ToString(a.StringValue)
		}
	}
	return ""
}

func attrString(a sqstypes.MessageAttributeValue) string {
	if a.StringValue != nil {
		return *a.StringValue
	}
	if a.BinaryValue != nil {
		return "<binary " + strconv.Itoa(len(a.BinaryValue)) + " bytes>"
	}
	return ""
}
