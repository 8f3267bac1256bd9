package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// ErrQueueNotFound is wrapped by the error of an operation given a queue
// (name, URL or ARN) that does not exist. Such an operation stopped
// before it received, moved or deleted anything (ErrNotStarted).
var ErrQueueNotFound = errors.New("no such queue")

// ErrNotStarted is matched (errors.Is) by the error of an operation that
// stopped before it received, moved or deleted anything: its options were
// refused, or resolving its queue, destination or source queue failed, or
// SQS refused to start its move task. Such an error's text is its cause's
// alone, and the operation's summary has nothing to report.
var ErrNotStarted = errors.New("the operation did not start")

// notStarted is an error of an operation that did not start: err, which
// it reads as, and ErrNotStarted.
type notStarted struct{ err error }

func (e notStarted) Error() string        { return e.err.Error() }
func (e notStarted) Unwrap() error        { return e.err }
func (e notStarted) Is(target error) bool { return target == ErrNotStarted }

// beforeStart marks err (if any) as the error of an operation that did not
// start.
func beforeStart(err error) error {
	if err == nil {
		return nil
	}
	return notStarted{err}
}

// queueRef is a resolved queue.
type queueRef struct {
	URL   string
	ARN   string
	Name  string
	FIFO  bool
	attrs map[string]string
}

// resolve turns a queue name, URL or ARN into a queueRef with all its
// attributes.
func (t *Tool) resolve(ctx context.Context, q string) (queueRef, error) {
	url := q
	switch {
	case strings.HasPrefix(q, "arn:"):
		u, err := t.urlOfARN(ctx, q)
		if err != nil {
			return queueRef{}, err
		}
		url = u
	case !strings.HasPrefix(q, "http://") && !strings.HasPrefix(q, "https://"):
		out, err := t.cfg.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q)})
		if err != nil {
			return queueRef{}, queueErr(q, "", err)
		}
		url = aws.ToString(out.QueueUrl)
	}
	out, err := t.cfg.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return queueRef{}, queueErr(q, " attributes", err)
	}
	return newQueueRef(url, out.Attributes), nil
}

// queueErr is the error of asking SQS about queue q (what says for what):
// one wrapping ErrQueueNotFound when q does not exist.
func queueErr(q, what string, err error) error {
	var missing *sqstypes.QueueDoesNotExist
	if errors.As(err, &missing) {
		return fmt.Errorf("%w: %s", ErrQueueNotFound, q)
	}
	return fmt.Errorf("queue %s%s: %w", q, what, err)
}

func newQueueRef(url string, attrs map[string]string) queueRef {
	name := url[strings.LastIndex(url, "/")+1:]
	return queueRef{URL: url, ARN: attrs["QueueArn"], Name: name,
		FIFO: attrs["FifoQueue"] == "true" || strings.HasSuffix(name, ".fifo"), attrs: attrs}
}

// count returns the queue's approximate visible and in-flight messages.
func (q queueRef) count() (visible, inFlight int64) {
	visible, _ = strconv.ParseInt(q.attrs["ApproximateNumberOfMessages"], 10, 64)
	inFlight, _ = strconv.ParseInt(q.attrs["ApproximateNumberOfMessagesNotVisible"], 10, 64)
	return visible, inFlight
}

// urlOfARN resolves arn:aws:sqs:REGION:ACCOUNT:NAME to the queue's URL.
func (t *Tool) urlOfARN(ctx context.Context, arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[2] != "sqs" || parts[5] == "" {
		return "", fmt.Errorf("%q is not an SQS queue ARN", arn)
	}
	out, err := t.cfg.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5]),
		QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return "", queueErr(arn, "", err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// RedrivePolicy is a queue's RedrivePolicy attribute, read.
type RedrivePolicy struct {
	// Target is the dead-letter queue's ARN; "" when there is none.
	Target string
	// MaxReceive is the maxReceiveCount, which SQS gives as a number and
	// other servers as a string.
	MaxReceive int
}

// ParseRedrivePolicy reads a RedrivePolicy attribute; an empty or
// malformed one is the zero RedrivePolicy (no dead-letter queue).
func ParseRedrivePolicy(attr string) RedrivePolicy {
	var rp struct {
		Target     string `json:"deadLetterTargetArn"`
		MaxReceive any    `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(attr), &rp) != nil {
		return RedrivePolicy{}
	}
	out := RedrivePolicy{Target: rp.Target}
	switch v := rp.MaxReceive.(type) {
	case float64:
		out.MaxReceive = int(v)
	case string:
		out.MaxReceive, _ = strconv.Atoi(v)
	}
	return out
}

// sourcesOf lists the queues whose RedrivePolicy targets dlq.
func (t *Tool) sourcesOf(ctx context.Context, dlq queueRef) ([]string, error) {
	var urls []string
	in := &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq.URL), MaxResults: aws.Int32(1000)}
	for {
		out, err := t.cfg.Client.ListDeadLetterSourceQueues(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing source queues of %s: %w", dlq.Name, err)
		}
		urls = append(urls, out.QueueUrls...)
		if aws.ToString(out.NextToken) == "" {
			return urls, nil
		}
		in.NextToken = out.NextToken
	}
}
