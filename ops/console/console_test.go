package console_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/browsertest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/internal/webui/webuitest"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/ops/console"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/pipeline/pipelinetest"
	"github.com/licenseflow/licenseflow/schemas"
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
	cfg := pipelinetest.Config(dir, pub, priv, testSecret)
	cfg.LocalAWS.NoSync, cfg.Logger = true, testlog.Quiet()
	pipe, err = pipeline.Start(context.Background(), cfg)
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
	// Options of a closed select are never visible: they do not count.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.Search(`//main//*[not(self::option)][text()[contains(., `+lit+`)]]`))); err != nil {
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
	localawstest.PutEvents(t, pipe.Clients.Events, entry)
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

// The browser tests run one after the other: they share the pipeline and
// each watches queues the others leave alone.

func randomID(prefix string) string { return prefix + rand.Text() }

// TestPipelineViewShowsTheStagesAndCounts: the stages as the README draws
// them, each queue's counts and its DLQ's, updating by themselves.
func TestPipelineViewShowsTheStagesAndCounts(t *testing.T) {
	dlq := queueURL(t, infra.QueuePayment+"-dlq") // no other test touches it
	before := total(t, dlq)
	dead := map[string]string{events.MetadataPoisonReason: "permanent: test"}
	sendEvents(t, dlq, dead, envelope(randomID("e"), events.SourceWebhook, events.TypeInvoicePaid, "co_view"),
		envelope(randomID("e"), events.SourceWebhook, events.TypeInvoicePaid, "co_view"))
	ctx := tab(t)
	open(t, ctx, "", 200)
	text := pageText(t, ctx)
	for _, want := range []string{"webhook edge", "signup edge", "EventBridge bus licenseflow", "payment stage",
		"user-signup stage", "license-push stage", infra.QueuePayment, infra.QueueSignup, infra.QueueLicensePush,
		"application servers", "visible", "in flight", "delayed", "oldest", "handled"} {
		if !strings.Contains(text, want) {
			t.Errorf("the pipeline view lacks %q:\n%s", want, text)
		}
	}
	column, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-stage="payment"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(before+2) + " dead"; !strings.Contains(column, want) || !strings.Contains(column, infra.QueuePayment+"-dlq") {
		t.Fatalf("the payment column does not say %q:\n%s", want, column)
	}
	browsertest.Screenshot(t, ctx, "console-pipeline")
	// One more dead letter: the page shows it without a reload.
	sendEvents(t, dlq, dead, envelope(randomID("e"), events.SourceWebhook, events.TypeInvoicePaid, "co_view"))
	waitText(t, ctx, strconv.Itoa(before+3)+" dead")
}

// awaitMessages waits until the queue at url holds n messages, receiving
// them without deleting them (localawstest.Bounce).
func awaitMessages(t *testing.T, url string, n int) {
	t.Helper()
	localawstest.Bounce(t, pipe.Clients.SQS, url, 60*time.Second, fmt.Sprintf("%d messages in %s", n, url),
		func() bool { return total(t, url) >= n })
}

