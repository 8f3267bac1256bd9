package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/browsertest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/services/webhook"
)

const testSecret = "whsec_console_test_secret"

// The package's tests share one pipeline (localaws in process, every
// stage, the edge API with the console on it) and one browser.
var (
	pipe      *pipeline.Pipeline
	browser   *browsertest.Browser
	noBrowser error
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "console-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	pub, priv, err := license.GenerateKey()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pipe, err = pipeline.Start(context.Background(), pipeline.Config{
		DataDir: dir, LocalAWS: pipeline.LocalAWSConfig{NoSync: true},
		Edge:        pipeline.EdgeServerConfig{Addr: "127.0.0.1:0"},
		AppServer:   pipeline.AppServerConfig{Addr: "127.0.0.1:0", PublicKey: pub},
		Payment:     pipeline.PaymentConfig{SigningKey: priv},
		LicensePush: pipeline.LicensePushConfig{PublicKey: pub},
		Webhook:     pipeline.WebhookConfig{Secrets: []string{testSecret}},
		Signup:      pipeline.SignupConfig{TokenSecret: bytes.Repeat([]byte("k"), 32)},
		Logger:      testlog.Quiet(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the pipeline:", err)
		return 1
	}
	defer pipe.Close()
	if _, noBrowser = browsertest.ExecPath(); noBrowser == nil {
		if browser, noBrowser = browsertest.Start(dir + "/browser"); noBrowser != nil {
			fmt.Fprintln(os.Stderr, "starting the browser:", noBrowser)
			return 1
		}
		defer browser.Close()
	}
	return m.Run()
}

// tab opens a browser tab for t, or skips t without a browser.
func tab(t *testing.T) context.Context {
	t.Helper()
	if browser == nil {
		browsertest.SkipOrFail(t, noBrowser)
	}
	return browser.Tab(t)
}

// consoleURL is the console's address on the pipeline's edge API.
func consoleURL(path string) string { return pipe.Edge.URL() + pipeline.ConsolePath + path }

// open loads a console page and fails t unless it answers want.
func open(t *testing.T, ctx context.Context, path string, want int) {
	t.Helper()
	status, err := browsertest.Open(ctx, consoleURL(path))
	if err != nil || status != want {
		t.Fatalf("opening %s: %d %v, want %d", path, status, err, want)
	}
}

// submit presses the button with this text and fails t unless the page it
// leads to answers want.
func submit(t *testing.T, ctx context.Context, button string, want int) {
	t.Helper()
	status, err := browsertest.Submit(ctx, button)
	if err != nil || status != want {
		text, _ := chromedp.Run(ctx, browsertest.PageText())
		t.Fatalf("pressing %q: %d %v, want %d; page:\n%s", button, status, err, want, text)
	}
}

// waitText waits until an element's own text on the page contains text
// (the live parts update without a reload).
func waitText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	lit := "'" + text + "'"
	if strings.Contains(text, "'") {
		lit = `"` + text + `"`
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.Search(`//*[text()[contains(., `+lit+`)]]`))); err != nil {
		page, _ := chromedp.Run(context.WithoutCancel(ctx), browsertest.PageText())
		t.Fatalf("waiting for %q: %v; page:\n%s", text, err, page)
	}
}

// pageText is the page's visible text.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, browsertest.PageText())
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// queueURL resolves a queue of the pipeline's endpoint.
func queueURL(t *testing.T, name string) string {
	t.Helper()
	out, err := pipe.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

// total is every message of a queue, from SQS itself.
func total(t *testing.T, url string) int {
	v, f, d := localawstest.Counts(t, pipe.Clients.SQS, url)
	return v + f + d
}

// sendEvents puts envelopes straight into a queue (a dead-letter queue, in
// these tests), each with attributes.
func sendEvents(t *testing.T, url string, attrs map[string]string, bodies ...string) {
	t.Helper()
	entries := localawstest.Bodies(bodies...)
	for i := range entries {
		entries[i].MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
		for k, v := range attrs {
			entries[i].MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	localawstest.Send(t, pipe.Clients.SQS, url, entries...)
}

// envelope is an EventBridge event of detail-type dt for company.
func envelope(id, source, dt, company string) string {
	b, _ := json.Marshal(map[string]any{"version": "0", "id": id, "detail-type": dt, "source": source,
		"account": "000000000000", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{},
		"detail": map[string]any{"company_id": company, "correlation_id": "corr-" + id}})
	return string(b)
}

// publish puts d on the pipeline's bus with a correlation id.
func publish(t *testing.T, correlation string, d events.Detail) {
	t.Helper()
	ctx := events.WithCorrelationID(context.Background(), correlation)
	entry, err := events.NewEntry(ctx, infra.BusName, d)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pipe.Clients.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("publishing %s: %v %+v", d.DetailType(), err, out)
	}
}

// postWebhook sends a signed subscription update for company to the edge,
// as the payment provider would, and fails t unless it is accepted.
func postWebhook(t *testing.T, eventID, company string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"id": eventID, "object": "event", "type": "customer.subscription.updated",
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": map[string]any{
			"id": "sub_" + company, "object": "subscription", "customer": "cus_" + company, "status": "active",
			"metadata": map[string]string{"company_id": company},
			"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item",
				"quantity": 5, "price": map[string]any{"id": "price_1", "object": "price", "lookup_key": "team_monthly"}}}}}}})
	req, _ := http.NewRequest(http.MethodPost, pipe.Edge.URL()+webhook.Path, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", webhook.Sign(testSecret, payload, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("webhook: %d %s", resp.StatusCode, b)
	}
}
