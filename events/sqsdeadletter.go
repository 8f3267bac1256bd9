package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// deadLetterARN reads deadLetterTargetArn from a queue's RedrivePolicy.
func deadLetterARN(redrivePolicy string) (string, error) {
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(redrivePolicy), &rp); err != nil {
		return "", fmt.Errorf("reading redrive policy: %w", err)
	}
	return rp.DeadLetterTargetArn, nil
}

// maxMessageAttributes is SQS's limit of message attributes per message.
const maxMessageAttributes = 10

// deadLetter sends m to the queue's dead-letter queue with attributes
// MetadataPoisonReason, MetadataPoisonHandler and MetadataPoisonSource (the
// source queue's ARN) beside the original attributes (as many as fit). It
// reports whether the message is safely there; if not, the caller retries
// it like any nack.
func (s *subscription) deadLetter(m sqstypes.Message, msg *message.Message) bool {
	log := s.log.With("message_id", aws.ToString(m.MessageId))
	if s.q.dlqARN == "" {
		log.Error("permanent failure but the queue has no dead-letter queue; retrying it", "reason", msg.Metadata.Get(MetadataPoisonReason))
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CallTimeout)
	defer cancel()
	url, err := s.dlqURL(ctx)
	if err != nil {
		log.Error("resolving the dead-letter queue failed; retrying the message", "err", err)
		return false
	}
	attrs := map[string]sqstypes.MessageAttributeValue{
		MetadataPoisonReason:  stringAttr(msg.Metadata.Get(MetadataPoisonReason)),
		MetadataPoisonHandler: stringAttr(msg.Metadata.Get(MetadataPoisonHandler)),
		MetadataPoisonSource:  stringAttr(s.q.arn),
	}
	for k, v := range m.MessageAttributes {
		if len(attrs) == maxMessageAttributes {
			break
		}
		if _, taken := attrs[k]; !taken {
			attrs[k] = v
		}
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: m.Body, MessageAttributes: attrs}
	if strings.HasSuffix(url, ".fifo") {
		group := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
		if group == "" {
			group = "poison"
		}
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = m.MessageId
	}
	if _, err := s.q.client.SendMessage(ctx, in); err != nil {
		log.Error("sending to the dead-letter queue failed; retrying the message", "err", err)
		return false
	}
	log.Warn("message sent to the dead-letter queue", "dead_letter_queue", url,
		"reason", msg.Metadata.Get(MetadataPoisonReason), "handler", msg.Metadata.Get(MetadataPoisonHandler))
	return true
}

// dlqURL resolves the dead-letter queue's URL from its ARN
// (arn:aws:sqs:REGION:ACCOUNT:NAME).
func (s *subscription) dlqURL(ctx context.Context) (string, error) {
	parts := strings.Split(s.q.dlqARN, ":")
	if len(parts) != 6 || parts[2] != "sqs" {
		return "", fmt.Errorf("dead-letter target %q is not an SQS queue ARN", s.q.dlqARN)
	}
	out, err := s.q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5]), QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.QueueUrl), nil
}

func stringAttr(v string) sqstypes.MessageAttributeValue {
	if v == "" {
		v = "-" // SQS refuses empty attribute values
	}
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