// TestPoisonedEventDryRunThenReplay: a stage whose handler refuses an event
// for good dead-letters it with the reason; the DLQ's page shows it and
// why; a dry run lists it and moves nothing; once the handler is fixed,
// Replay (confirmed) moves it back, the stage handles it and the DLQ's
// count goes to zero.
func TestPoisonedEventDryRunThenReplay(t *testing.T) {
	c := pipe.Clients.SQS
	src, dlq := localawstest.CreateRedrivenQueue(t, c, randomID("orders-"), "", 5, nil)
	var fixed atomic.Bool
	handled := make(chan string, 4)
	handler := func(_ context.Context, e events.Envelope) error {
		if !fixed.Load() {
			return events.Permanent(errors.New(`no plan named "platinum"`))
		}
		handled <- e.ID
		return nil
	}
	sub, err := events.NewSQSSubscriber(events.SQSSubscriberConfig{Client: c, Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Consume(t, sub, src.Name, handler, events.WithName("orders"), events.WithLogger(testlog.Quiet()))

	body, err := schemas.Sample("subscription-changed.json")
	if err != nil {
		t.Fatal(err)
	}
	localawstest.Send(t, c, src.URL, localawstest.Bodies(string(body))...)
	awaitMessages(t, dlq.URL, 1)

	ctx := tab(t)
	open(t, ctx, "/queues/"+dlq.Name, 200)
	text := pageText(t, ctx)
	for _, want := range []string{"dead-letter queue", "Why it is here", events.MetadataPoisonReason, `no plan named "platinum"`,
		"Subscription Changed", "Dry run", "Purge", src.Name} {
		if !strings.Contains(text, want) {
			t.Fatalf("the DLQ page lacks %q:\n%s", want, text)
		}
	}
	browsertest.Screenshot(t, ctx, "console-dead-letter")

	if err := chromedp.Do(ctx, browsertest.Fill("Detail-type", events.TypeSubscriptionChanged)); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "Dry run", 200)
	waitText(t, ctx, "Done")
	if text := pageText(t, ctx); !strings.Contains(text, "would move 1") || !strings.Contains(text, src.Name) {
		t.Fatalf("the dry run's page:\n%s", text)
	}
	browsertest.Screenshot(t, ctx, "console-dry-run")
	if n := total(t, dlq.URL); n != 1 {
		t.Fatalf("after the dry run the DLQ holds %d messages", n)
	}

	fixed.Store(true)
	submit(t, ctx, "Replay", 200)
	if text := pageText(t, ctx); !strings.Contains(text, "Replay "+dlq.Name+"?") || !strings.Contains(text, "up to 1 messages") {
		t.Fatalf("the confirmation page:\n%s", text)
	}
	submit(t, ctx, "Confirm replay", 200)
	waitText(t, ctx, "Done")
	if text := pageText(t, ctx); !strings.Contains(text, "moved 1") {
		t.Fatalf("the replay's page:\n%s", text)
	}
	select {
	case <-handled:
	case <-time.After(60 * time.Second):
		t.Fatal("the fixed stage never handled the replayed event")
	}
	open(t, ctx, "/queues/"+dlq.Name, 200)
	if text := pageText(t, ctx); !strings.Contains(text, "The queue is empty") || !strings.Contains(text, "would move 1, failed 0") ||
		!strings.Contains(text, "moved 1, failed 0") {
		t.Fatalf("the DLQ page after the replay (its dry run and replay listed):\n%s", text)
	}
	if n := total(t, dlq.URL); n != 0 {
		t.Fatalf("the DLQ holds %d messages after the replay", n)
	}
}

// TestPurgeAsksForTheQueuesName: a wrong name purges nothing; the right
// one empties the DLQ.
func TestPurgeAsksForTheQueuesName(t *testing.T) {
	// A queue pair of its own: SQS allows one purge a minute per queue.
	src, q := localawstest.CreateRedrivenQueue(t, pipe.Clients.SQS, randomID("payment-v2-"), "", 5, nil)
	name, dlq := q.Name, q.URL
	sendEvents(t, dlq, map[string]string{events.MetadataPoisonReason: "permanent: test"},
		envelope(randomID("e"), events.SourceWebhook, events.TypeSubscriptionChanged, "co_purge"))
	n := total(t, dlq)
	ctx := tab(t)
	browsertest.WithoutJavaScript(t, ctx) // forms work without it
	open(t, ctx, "/queues/"+name, 200)
	label := "Type the queue's name to purge it"
	if err := chromedp.Do(ctx, browsertest.Fill(label, src.Name)); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "Purge", 400)
	if text := pageText(t, ctx); !strings.Contains(text, "does not match") || !strings.Contains(text, "nothing was purged") {
		t.Fatalf("after a wrong name:\n%s", text)
	}
	if got := total(t, dlq); got != n {
		t.Fatalf("a wrong name purged: %d messages left of %d", got, n)
	}
	browsertest.Screenshot(t, ctx, "console-purge-refused")
	if err := chromedp.Do(ctx, browsertest.Fill(label, name)); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "Purge", 200)
	if text := pageText(t, ctx); !strings.Contains(text, "Purged "+name) {
		t.Fatalf("after the right name:\n%s", text)
	}
	if got := total(t, dlq); got != 0 {
		t.Fatalf("%d messages left after the purge", got)
	}
}

