package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// recordingEnv is an environment that remembers every name looked up.
type recordingEnv struct {
	mu     sync.Mutex
	vars   map[string]string
	looked []string
}

func (r *recordingEnv) getenv(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.looked = append(r.looked, name)
	return r.vars[name]
}

// lambdaEndpoint is a localaws in memory with the default topology.
func lambdaEndpoint(t *testing.T) (string, pipeline.Clients) {
	t.Helper()
	srv, c := startLocalAWS(t, true)
	return srv.URL(), c
}

// TestWebhookLambdaNeedsOnlyItsSecret: _HANDLER=webhook with only the
// webhook secret configured builds the webhook edge alone. It looks up no
// other secret and no store, writes no file (no key is generated), and
// serves an API Gateway request through the Lambda runtime's own handler
// adapter, publishing the event onto the payment queue.
func TestWebhookLambdaNeedsOnlyItsSecret(t *testing.T) {
	// Not parallel: the working directory, TMPDIR and HOME move to an empty
	// directory that must stay empty.
	empty := emptyWorkdir(t)
	endpoint, clients := lambdaEndpoint(t)
	const secret = "whsec_lambda_only"
	env := &recordingEnv{vars: map[string]string{"LICENSEFLOW_WEBHOOK_SECRET": secret, "AWS_ENDPOINT_URL": endpoint}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	h, closeEntry, err := lambdaEntry(ctx, "webhook", newEnviron(env.getenv, ""), testlog.Quiet())
	if err != nil {
		t.Fatalf("webhook entry with only its secret: %v", err)
	}
	defer closeEntry()
	body := `{"id":"evt_lambda_1","object":"event","type":"checkout.session.completed","created":` +
		strconv.FormatInt(time.Now().Unix(), 10) + `,"livemode":false,"data":{"object":{"id":"cs_1","object":"checkout.session",` +
		`"mode":"subscription","client_reference_id":"co_lambda","customer":"cus_1","subscription":"sub_1",` +
		`"payment_status":"paid","status":"complete"}}}`
	req, _ := json.Marshal(awsevents.APIGatewayV2HTTPRequest{RawPath: webhook.Path, Body: body,
		Headers:        map[string]string{"stripe-signature": webhook.Sign(secret, []byte(body), time.Now())},
		RequestContext: awsevents.APIGatewayV2HTTPRequestContext{HTTP: awsevents.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}})
	out, err := lambda.NewHandler(h).Invoke(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var resp awsevents.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("response %s (%v)", out, err)
	}
	msg := receiveBody(t, ctx, clients.SQS, infra.QueuePayment)
	if !strings.Contains(msg, `"detail-type":"`+events.TypeCheckoutCompleted+`"`) || !strings.Contains(msg, "co_lambda") {
		t.Fatalf("payment queue got %s", msg)
	}

	allowed := []string{"LICENSEFLOW_WEBHOOK_SECRET", "LICENSEFLOW_WEBHOOK_SECRET_ARN", "LICENSEFLOW_EVENT_BUS"}
	for _, name := range env.looked {
		if strings.HasPrefix(name, "LICENSEFLOW_") && !slices.Contains(allowed, name) || name == "DATABASE_URL" {
			t.Errorf("the webhook entry looked up %s", name)
		}
	}
	assertEmpty(t, empty)
}

// TestLambdaEntryRefusesWhatItLacks: an entry whose own secret or store is
// missing, or whose plans are bad, fails at start and names it; nothing is
// generated in its place.
func TestLambdaEntryRefusesWhatItLacks(t *testing.T) {
	empty := emptyWorkdir(t)
	endpoint, _ := lambdaEndpoint(t)
	key, err := (&keyDir{dir: t.TempDir()}).signingKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := license.MarshalPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		entry string
		vars  map[string]string
		want  string
	}{
		{"signup", map[string]string{"LICENSEFLOW_WEBHOOK_SECRET": "whsec_x"}, "LICENSEFLOW_TOKEN_SECRET"},
		{"webhook", map[string]string{"LICENSEFLOW_TOKEN_SECRET": strings.Repeat("k", 32)}, "LICENSEFLOW_WEBHOOK_SECRET"},
		{"payment", map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "db")}, "LICENSEFLOW_SIGNING_KEY"},
		{"payment", map[string]string{"LICENSEFLOW_SIGNING_KEY": string(pem)}, "no store"},
		{"licensepush", map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "db")}, "LICENSEFLOW_LICENSE_PUBLIC_KEY"},
		{"payments", nil, `_HANDLER "payments"`},
		// The plans are read before any store is opened or client used.
		{"payment", map[string]string{"LICENSEFLOW_SIGNING_KEY": string(pem), "DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "db"),
			"LICENSEFLOW_PLANS": `{"plans":{"pro":{"name":"pro","seats":0}}}`}, `LICENSEFLOW_PLANS (JSON): plan "pro": seats is 0`},
		{"signup", map[string]string{"LICENSEFLOW_TOKEN_SECRET": strings.Repeat("k", 32), "LICENSEFLOW_APP_SERVERS": "10.0.0.1:8090",
			"LICENSEFLOW_PLANS": `{"plans":{"pro monthly":{"name":"pro","seats":1}}}`}, `LICENSEFLOW_PLANS (JSON): lookup key "pro monthly"`},
	}
	for _, c := range cases {
		vars := map[string]string{"AWS_ENDPOINT_URL": endpoint}
		for k, v := range c.vars {
			vars[k] = v
		}
		env := &recordingEnv{vars: vars}
		_, closeEntry, err := lambdaEntry(context.Background(), c.entry, newEnviron(env.getenv, ""), testlog.Quiet())
		if err == nil {
			closeEntry()
			t.Errorf("%s with %v started", c.entry, c.vars)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not name %s", c.entry, err, c.want)
		}
	}
	assertEmpty(t, empty)
}

// emptyWorkdir moves the working directory, TMPDIR and HOME to a new
// empty directory for the test and returns it.
func emptyWorkdir(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TMPDIR", dir)
	t.Setenv("HOME", dir)
	return dir
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if path != dir {
			t.Errorf("the entry wrote %s", path)
		}
		return err
	})
}

func receiveBody(t *testing.T, ctx context.Context, c *sqs.Client, queue string) string {
	t.Helper()
	url, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		// A short visibility: a receive whose response the client lost
		// hides the message for a second only.
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, WaitTimeSeconds: 2, VisibilityTimeout: 1})
		if err != nil {
			continue
		}
		if len(out.Messages) > 0 {
			return aws.ToString(out.Messages[0].Body)
		}
	}
	t.Fatalf("nothing arrived on %s", queue)
	return ""
}
