package conformance

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process endpoint every test of this package shares; it
// keeps its state in LOCALAWS_TEST_DATA when that is set.
var local *localaws.Server

func TestMain(m *testing.M) {
	localawstest.Main(m, localaws.Config{DataDir: os.Getenv("LOCALAWS_TEST_DATA")}, &local)
}

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