// TestLiveTailAndEventPath: a webhook's events appear in the live tail as
// they happen, with the rules they matched and where they went, filtered
// by company; the event path shows its hops; a poisoned event's path
// says where it stopped and why.
func TestLiveTailAndEventPath(t *testing.T) {
	company := randomID("co_tail_")
	ctx := tab(t)
	open(t, ctx, "/events?company="+company, 200)
	postWebhook(t, randomID("evt_tail_"), company)
	waitText(t, ctx, events.TypeSubscriptionChanged)
	waitText(t, ctx, "licenseflow-payment-events → "+infra.QueuePayment)
	waitText(t, ctx, events.TypeLicenseIssued)
	browsertest.Screenshot(t, ctx, "console-events")
	if text := pageText(t, ctx); strings.Contains(text, "co_view") {
		t.Fatalf("the company filter let another company's events through:\n%s", text)
	}
	open(t, ctx, "/events?company="+company+"&detail-type="+strings.ReplaceAll(events.TypeLicenseIssued, " ", "+"), 200)
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("tbody")))
	if err != nil || !strings.Contains(rows, events.TypeLicenseIssued) || strings.Contains(rows, events.TypeSubscriptionChanged) {
		t.Fatalf("filtered by detail-type: %v\n%s", err, rows)
	}

	open(t, ctx, "/path", 200)
	if err := chromedp.Do(ctx, browsertest.Fill("Company id", company)); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "Show path", 200)
	text := pageText(t, ctx)
	for _, want := range []string{"webhook accepted: Subscription Changed", "routed to " + infra.QueuePayment, "license #1 issued (team)", infra.QueueLicensePush} {
		if !strings.Contains(text, want) {
			t.Fatalf("the path lacks %q:\n%s", want, text)
		}
	}
	browsertest.Screenshot(t, ctx, "console-path")

	// A license signed with another key: the license-push stage refuses it
	// for good; its path stops in the DLQ with the reason.
	_, otherKey, _ := license.GenerateKey()
	file, err := license.Sign(otherKey, license.License{CompanyID: company, Plan: "team", Status: "active", Seats: 1, Serial: 9,
		IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	dlq := queueURL(t, infra.QueueLicensePush+"-dlq")
	before := total(t, dlq)
	publish(t, randomID("corr-"), events.LicenseIssued{CompanyID: company, Serial: 9, Plan: "team", Status: "active",
		ExpiresAt: time.Now().Add(time.Hour), License: string(file)})
	awaitMessages(t, dlq, before+1)
	// The path peeks at the dead-letter queue, where the package's other
	// tests receive now and then: a dead letter they hold in flight shows
	// on a later look.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		open(t, ctx, "/path?company="+company, 200)
		text = pageText(t, ctx)
		if strings.Contains(text, "Stopped: dead-lettered in ") && strings.Contains(text, "dead-lettered in "+infra.QueueLicensePush+"-dlq") &&
			strings.Contains(text, "license signature invalid") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the poisoned event's path:\n%s", text)
		}
	}
}

// newConsole builds a console of its own on the shared pipeline's
// endpoint, served on loopback, closed when t ends.
func newConsole(t *testing.T, mod func(*console.Config)) (*console.Console, *httptest.Server) {
	t.Helper()
	cfg := console.Config{SQS: pipe.Clients.SQS, Events: pipe.Clients.Events, SQSEndpoint: pipe.LocalAWS.URL(),
		EventsEndpoint: pipe.LocalAWS.URL(), Logger: testlog.Quiet()}
	if mod != nil {
		mod(&cfg)
	}
	c, err := console.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c, srv
}

