package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/localaws"
)

// local is the in-process endpoint every test of this package shares.
var local *localaws.Server

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := localaws.Start(ctx, localaws.Config{Addr: "127.0.0.1:0", DataDir: os.Getenv("LOCALAWS_TEST_DATA")})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting localaws:", err)
		return 1
	}
	local = srv
	defer srv.Close()
	return m.Run()
}

// externalEndpoint returns the endpoint a service's tests should use instead
// of the in-process one, following the SDK's variables.
func externalEndpoint(service string) string {
	if v := os.Getenv("AWS_ENDPOINT_URL_" + service); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

func awsConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	opts := []func(*config.LoadOptions) error{}
	if endpoint == local.URL() {
		opts = append(opts,
			config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	} else if os.Getenv("AWS_REGION") == "" {
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
