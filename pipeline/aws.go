package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
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
	if awsCfg.HTTPClient == nil {
		awsCfg.HTTPClient = awshttp.NewBuildableClient()
	}
	awsCfg.HTTPClient = drainingClient{awsCfg.HTTPClient}
	return Clients{SQS: sqs.NewFromConfig(awsCfg), Events: eventbridge.NewFromConfig(awsCfg)}, nil
}

// LocalClients are the clients of a localaws at url (region us-east-1,
// static credentials).
func LocalClients(ctx context.Context, url string) (Clients, error) {
	return NewClients(ctx, AWSConfig{Endpoint: url, Region: "us-east-1", StaticCredentials: true})
}

// drainingClient works around a race between aws-sdk-go-v2 and net/http
// that now and then makes the SDK fail to read a 200 answer
// ("deserialization failed ... use of closed network connection") and
// retry the call: a ReceiveMessage then leaves the messages of the answer
// it lost hidden for their visibility timeout. The SDK closes a request's
// body as soon as the answer's headers are in, and from then on the body
// answers WriteTo with io.EOF. net/http, after it has written a body,
// drains it once more; when the answer came back before its writing
// goroutine got there (a fast server, a busy machine), that drain meets
// the EOF, takes it for a failed write and closes the connection the
// answer is being read from. drainingClient hides the body's WriteTo, so
// net/http drains it with Read, where io.EOF is the normal end.
type drainingClient struct{ aws.HTTPClient }

func (c drainingClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return c.HTTPClient.Do(r)
}
