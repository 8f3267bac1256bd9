package sqs

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestSmokeSendReceiveDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := ctxT(t)
	cq, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("smoke")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: cq.QueueUrl, MessageBody: aws.String("hello \"world\" ✓"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"a": {DataType: aws.String("String"), StringValue: aws.String("x")},
			"b": {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
			"n": {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || *out.Messages[0].Body != "hello \"world\" ✓" {
		t.Fatalf("got %+v", out.Messages)
	}
	t.Logf("attrs %v", out.Messages[0].Attributes)
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: cq.QueueUrl, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var qdne *types.QueueDoesNotExist
	if !errorsAs(err, &qdne) {
		t.Fatalf("want QueueDoesNotExist, got %T %v", err, err)
	}
	t.Log(err)
}
