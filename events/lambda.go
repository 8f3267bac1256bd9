package events

import (
	"context"
	"strings"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// SQSLambdaHandler adapts h to a Lambda function fed by an SQS event source
// mapping with ReportBatchItemFailures on. Records run in order; each
// record's body must be an EventBridge envelope whose detail validates.
// Failed records are reported in BatchItemFailures, so only they return to
// the queue; on a FIFO queue the first failure also reports every later
// record (their order must hold). Permanent failures are reported too (the
// queue's redrive policy moves them to the DLQ) and logged as such. A panic
// fails its record, not the batch. The returned error is always nil: a
// whole-batch error would retry records that succeeded.
//
// Invalid options (a Validator that cannot be built) panic at once, at
// cold start, like template.Must.
func SQSLambdaHandler(h Handler, opts ...Option) func(context.Context, awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
	o, err := buildOptions(opts)
	if err != nil {
		panic("events: SQSLambdaHandler: " + err.Error())
	}
	return func(ctx context.Context, ev awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		var resp awsevents.SQSEventResponse
		failRest := false
		for _, rec := range ev.Records {
			if failRest {
				resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				continue
			}
			if err := o.handleRecord(ctx, h, rec); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				failRest = strings.HasSuffix(rec.EventSourceARN, ".fifo")
			}
		}
		return resp, nil
	}
}

func (o options) handleRecord(ctx context.Context, h Handler, rec awsevents.SQSMessage) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var env Envelope
	err := callSafely(func() error {
		var e error
		env, e = consume(ctx, o.validator, h, []byte(rec.Body))
		return e
	})
	handled{
		handler:       o.name,
		queue:         queueNameOfARN(rec.EventSourceARN),
		messageID:     rec.MessageId,
		eventID:       env.ID,
		detailType:    env.DetailType,
		correlationID: DetailCorrelationID(env.Detail),
		receiveCount:  rec.Attributes["ApproximateReceiveCount"],
		latency:       time.Since(start),
		err:           err,
	}.log(ctx, o.logger)
	return err
}

// queueNameOfARN returns the last part of an SQS queue ARN.
func queueNameOfARN(arn string) string {
	return arn[strings.LastIndexByte(arn, ':')+1:]
}
