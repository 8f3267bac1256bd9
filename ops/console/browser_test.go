package console_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/browsertest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/schemas"
)

// The browser tests run one after the other: they share the pipeline and
// each watches queues the others leave alone.

func randomID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// TestPipelineViewShowsTheStagesAndCounts: the stages as the README draws
// them, each queue's counts and its DLQ's, updating by themselves.
func TestPipelineViewShowsTheStagesAndCounts(t *testing.T) {
	dlq := queueURL(t, infra.QueueSignup+"-dlq")
	before := total(t, dlq)
	dead := map[string]string{events.MetadataPoisonReason: "permanent: test"}
	sendEvents(t, dlq, dead, envelope(randomID("e"), events.SourceSignup, events.TypeCompanySignup, "co_view"),
		envelope(randomID("e"), events.SourceSignup, events.TypeCompanySignup, "co_view"))
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
	column, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-stage="accounts"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(before+2) + " dead"; !strings.Contains(column, want) || !strings.Contains(column, infra.QueueSignup+"-dlq") {
		t.Fatalf("the user-signup column does not say %q:\n%s", want, column)
	}
	browsertest.Screenshot(t, ctx, "console-pipeline")
	// One more dead letter: the page shows it without a reload.
	sendEvents(t, dlq, dead, envelope(randomID("e"), events.SourceSignup, events.TypeCompanySignup, "co_view"))
	waitText(t, ctx, strconv.Itoa(before+3)+" dead")
}

// awaitMessages waits until the queue at url holds n messages: each long
// poll returns as soon as one arrives, and what it received is visible
// again at once (after a second at most, if the SDK lost the answer).
func awaitMessages(t *testing.T, url string, n int) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(60 * time.Second); total(t, url) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d messages, not %d", url, total(t, url), n)
		}
		out, err := pipe.Clients.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			WaitTimeSeconds: 1, VisibilityTimeout: 1, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			if _, err := pipe.Clients.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
				ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
				t.Fatal(err)
			}
		}
	}
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
	stageCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = events.Run(stageCtx, sub, src.Name, handler, events.WithName("orders"), events.WithLogger(testlog.Quiet()))
	})
	t.Cleanup(func() { stop(); wg.Wait(); sub.Close() })

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
	if text := pageText(t, ctx); !strings.Contains(text, "The queue is empty") {
		t.Fatalf("the DLQ page after the replay:\n%s", text)
	}
	if n := total(t, dlq.URL); n != 0 {
		t.Fatalf("the DLQ holds %d messages after the replay", n)
	}
}

// TestPurgeAsksForTheQueuesName: a wrong name purges nothing; the right
// one empties the DLQ.
func TestPurgeAsksForTheQueuesName(t *testing.T) {
	name := infra.QueuePayment + "-dlq"
	dlq := queueURL(t, name)
	sendEvents(t, dlq, map[string]string{events.MetadataPoisonReason: "permanent: test"},
		envelope(randomID("e"), events.SourceWebhook, events.TypeSubscriptionChanged, "co_purge"))
	n := total(t, dlq)
	ctx := tab(t)
	open(t, ctx, "/queues/"+name, 200)
	label := "Type the queue's name to purge it"
	if err := chromedp.Do(ctx, browsertest.Fill(label, infra.QueuePayment)); err != nil {
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
	for _, want := range []string{"webhook accepted: Subscription Changed", "license #1 issued (team)", "routed to " + infra.QueueLicensePush} {
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
	open(t, ctx, "/path?company="+company, 200)
	text = pageText(t, ctx)
	if !strings.Contains(text, "Stopped: dead-lettered in "+infra.QueueLicensePush+"-dlq") || !strings.Contains(text, "signature") {
		t.Fatalf("the poisoned event's path:\n%s", text)
	}
}
