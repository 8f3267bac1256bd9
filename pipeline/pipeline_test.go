package pipeline

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	lfevents "github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/schemas"
	"github.com/licenseflow/licenseflow/services/appserver"
	"github.com/licenseflow/licenseflow/services/webhook"
)

const testSecret = "whsec_pipeline_test_secret"

type fixture struct {
	t    *testing.T
	p    *Pipeline
	hops chan Hop
	demo *Demo
	pub  ed25519.PublicKey
}

// start runs a pipeline with every part on loopback, localaws in process.
func start(t *testing.T, dir string, mutate func(*Config)) *fixture {
	t.Helper()
	pub, priv, err := license.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return startWithKey(t, dir, pub, priv, mutate)
}

func startWithKey(t *testing.T, dir string, pub ed25519.PublicKey, priv ed25519.PrivateKey, mutate func(*Config)) *fixture {
	t.Helper()
	hops := make(chan Hop, 1024)
	cfg := Config{
		DataDir: dir, LocalAWS: LocalAWSConfig{NoSync: true},
		Edge:        EdgeServerConfig{Addr: "127.0.0.1:0"},
		AppServer:   AppServerConfig{Addr: "127.0.0.1:0", PublicKey: pub},
		Payment:     PaymentConfig{SigningKey: priv},
		LicensePush: LicensePushConfig{PublicKey: pub},
		Webhook:     WebhookConfig{Secrets: []string{testSecret}},
		Signup:      SignupConfig{TokenSecret: bytes.Repeat([]byte("k"), 32)},
		Hops:        hops, Logger: quietLogger(t),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("starting pipeline: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	f := &fixture{t: t, p: p, hops: hops, pub: pub, demo: &Demo{
		EdgeURL: p.Edge.URL(), AppServerURL: p.AppServer.URL(), PublicKey: pub, Hops: hops, Out: io.Discard,
		Timeout: 60 * time.Second,
		SignWebhook: func(payload []byte, at time.Time) string {
			return webhook.Sign(testSecret, payload, at)
		},
	}}
	f.demo.setDefaults()
	return f
}

