package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/events"
)

// A stage's Lambda entry point: the same Handler the poller runs, wrapped
// for an SQS event source mapping with ReportBatchItemFailures. main would
// call lambda.Start(handler).
func ExampleSQSLambdaHandler() {
	v, err := events.NewValidator()
	if err != nil {
		panic(err)
	}
	handle := func(ctx context.Context, e events.Envelope) error {
		d, err := v.Decode(e)
		if err != nil {
			return err
		}
		switch d := d.(type) {
		case events.CompanySignupRequested:
			fmt.Printf("create company %s for %s (correlation %s)\n", d.CompanyName, d.AdminEmail, events.CorrelationID(ctx))
		case events.UserAddRequested:
			fmt.Printf("add %s to %s\n", d.Email, d.CompanyID)
		}
		return nil
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1}))
	handler := events.SQSLambdaHandler(handle, events.WithName("accounts"), events.WithValidator(v), events.WithLogger(quiet))

	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		panic(err)
	}
	var ev awsevents.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		panic(err)
	}
	resp, _ := handler(context.Background(), ev)
	for _, f := range resp.BatchItemFailures {
		fmt.Println("failed:", f.ItemIdentifier)
	}
	// Output:
	// create company Acme Rockets GmbH for ada@acme.example (correlation req-0a1b2c3d4e5f)
	// add grace@acme.example to cmp_7f3a9c01
	// failed: 059f36b4-87a3-44ab-83d2-661975250002
}
