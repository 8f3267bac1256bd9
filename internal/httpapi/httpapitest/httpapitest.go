// Package httpapitest reads API Gateway events for the tests of the Lambda
// entries that serve them. For tests only.
package httpapitest

import (
	"encoding/json"
	"os"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// Request reads the API Gateway HTTP API event (payload format 2.0) in the
// JSON file at path, failing tb when it cannot.
func Request(tb testing.TB, path string) awsevents.APIGatewayV2HTTPRequest {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var req awsevents.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return req
}
