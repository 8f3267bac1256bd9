package signup

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/httpapi/httpapitest"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
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

// TestTemplateRoutesEveryPage: API Gateway routes every page and API path
// the edge serves to the signup function, and nothing else.
func TestTemplateRoutesEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tpl, err := infra.LoadEmbedded(infra.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Resources["SignupFunction"]
	if !ok {
		t.Fatal("no SignupFunction in the template")
	}
	var routed []string
	evs, _ := fn.Properties["Events"].(map[string]any)
	for _, ev := range evs {
		m, _ := ev.(map[string]any)
		props, _ := m["Properties"].(map[string]any)
		path := fmt.Sprint(props["Path"])
		if path == "/" {
			path = "/{$}"
		}
		routed = append(routed, fmt.Sprint(props["Method"])+" "+path)
	}
	slices.Sort(routed)
	if got := e.h.Routes(); !slices.Equal(got, routed) {
		t.Fatalf("the edge serves\n%s\nthe template routes\n%s", strings.Join(got, "\n"), strings.Join(routed, "\n"))
	}
}

// TestLambdaWebCookiesAreSecure: through API Gateway every cookie of the
// pages, the signed-in session's included, is Secure and HttpOnly, and the
// session's is SameSite=Lax.
func TestLambdaWebCookiesAreSecure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	req := loadAPIGW(t)
	req.RawPath, req.RequestContext.HTTP.Method, req.Body, req.IsBase64Encoded = "/signup", "GET", "", false
	page, err := e.h.Lambda(context.Background(), req)
	if err != nil || page.StatusCode != 200 || len(page.Cookies) == 0 {
		t.Fatalf("sign-up page: %d %v %v", page.StatusCode, page.Cookies, err)
	}
	_, rest, _ := strings.Cut(page.Body, `name="csrf_token" value="`)
	token, _, _ := strings.Cut(rest, `"`)
	req.RequestContext.HTTP.Method, req.Headers["content-type"] = "POST", "application/x-www-form-urlencoded"
	for _, c := range page.Cookies {
		req.Cookies = append(req.Cookies, strings.Split(c, ";")[0])
	}
	req.Body = url.Values{"csrf_token": {token}, "company": {"Acme"}, "name": {"Ada"}, "email": {"ada@acme.example"},
		"password": {"correct horse battery staple"}}.Encode()
	res, err := e.h.Lambda(context.Background(), req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create account: %d %v\n%s", res.StatusCode, err, res.Body)
	}
	var session string
	for _, c := range append(page.Cookies, res.Cookies...) {
		if !strings.Contains(c, "; Secure") || !strings.Contains(c, "; HttpOnly") || !strings.Contains(c, "; SameSite=") {
			t.Errorf("cookie %q", c)
		}
		if strings.HasPrefix(c, sessionCookie+"=") {
			session = c
		}
	}
	if !strings.Contains(session, "; SameSite=Lax") {
		t.Fatalf("session cookie %q, want one with SameSite=Lax", session)
	}
}

// TestLambdaFlushesTheOutbox: a Lambda publishes what its outbox holds
// before serving, at its first invocation and then once per FlushInterval.
func TestLambdaFlushesTheOutbox(t *testing.T) {
	t.Parallel()
	var db *sqlstore.DB
	e := newEnv(t, func(c *Config) { db = c.DB })
	req := loadAPIGW(t)
	req.RawPath, req.RequestContext.HTTP.Method, req.Body, req.IsBase64Encoded = "/signup", "GET", "", false
	page := func(published, left int) {
		t.Helper()
		e.pub.SetFail(nil)
		if res, err := e.h.Lambda(context.Background(), req); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("page: %d %v", res.StatusCode, err)
		}
		if got, n := len(e.pub.Details()), outboxLen(t, db); got != published || n != left {
			t.Fatalf("%d published, %d left in the outbox; want %d and %d", got, n, published, left)
		}
		e.pub.SetFail(errBusDown)
	}
	e.pub.SetFail(errBusDown)
	e.signup("Acme", "a@acme.example")
	page(1, 0) // the first invocation flushes
	e.signup("Initech", "b@initech.example")
	page(1, 1) // within FlushInterval of the last flush: serves at once
	e.clock.Advance(5 * time.Second)
	page(2, 0)
}
