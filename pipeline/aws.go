package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Clients are the AWS clients every part shares.
type Clients struct {
	SQS    *sqs.Client
	Events *eventbridge.Client
}

// ExternalEndpoint reports whether the SDK's environment names an endpoint
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL_EVENTBRIDGE),
// in which case no localaws is started.
func ExternalEndpoint() bool {
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EVENTBRIDGE"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// NewClients loads the SDK configuration the standard way (AWS_REGION, the
// default credential chain, AWS_ENDPOINT_URL*). With endpoint set, both
// clients use it with static local credentials (the in-process localaws).
// Against a local endpoint named by the environment without credentials,
// static local credentials are used too: ElasticMQ accepts any.
func NewClients(ctx context.Context, endpoint string) (Clients, error) {
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	if endpoint != "" || (ExternalEndpoint() && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "") {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Clients{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return Clients{SQS: sqs.NewFromConfig(cfg), Events: eventbridge.NewFromConfig(cfg)}, nil
}
