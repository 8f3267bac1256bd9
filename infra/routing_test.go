package infra_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/schemas"
)

// expectedQueue is where each sample must land: the routing the product
// owner asked for, written independently of the template's rules.
func expectedQueues(source, detailType string) []string {
	switch {
	case source == "licenseflow.webhook" || len(source) >= len("aws.partner/stripe.com") && source[:len("aws.partner/stripe.com")] == "aws.partner/stripe.com":
		return []string{infra.QueuePayment}
	case source == "licenseflow.signup":
		return []string{infra.QueueSignup}
	case detailType == "License Issued":
		// to be pushed, and recorded for the user application
		return []string{infra.QueueLicensePush, infra.QueueSignup}
	case detailType == "Session Started":
		return []string{infra.QueueLicensePush}
	case detailType == "License Delivered":
		return []string{infra.QueueSignup}
	}
	return nil
}

// TestSamplesRouteThroughTemplateRules publishes every sample event on a
// real localaws whose bus, rules and queues come from the template, and
// checks each reaches exactly its expected queue and no other.
func TestSamplesRouteThroughTemplateRules(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := localawstest.Start(t, localaws.Config{NoSync: true})
	q, eb := localawstest.SQS(srv.URL()), localawstest.EventBridge(srv.URL())

	top := infra.Default()
	applied, err := infra.Apply(ctx, q, eb, top)
	if err != nil {
		t.Fatal(err)
	}
	// Applying twice changes nothing and fails nothing.
	if _, err := infra.Apply(ctx, q, eb, top); err != nil {
		t.Fatalf("second apply: %v", err)
	}

	want := map[string][]string{} // queue -> sample names
	sent := 0
	for _, name := range schemas.Samples() {
		b, err := schemas.Sample(name)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := events.ParseEnvelope(b)
		if err != nil {
			t.Fatalf("sample %s: %v", name, err)
		}
		entry := localawstest.Entry(top.Bus, ev.Source, ev.DetailType, string(ev.Detail))
		entry.Resources = []string{"sample:" + name}
		localawstest.PutEvents(t, eb, entry)
		sent++
		for _, q := range expectedQueues(ev.Source, ev.DetailType) {
			want[q] = append(want[q], name)
		}
	}
	// PutEvents refuses aws.* sources (partner events arrive on a partner
	// bus), so the partner source is checked against the pattern itself.
	for _, r := range top.Rules {
		ev := `{"id":"1","source":"aws.partner/stripe.com/ed_test_1","detail-type":"invoice.paid","account":"000000000000",` +
			`"time":"2026-03-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{}}`
		res, err := eb.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(ev), EventPattern: aws.String(r.EventPattern)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Result != (r.Targets[0].Queue == infra.QueuePayment) {
			t.Errorf("rule %s: matches a Stripe partner event: %v", r.Name, res.Result)
		}
	}
	if sent != len(schemas.Samples()) || len(want[infra.QueueLicensePush]) != 2 || len(want[infra.QueueSignup]) == 0 {
		t.Fatalf("samples do not cover the routes: %v", want)
	}
	// The template's archive keeps every event, for replays.
	if len(top.Archives) != 1 {
		t.Fatalf("topology archives %+v, want the template's one", top.Archives)
	}
	arc, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(top.Archives[0].Name)})
	if err != nil || aws.ToInt32(arc.RetentionDays) != 30 || arc.EventCount != int64(sent) {
		t.Fatalf("the bus's archive: %+v, %v; want 30 days and the %d samples", arc, err, sent)
	}

	for _, queue := range top.Queues {
		var got []string
		for _, m := range localawstest.Drain(t, q, applied.QueueURLs[queue.Name], len(want[queue.Name]), time.Minute) {
			got = append(got, sampleName(t, aws.ToString(m.Body)))
		}
		sort.Strings(got)
		exp := append([]string(nil), want[queue.Name]...)
		sort.Strings(exp)
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("queue %s: got samples %v, want %v", queue.Name, got, exp)
		}
	}
}

// sampleName returns the name of the sample an event carries (in its
// resources).
func sampleName(t *testing.T, body string) string {
	t.Helper()
	ev, err := events.ParseEnvelope([]byte(body))
	if err != nil || len(ev.Resources) != 1 || !strings.HasPrefix(ev.Resources[0], "sample:") {
		t.Fatalf("message is not one of ours: %s", body)
	}
	return ev.Resources[0][len("sample:"):]
}
