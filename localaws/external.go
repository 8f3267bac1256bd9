package localaws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/sdkhttp"
	"github.com/licenseflow/licenseflow/localaws/eventbridge"
)

// externalQueues delivers EventBridge targets to the SQS of another
// endpoint (ElasticMQ, say), by queue name: the last part of the target ARN.
type externalQueues struct {
	client *sqs.Client
	mu     sync.Mutex
	urls   map[string]string // queue name -> URL
}

func newExternalQueues(endpoint, region string) *externalQueues {
	client := sqs.New(sqs.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   sdkhttp.Client(nil),
	})
	return &externalQueues{client: client, urls: map[string]string{}}
}

func (q *externalQueues) url(ctx context.Context, queueARN string) (string, error) {
	name := queueARN[strings.LastIndex(queueARN, ":")+1:]
	q.mu.Lock()
	u, ok := q.urls[name]
	q.mu.Unlock()
	if ok {
		return u, nil
	}
	out, err := q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		var missing *sqstypes.QueueDoesNotExist
		if errors.As(err, &missing) {
			return "", fmt.Errorf("%w: %s", eventbridge.ErrQueueNotFound, name)
		}
		return "", fmt.Errorf("finding queue %s: %w", name, err)
	}
	q.mu.Lock()
	q.urls[name] = aws.ToString(out.QueueUrl)
	q.mu.Unlock()
	return aws.ToString(out.QueueUrl), nil
}

func (q *externalQueues) SendToQueue(ctx context.Context, queueARN string, m eventbridge.QueueMessage) error {
	u, err := q.url(ctx, queueARN)
	if err != nil {
		return err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String(m.Body)}
	if len(m.Attributes) > 0 {
		in.MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
		for k, v := range m.Attributes {
			in.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if m.MessageGroupID != "" {
		in.MessageGroupId = aws.String(m.MessageGroupID)
	}
	if m.MessageDeduplicationID != "" {
		in.MessageDeduplicationId = aws.String(m.MessageDeduplicationID)
	}
	if _, err := q.client.SendMessage(ctx, in); err != nil {
		var missing *sqstypes.QueueDoesNotExist
		if errors.As(err, &missing) {
			q.mu.Lock()
			delete(q.urls, queueARN[strings.LastIndex(queueARN, ":")+1:])
			q.mu.Unlock()
			return fmt.Errorf("%w: %v", eventbridge.ErrQueueNotFound, err)
		}
		return fmt.Errorf("sending to %s: %w", u, err)
	}
	return nil
}
