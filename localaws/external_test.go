package localaws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// TestEventsDeliverToExternalSQS runs EventBridge in one localaws whose
// targets deliver to the SQS of another endpoint, as with ElasticMQ.
func TestEventsDeliverToExternalSQS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queues, err := localaws.Start(ctx, localaws.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer queues.Close()
	events, err := localaws.Start(ctx, localaws.Config{Addr: "127.0.0.1:0", SQSEndpoint: queues.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	sq := sqs.NewFromConfig(localawstest.Config(queues.URL()))
	eb := eventbridge.NewFromConfig(localawstest.Config(events.URL()))

	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orders"),
		EventPattern: aws.String(`{"source":["shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	// ElasticMQ names its ARNs after its own region; only the name counts.
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), Targets: []ebtypes.Target{
		{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:elasticmq:000000000000:orders")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{"id":7}`)}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
	got, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 || !strings.Contains(aws.ToString(got.Messages[0].Body), `"detail":{"id":7}`) {
		t.Fatalf("external queue got %+v", got.Messages)
	}
}