func TestDemoFlowEndToEnd(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	res, err := f.demo.Run(context.Background())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	if res.License.CompanyID != res.CompanyID || res.License.Plan != "team" || res.License.Serial != 1 {
		t.Fatalf("license on the app server = %+v", res.License)
	}
	if !strings.HasPrefix(res.AppServer, "127.0.0.1:") {
		t.Fatalf("app server %q", res.AppServer)
	}
	// Metrics saw the hops.
	body := get(t, f.p.Edge.URL()+"/metrics")
	for _, want := range []string{`licenseflow_events_handled_total{detail_type="License Issued",outcome="ok",stage="licensepush"}`,
		`licenseflow_http_requests_total{code="200",route="webhook"}`, `licenseflow_event_lag_seconds_count{stage="payment"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The console is served beside the edges, and its path of the company
	// has the stages' hops.
	page := get(t, f.p.Edge.URL()+ConsolePath+"/path?company="+res.CompanyID)
	for _, want := range []string{"payment stage handled Subscription Changed", "license #1 issued (team)", "the license is on the company&#39;s app servers"} {
		if !strings.Contains(page, want) {
			t.Errorf("the console's path of %s lacks %q", res.CompanyID, want)
		}
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := license.GenerateKey()
	// The same addresses across the restart, as a real deployment has.
	edge, app := freeAddr(t), freeAddr(t)
	fixed := func(c *Config) { c.Edge.Addr, c.AppServer.Addr = edge, app }
	f := startWithKey(t, dir, pub, priv, fixed)
	res, err := f.demo.Run(context.Background())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	if err := f.p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	g := startWithKey(t, dir, pub, priv, fixed)
	// The app server kept the license; the payment stage its serial.
	lic, err := g.demo.fetchLicense(context.Background(), res.CompanyID, 1)
	if err != nil {
		t.Fatalf("license after restart: %v", err)
	}
	if lic.Serial != 1 {
		t.Fatalf("serial after restart = %d", lic.Serial)
	}
	latest, ok, err := g.p.Payment.Latest(context.Background(), res.CompanyID)
	if err != nil || !ok || latest.Serial != 1 {
		t.Fatalf("payment stage after restart: %+v %v %v", latest, ok, err)
	}
	// A plan change after the restart issues serial 2, delivered to the server.
	ev := demoStripeEvents(res.CompanyID, "team_monthly", time.Now().Add(time.Minute))[1]
	ev["type"] = "customer.subscription.updated"
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	obj["id"] = "sub_restart"
	item := obj["items"].(map[string]any)["data"].([]any)[0].(map[string]any)
	item["price"].(map[string]any)["lookup_key"] = "enterprise_monthly"
	payload, _ := json.Marshal(ev)
	if err := g.demo.webhook(context.Background(), payload); err != nil {
		t.Fatalf("webhook: %v", err)
	}
	lic, err = g.demo.fetchLicense(context.Background(), res.CompanyID, 2)
	if err != nil {
		t.Fatalf("second license: %v", err)
	}
	if lic.Plan != "enterprise" {
		t.Fatalf("plan = %q", lic.Plan)
	}
}

func TestForgedWebhookPublishesNothing(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	payload, _ := json.Marshal(demoStripeEvents("co_forged", "team_monthly", time.Now())[0])
	cases := map[string]string{
		"wrong secret": webhook.Sign("whsec_other", payload, time.Now()),
		"stale":        webhook.Sign(testSecret, payload, time.Now().Add(-10*time.Minute)),
		"garbage":      "t=1,v1=00",
		"missing":      "",
	}
	for name, sig := range cases {
		req, _ := http.NewRequest(http.MethodPost, f.p.Edge.URL()+"/v1/webhooks/payments", bytes.NewReader(payload))
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
	}
	// Oversized and malformed bodies.
	big := bytes.Repeat([]byte("x"), 2<<20)
	if code := postRaw(t, f.p.Edge.URL()+"/v1/webhooks/payments", big, webhook.Sign(testSecret, big, time.Now())); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", code)
	}
	bad := []byte("{not json")
	if code := postRaw(t, f.p.Edge.URL()+"/v1/webhooks/payments", bad, webhook.Sign(testSecret, bad, time.Now())); code != http.StatusBadRequest {
		t.Errorf("malformed: %d", code)
	}
	// Nothing reached the payment queue.
	if n := visible(t, f.p.Clients.SQS, infra.QueuePayment); n != 0 {
		t.Fatalf("payment queue holds %d messages after forged webhooks", n)
	}
	select {
	case h := <-f.hops:
		t.Fatalf("a stage handled %s after forged webhooks", h.DetailType)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestCrossCompanyIsForbidden(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	ctx := context.Background()
	var a, b struct {
		CompanyID string `json:"company_id"`
		Token     string `json:"token"`
	}
	for i, out := range []any{&a, &b} {
		if err := f.demo.post(ctx, "/v1/signup", "", map[string]any{
			"company": map[string]string{"name": "Company " + string(rune('A'+i))},
			"admin":   map[string]string{"email": "admin@" + string(rune('a'+i)) + ".example", "name": "Admin"},
		}, out); err != nil {
			t.Fatal(err)
		}
	}
	err := f.demo.post(ctx, "/v1/companies/"+b.CompanyID+"/users", a.Token,
		map[string]string{"email": "x@b.example", "name": "X", "role": "member"}, nil)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("admin of A adding a user to B: %v", err)
	}
}

func TestPoisonLicenseEndsInDLQ(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	// A License Issued whose file was signed by another key: the push stage
	// refuses it for good, and the subscriber dead-letters it with a reason.
	_, otherKey, _ := license.GenerateKey()
	file, err := license.Sign(otherKey, license.License{CompanyID: "co_poison", Plan: "team", Status: "active",
		Seats: 1, Serial: 1, IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pub, closePub, err := Bus{Client: f.p.Clients.Events}.Publisher(quietLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer closePub()
	if err := pub.Publish(context.Background(), lfevents.LicenseIssued{CompanyID: "co_poison", Serial: 1,
		Plan: "team", Status: "active", ExpiresAt: time.Now().Add(time.Hour), License: string(file)}); err != nil {
		t.Fatal(err)
	}
	msg := receiveOne(t, f.p.Clients.SQS, infra.QueueLicensePush+"-dlq")
	if r := msg.MessageAttributes["reason_poisoned"]; r.StringValue == nil || !strings.Contains(*r.StringValue, "signature") {
		t.Fatalf("dead letter reason = %+v", msg.MessageAttributes)
	}
	if !strings.Contains(aws.ToString(msg.Body), `"detail-type":"License Issued"`) {
		t.Fatalf("dead letter body = %s", aws.ToString(msg.Body))
	}
}

func TestPushOutsideAllowedCIDRsIsRefused(t *testing.T) {
	// Sessions are assigned to an address outside 127.0.0.0/8: the push
	// stage refuses before connecting, and the event is dead-lettered.
	f := start(t, t.TempDir(), func(c *Config) { c.Signup.AppServers = []string{"10.213.0.1:8090"} })
	ctx := context.Background()
	res, err := runUntilSession(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	h, err := f.demo.await(ctx, "licensepush", lfevents.TypeSessionStarted, res)
	if err == nil {
		t.Fatalf("push to 10.213.0.1 succeeded: %+v", h)
	}
	if !strings.Contains(err.Error(), "not allowed") && !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("push error = %v", err)
	}
	msg := receiveOne(t, f.p.Clients.SQS, infra.QueueLicensePush+"-dlq")
	if !strings.Contains(aws.ToString(msg.Body), "Session Started") {
		t.Fatalf("dead letter = %s", aws.ToString(msg.Body))
	}
}

func TestAppServerDownThenBack(t *testing.T) {
	// Sessions go to a port where no app server runs yet.
	addr := freeAddr(t)
	f := start(t, t.TempDir(), func(c *Config) { c.Signup.AppServers = []string{addr} })
	ctx := context.Background()
	company, err := runUntilSession(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	// A delivery fails (connection refused) and is retried.
	if err := awaitFailure(ctx, f, company); err != nil {
		t.Fatal(err)
	}
	app, err := appserver.New(appserver.Config{PublicKey: f.pub, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s was taken meanwhile: %v", addr, err)
	}
	srv := &http.Server{Handler: app}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	f.demo.AppServerURL = "http://" + addr
	lic, err := f.demo.fetchLicense(ctx, company, 1)
	if err != nil {
		t.Fatalf("license after the server came back: %v", err)
	}
	if lic.CompanyID != company {
		t.Fatalf("license for %q", lic.CompanyID)
	}
}

func TestLambdaEntryHandlesSQSEvent(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	// The accounts stage built alone, as its Lambda runs it (no queue
	// client, never Run), publishing to the same localaws, over a real SQS
	// event whose bodies are a sample envelope and a poison message.
	stage, err := NewAccounts(context.Background(), AccountsConfig{
		StageConfig: StageConfig{Store: "sqlite:" + filepath.Join(t.TempDir(), "accounts.db"), Logger: quietLogger(t)},
		Bus:         Bus{Client: f.p.Clients.Events}, PublicKey: f.pub})
	if err != nil {
		t.Fatal(err)
	}
	defer stage.Close()
	body, err := schemas.Sample("company-signup-requested.json")
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:sqs:us-east-1:000000000000:licenseflow-signup"
	h := stage.Lambda()
	resp, err := h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: string(body), EventSourceARN: arn},
		{MessageId: "m2", Body: "{not an event", EventSourceARN: arn},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m2" {
		t.Fatalf("batch item failures = %+v", resp.BatchItemFailures)
	}
}

// awaitFailure waits for the push stage to fail on an event of the company.
func awaitFailure(ctx context.Context, f *fixture, company string) error {
	timeout := time.After(60 * time.Second)
	for {
		select {
		case h := <-f.hops:
			if h.Stage == "licensepush" && h.CompanyID == company && h.Err != nil {
				return nil
			}
		case <-timeout:
			return errors.New("no failed delivery seen")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runUntilSession signs a company up, pays, and logs its admin in; it
// returns the company id.
func runUntilSession(ctx context.Context, f *fixture) (string, error) {
	var signup struct {
		CompanyID string `json:"company_id"`
		Token     string `json:"token"`
	}
	if err := f.demo.post(ctx, "/v1/signup", "", map[string]any{
		"company": map[string]string{"name": "Umbrella"},
		"admin":   map[string]string{"email": "alice@umbrella.example", "name": "Alice"},
	}, &signup); err != nil {
		return "", err
	}
	if _, err := f.demo.await(ctx, "accounts", lfevents.TypeCompanySignup, signup.CompanyID); err != nil {
		return "", err
	}
	for _, ev := range demoStripeEvents(signup.CompanyID, "team_monthly", time.Now()) {
		payload, _ := json.Marshal(ev)
		if err := f.demo.webhook(ctx, payload); err != nil {
			return "", err
		}
	}
	if err := f.demo.post(ctx, "/v1/sessions", signup.Token, map[string]any{}, nil); err != nil {
		return "", err
	}
	return signup.CompanyID, nil
}

func receiveOne(t *testing.T, c *sqs.Client, queue string) sqstypes.Message {
	t.Helper()
	url, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl,
			WaitTimeSeconds: 2, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			return out.Messages[0]
		}
	}
	t.Fatalf("nothing arrived on %s", queue)
	return sqstypes.Message{}
}

func visible(t *testing.T, c *sqs.Client, queue string) int {
	t.Helper()
	url, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		if v != "0" {
			n++
		}
	}
	return n
}

func postRaw(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestDuplicateAndOutOfOrderWebhooks(t *testing.T) {
	f := start(t, t.TempDir(), nil)
	ctx := context.Background()
	company := "co_outoforder"
	now := time.Now()
	evs := demoStripeEvents(company, "team_monthly", now) // checkout, subscription created (team)
	updated := demoStripeEvents(company, "team_monthly", now.Add(10*time.Second))[1]
	updated["type"] = "customer.subscription.updated"
	obj := updated["data"].(map[string]any)["object"].(map[string]any)
	obj["id"] = evs[1]["data"].(map[string]any)["object"].(map[string]any)["id"]
	obj["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)["lookup_key"] = "enterprise_monthly"
	// The newest first, handled; then the older ones and the newest
	// again, each twice. (Sent all at once, a consumer may take them in one
	// receive and handle an older one first, which rightly issues a license
	// of its own.)
	send := func(evs ...map[string]any) {
		for _, ev := range evs {
			payload, _ := json.Marshal(ev)
			if err := f.demo.webhook(ctx, payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	var seen []string
	awaitPayment := func(n int) {
		deadline := time.After(60 * time.Second)
		for handled := 0; handled < n; {
			select {
			case h := <-f.hops:
				if h.Stage == StagePayment && h.CompanyID == company {
					if h.Err != nil {
						t.Fatalf("payment failed on %s: %v", h.DetailType, h.Err)
					}
					seen = append(seen, h.DetailType+" "+string(h.Detail))
					handled++
				}
			case <-deadline:
				t.Fatalf("payment handled %d of %d deliveries", handled, n)
			}
		}
	}
	send(updated)
	awaitPayment(1)
	later := []map[string]any{evs[1], evs[0], updated, evs[1], evs[0]}
	send(later...)
	awaitPayment(len(later))
	latest, ok, err := f.p.Payment.Latest(ctx, company)
	if err != nil || !ok {
		t.Fatalf("no license: %v", err)
	}
	if latest.Plan != "enterprise" {
		t.Fatalf("plan after out-of-order delivery = %q, want enterprise (the newest state)", latest.Plan)
	}
	if latest.Serial != 1 {
		t.Fatalf("serial = %d: duplicates or older events issued licenses; handled:\n%s", latest.Serial, strings.Join(seen, "\n"))
	}
}
