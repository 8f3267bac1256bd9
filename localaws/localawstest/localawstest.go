// Package localawstest holds what tests that talk to a localaws (or any
// SQS/EventBridge endpoint) share: one in-process localaws for a package's
// tests with its SDK clients (Shared), names unique to a run, SDK
// configuration and clients with static credentials, and helpers that
// create queues, buses and rules and send, put and drain. For tests only.
package localawstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/sdkhttp"
)

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// FreshName returns a queue or bus name unique to this test run, built from
// prefix and the test's name: at most 70 characters (room for ".fifo" and a
// "-dlq" suffix), starting with a letter or digit, so tests can share an
// endpoint.
func FreshName(tb testing.TB, prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("%s-%s-%s", prefix, unsafeName.ReplaceAllString(tb.Name(), "-"), hex.EncodeToString(b[:]))
	if len(name) > 70 {
		name = strings.TrimLeft(name[len(name)-70:], "-_")
	}
	return name
}

// Config is SDK configuration for endpoint with static local credentials,
// region us-east-1 and the HTTP client of internal/sdkhttp, which keeps
// the SDK from now and then losing an answer (and a receive's messages).
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   sdkhttp.Client(nil),
	}
}

// SQS returns an SQS client of endpoint with Config's configuration.
func SQS(endpoint string) *sqs.Client { return sqs.NewFromConfig(Config(endpoint)) }

// EventBridge returns an EventBridge client of endpoint with Config's
// configuration.
func EventBridge(endpoint string) *eventbridge.Client {
	return eventbridge.NewFromConfig(Config(endpoint))
}
