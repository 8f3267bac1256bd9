package conformance

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/sdkhttp"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process endpoint every test of this package shares; it
// keeps its state in LOCALAWS_TEST_DATA when that is set.
var local localawstest.Shared

func TestMain(m *testing.M) { local.Main(m, localaws.Config{DataDir: os.Getenv("LOCALAWS_TEST_DATA")}) }

// externalEndpoint returns the endpoint a service's tests should use instead
// of the in-process one, following the SDK's variables.
func externalEndpoint(service string) string {
	if v := os.Getenv("AWS_ENDPOINT_URL_" + service); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// awsConfig is SDK configuration for endpoint: static local credentials
// for the in-process one, the SDK's usual sources for any other.
func awsConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	if endpoint == local.URL() {
		return localawstest.Config(endpoint)
	}
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatalf("loading AWS config: %v", err)
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	cfg.HTTPClient = sdkhttp.Client(cfg.HTTPClient)
	return cfg
}

// newSQS returns an SQS client of the endpoint under test.
func newSQS(t testing.TB) *sqs.Client {
	endpoint := externalEndpoint("SQS")
	if endpoint == "" {
		endpoint = local.URL()
	}
	return sqs.NewFromConfig(awsConfig(t, endpoint))
}

// sqsClient is the SQS API the suite drives, in aws-sdk-go-v2's shapes:
// the v2 client itself, which speaks the JSON protocol, or queryClient,
// aws-sdk-go v1 from before SQS's switch, which speaks the query protocol.
type sqsClient interface {
	CreateQueue(context.Context, *sqs.CreateQueueInput, ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	ListQueues(context.Context, *sqs.ListQueuesInput, ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error)
	DeleteQueue(context.Context, *sqs.DeleteQueueInput, ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error)
	PurgeQueue(context.Context, *sqs.PurgeQueueInput, ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	SetQueueAttributes(context.Context, *sqs.SetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error)
	TagQueue(context.Context, *sqs.TagQueueInput, ...func(*sqs.Options)) (*sqs.TagQueueOutput, error)
	UntagQueue(context.Context, *sqs.UntagQueueInput, ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error)
	ListQueueTags(context.Context, *sqs.ListQueueTagsInput, ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error)
	AddPermission(context.Context, *sqs.AddPermissionInput, ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error)
	RemovePermission(context.Context, *sqs.RemovePermissionInput, ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error)
	ListDeadLetterSourceQueues(context.Context, *sqs.ListDeadLetterSourceQueuesInput, ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error)
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
	StartMessageMoveTask(context.Context, *sqs.StartMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	CancelMessageMoveTask(context.Context, *sqs.CancelMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error)
	ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

// sqsClients are the clients of the endpoint under test the SQS suite runs
// with, named by the protocol they speak.
func sqsClients(t *testing.T) []struct {
	protocol string
	c        sqsClient
} {
	endpoint := externalEndpoint("SQS")
	if endpoint == "" {
		endpoint = local.URL()
	}
	q, err := newQueryClient(endpoint, endpoint == local.URL())
	if err != nil {
		t.Fatalf("aws-sdk-go v1 session: %v", err)
	}
	return []struct {
		protocol string
		c        sqsClient
	}{{"json", newSQS(t)}, {"query", q}}
}

// newEventBridge returns an EventBridge client whose targets deliver into
// the queues newSQS sees. With only an external SQS endpoint configured the
// EventBridge tests are skipped: they need both services of one endpoint.
func newEventBridge(t testing.TB) *eventbridge.Client {
	sqsEndpoint, ebEndpoint := externalEndpoint("SQS"), externalEndpoint("EVENTBRIDGE")
	switch {
	case sqsEndpoint == "" && ebEndpoint == "":
		ebEndpoint = local.URL()
	case sqsEndpoint != "" && ebEndpoint == "":
		t.Skip("EventBridge tests need localaws or an AWS_ENDPOINT_URL_EVENTBRIDGE beside AWS_ENDPOINT_URL_SQS")
	}
	return eventbridge.NewFromConfig(awsConfig(t, ebEndpoint))
}

// external reports whether the suite runs against an endpoint other than
// the in-process localaws.
func external() bool { return externalEndpoint("SQS") != "" }
