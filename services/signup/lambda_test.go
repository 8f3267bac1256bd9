package signup

import (
	"context"
	"encoding/json"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/httpapi/httpapitest"
)

func loadAPIGW(t *testing.T) awsevents.APIGatewayV2HTTPRequest {
	return httpapitest.Request(t, "testdata/apigw-v2-signup.json")
}

func TestLambdaSignup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ClientRate, c.ClientBurst = 0.001, 1 })
	req := loadAPIGW(t)
	res, err := e.h.Lambda(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 202 || res.Headers["Content-Type"] != "application/json" || res.IsBase64Encoded {
		t.Fatalf("response %+v", res)
	}
	var body signupResponse
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatal(err)
	}
	if !validID(body.CompanyID, prefixCompany) || body.Token == "" {
		t.Fatalf("body %s", res.Body)
	}
	if got := res.Headers["X-Correlation-Id"]; got != req.RequestContext.RequestID {
		t.Fatalf("correlation id %q, want API Gateway's request id", got)
	}
	d, ok := e.pub.Details()[0].(events.CompanySignupRequested)
	if !ok || d.CompanyID != body.CompanyID || d.AdminEmail != "a@acme.example" || d.AdminName != "Ada" {
		t.Fatalf("event %#v", e.pub.Details()[0])
	}

	// The source IP is the rate-limit key: the second request from it is
	// refused, one from another address is not.
	res, _ = e.h.Lambda(context.Background(), req)
	if res.StatusCode != 429 || res.Headers["Retry-After"] == "" {
		t.Fatalf("second request from the same source: %d %v", res.StatusCode, res.Headers)
	}
	req.RequestContext.HTTP.SourceIP = "203.0.113.9"
	req.IsBase64Encoded, req.Body = false, `{"company":{"name":"Initech"},"admin":{"email":"b@initech.example","name":"Bill"}}`
	if res, _ := e.h.Lambda(context.Background(), req); res.StatusCode != 202 {
		t.Fatalf("other source: %d %s", res.StatusCode, res.Body)
	}
}

func TestLambdaErrorsAreResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	req := loadAPIGW(t)
	req.IsBase64Encoded, req.Body = false, `{"company":`
	res, err := e.h.Lambda(context.Background(), req)
	if err != nil || res.StatusCode != 400 {
		t.Fatalf("malformed body: %d %v", res.StatusCode, err)
	}
	req.RawPath, req.RequestContext.HTTP.Method = "/v1/sessions", "POST"
	req.Body = ""
	if res, _ := e.h.Lambda(context.Background(), req); res.StatusCode != 401 {
		t.Fatalf("session without token: %d", res.StatusCode)
	}
	req.IsBase64Encoded, req.Body = true, "%%%"
	if res, err := e.h.Lambda(context.Background(), req); err != nil || res.StatusCode != 400 {
		t.Fatalf("undecodable base64 body: %d %v, want 400", res.StatusCode, err)
	}
}
