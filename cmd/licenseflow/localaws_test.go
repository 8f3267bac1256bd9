package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/infra"
)

// TestLocalAWSTopologyFromTemplate: `localaws --topology` creates exactly the
// template's queues and rules.
func TestLocalAWSTopologyFromTemplate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, c := startLocalAWS(t, true)
	want := infra.Default()
	queues, err := c.SQS.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("licenseflow")})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, q := range want.Queues {
		names[q.Name] = true
		if q.DLQ != "" {
			names[q.DLQ] = true
		}
	}
	if len(queues.QueueUrls) != len(names) {
		t.Fatalf("queues %v, want %d of them", queues.QueueUrls, len(names))
	}
	rules, err := c.Events.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(want.Bus)})
	if err != nil {
		t.Fatal(err)
	}
	managed := 0 // the archive's rule, which EventBridge manages
	for _, r := range rules.Rules {
		if aws.ToString(r.ManagedBy) != "" {
			managed++
		}
	}
	if len(rules.Rules)-managed != len(want.Rules) || managed != len(want.Archives) {
		t.Fatalf("rules %d (%d managed), want %d and one for each of %d archives", len(rules.Rules), managed, len(want.Rules), len(want.Archives))
	}
	if err := applyTopology(ctx, srv, "", "no/such/template.yaml"); err == nil {
		t.Fatal("a missing template was accepted")
	}
}
