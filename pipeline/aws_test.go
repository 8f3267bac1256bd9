package pipeline

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestClientsCredentials: an endpoint alone says nothing about
// credentials (it may be an AWS VPC endpoint): the SDK's own chain signs
// unless StaticCredentials asks for the local ones.
func TestClientsCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	for _, tc := range []struct {
		cfg  AWSConfig
		want string
	}{
		{AWSConfig{Endpoint: "http://127.0.0.1:1", Region: "us-east-1"}, "AKIDFROMENV"},
		{AWSConfig{Endpoint: "http://127.0.0.1:1", Region: "us-east-1", StaticCredentials: true}, "local"},
		{AWSConfig{Region: "us-east-1"}, "AKIDFROMENV"},
	} {
		c, err := NewClients(context.Background(), tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range map[string]aws.CredentialsProvider{"sqs": c.SQS.Options().Credentials, "eventbridge": c.Events.Options().Credentials} {
			creds, err := p.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != tc.want {
				t.Errorf("%+v: %s signs with %q (%v), want %q", tc.cfg, name, creds.AccessKeyID, err, tc.want)
			}
		}
	}
	c, err := LocalClients(context.Background(), "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := c.SQS.Options().Credentials.Retrieve(context.Background()); err != nil || creds.AccessKeyID != "local" {
		t.Errorf("LocalClients signs with %q (%v), want the local credentials", creds.AccessKeyID, err)
	}
}
