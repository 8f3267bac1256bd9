package pipeline

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/sdkhttp"
)

// Clients are the AWS clients parts share; they hold no connection state
// that needs closing.
type Clients struct {
	SQS    *sqs.Client
	Events *eventbridge.Client
}

// AWSConfig says how to build the clients. The zero value is the SDK's
// standard configuration (AWS_REGION, the default credential chain,
// AWS_ENDPOINT_URL*), which the SDK reads itself.
type AWSConfig struct {
	// Endpoint points both clients at this URL: a localaws or ElasticMQ,
	// or an AWS endpoint of the user's choosing (a VPC interface endpoint),
	// so it says nothing about credentials.
	Endpoint string
	// Region is used when set; otherwise the SDK's configuration decides.
	Region string
	// StaticCredentials uses fixed local credentials instead of the
	// credential chain (localaws and ElasticMQ accept any).
	StaticCredentials bool
}

// NewClients builds the SQS and EventBridge clients for cfg.
func NewClients(ctx context.Context, cfg AWSConfig) (Clients, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.StaticCredentials {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Clients{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Endpoint != "" {
		awsCfg.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	awsCfg.HTTPClient = sdkhttp.Client(awsCfg.HTTPClient)
	return Clients{SQS: sqs.NewFromConfig(awsCfg), Events: eventbridge.NewFromConfig(awsCfg)}, nil
}

// LocalClients are the clients of a localaws at url (region us-east-1,
// static credentials).
func LocalClients(ctx context.Context, url string) (Clients, error) {
	return NewClients(ctx, AWSConfig{Endpoint: url, Region: "us-east-1", StaticCredentials: true})
}