// TestTokenGuardsEveryRoute: with a token, pages lead to the sign-in form,
// forms need a session, the token works as a Bearer header on GETs, and
// neither a page nor a cookie ever holds it.
func TestTokenGuardsEveryRoute(t *testing.T) {
	const token = "console-token-for-the-test-0123"
	_, srv := newConsole(t, func(c *console.Config) { c.Token = token })
	base := srv.URL + "/console"
	ann := webuitest.Client(t)
	resp, _ := webuitest.Do(t, ann, http.MethodGet, base+"/queues", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fqueues" {
		t.Fatalf("a page without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := webuitest.Do(t, http.DefaultClient, http.MethodGet, base+"/queues", nil, http.Header{"Authorization": {"Bearer " + token}}); resp.StatusCode != 200 {
		t.Fatalf("a page with the Bearer token: %d", resp.StatusCode)
	}
	if resp, _ := webuitest.Do(t, webuitest.Client(t), http.MethodGet, base+"/queues", nil, http.Header{"Authorization": {"Bearer nope"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a page with a wrong Bearer token: %d", resp.StatusCode)
	}
	_, login := webuitest.Do(t, ann, http.MethodGet, base+"/login?next=%2Fconsole%2Fqueues", nil, nil)
	csrf := webuitest.CSRFToken(t, login)
	if resp, body := webuitest.Do(t, ann, http.MethodPost, base+"/login", url.Values{"csrf_token": {csrf}, "token": {"guess"}, "next": {"/console/queues"}}, nil); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "That is not the console") {
		t.Fatalf("a wrong token: %d %s", resp.StatusCode, body)
	}
	// Forms need a session even with their CSRF token.
	purge := base + "/queues/" + infra.QueueSignup + "-dlq/purge"
	if resp, _ := webuitest.Do(t, ann, http.MethodPost, purge, url.Values{"csrf_token": {csrf}, "confirm_name": {infra.QueueSignup + "-dlq"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a purge without a session: %d", resp.StatusCode)
	}
	resp, _ = webuitest.Do(t, ann, http.MethodPost, base+"/login", url.Values{"csrf_token": {csrf}, "token": {token}, "next": {"https://evil.example/"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console" {
		t.Fatalf("signing in: %d %s (a foreign next must lead home)", resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(base)
	for _, ck := range ann.Jar.Cookies(u) {
		if strings.Contains(ck.Value, token) {
			t.Fatalf("cookie %s holds the token", ck.Name)
		}
	}
	for _, page := range []string{"", "/queues", "/events", "/path", "/queues/" + infra.QueuePayment} {
		resp, body := webuitest.Do(t, ann, http.MethodGet, base+page, nil, nil)
		if resp.StatusCode != 200 || strings.Contains(body, token) {
			t.Fatalf("%s with a session: %d (token shown: %v)", page, resp.StatusCode, strings.Contains(body, token))
		}
	}
	// A form without its CSRF token is refused, session or not.
	if resp, _ := webuitest.Do(t, ann, http.MethodPost, purge, url.Values{"confirm_name": {infra.QueueSignup + "-dlq"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a purge without its CSRF token: %d", resp.StatusCode)
	}
}

// TestWithoutATokenOnlyLoopbackNames: a console without a token answers
// only requests addressed to loopback, so a page elsewhere cannot reach it
// by DNS rebinding.
func TestWithoutATokenOnlyLoopbackNames(t *testing.T) {
	_, srv := newConsole(t, nil)
	for host, want := range map[string]int{"attacker.example": http.StatusMisdirectedRequest, "attacker.example:80": http.StatusMisdirectedRequest,
		"10.1.2.3:8081": http.StatusMisdirectedRequest, strings.TrimPrefix(srv.URL, "http://"): 200, "localhost:8081": 200, "[::1]:8081": 200} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/queues", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8081", "", true}, {"[::1]:8081", "", true}, {"localhost:8081", "", true}, {"127.9.9.9:0", "", true},
		{"0.0.0.0:8081", "", false}, {":8081", "", false}, {"[::]:8081", "", false}, {"10.0.0.5:8081", "", false},
		{"console.example:8081", "", false}, {"0.0.0.0:8081", "a-token-long-enough", true},
	} {
		if err := console.CheckAddr(tc.addr, tc.token); (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q, %q) = %v", tc.addr, tc.token, err)
		}
	}
	if _, err := console.New(context.Background(), console.Config{SQS: pipe.Clients.SQS, Events: pipe.Clients.Events, Token: "short"}); err == nil {
		t.Error("a console accepted a token of 5 characters")
	}
}

// TestAsOnAWS: where the endpoint serves none of localaws's operations, the
// tail goes through a temporary rule and queue (the rules an event matched
// come from TestEventPattern) that the console removes when it stops, and
// peeks receive and release, and only on request on a live queue.
func TestAsOnAWS(t *testing.T) {
	c, srv := newConsole(t, func(c *console.Config) { c.SQSEndpoint, c.TailRule = "", true })
	ctx := context.Background()
	tails := func() (rules, queues int) {
		r, err := pipe.Clients.Events.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(infra.BusName), NamePrefix: aws.String(console.TailPrefix)})
		if err != nil {
			t.Fatal(err)
		}
		q, err := pipe.Clients.SQS.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(console.TailPrefix)})
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Rules), len(q.QueueUrls)
	}
	if r, q := tails(); r != 1 || q != 1 {
		t.Fatalf("the console made %d tail rules and %d tail queues", r, q)
	}

	company := randomID("co_aws_")
	streamCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(streamCtx, http.MethodGet, srv.URL+"/console/events/live?company="+company, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	publish(t, randomID("corr-"), events.CompanySignupRequested{CompanyID: company, CompanyName: "Tail Co", AdminUserID: randomID("usr_"),
		AdminEmail: "ada@tail.example", AdminName: "Ada", RequestedAt: time.Now()})
	var row strings.Builder
	for sc := bufio.NewScanner(resp.Body); sc.Scan() && !strings.Contains(row.String(), "</tr>"); {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			row.WriteString(line)
		}
	}
	if got := row.String(); !strings.Contains(got, company) || !strings.Contains(got, "licenseflow-signup-events → "+infra.QueueSignup) {
		t.Fatalf("the tail's row: %s", got)
	}

	// Peeks: a DLQ's messages are received and released; a live queue's
	// only when asked.
	src, dlq := localawstest.CreateRedrivenQueue(t, pipe.Clients.SQS, randomID("aws-"), "", 3, nil)
	body := envelope(randomID("e"), events.SourceWebhook, events.TypeInvoicePaid, company)
	sendEvents(t, dlq.URL, map[string]string{"ERROR_CODE": "SDK_CLIENT_ERROR"}, body)
	sendEvents(t, src.URL, nil, body)
	_, page := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/console/queues/"+dlq.Name, nil, nil)
	if !strings.Contains(page, "received and made visible again") || !strings.Contains(page, "SDK_CLIENT_ERROR") || !strings.Contains(page, company) {
		t.Fatalf("the DLQ's page:\n%s", page)
	}
	_, page = webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/console/queues/"+src.Name, nil, nil)
	if !strings.Contains(page, "Peek anyway") || strings.Contains(page, company) {
		t.Fatalf("a live queue's page peeked unasked:\n%s", page)
	}
	_, page = webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/console/queues/"+src.Name+"?peek=1", nil, nil)
	if !strings.Contains(page, company) {
		t.Fatalf("a live queue's page asked to peek:\n%s", page)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if r, q := tails(); r != 0 || q != 0 {
		t.Fatalf("after Close: %d tail rules and %d tail queues left", r, q)
	}
}
