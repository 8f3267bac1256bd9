package eventbridge

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestBusLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())

	def, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{})
	if err != nil {
		t.Fatalf("describing the default bus: %v", err)
	}
	if aws.ToString(def.Name) != "default" || aws.ToString(def.Arn) != "arn:aws:events:us-east-1:000000000000:event-bus/default" {
		t.Fatalf("default bus = %s %s", aws.ToString(def.Name), aws.ToString(def.Arn))
	}

	out, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events")})
	if err != nil {
		t.Fatalf("CreateEventBus: %v", err)
	}
	if got, want := aws.ToString(out.EventBusArn), "arn:aws:events:us-east-1:000000000000:event-bus/orders"; got != want {
		t.Fatalf("EventBusArn = %s, want %s", got, want)
	}
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders")}); err == nil {
		t.Fatal("creating an existing bus succeeded")
	} else if _, ok := asType[*types.ResourceAlreadyExistsException](err); !ok {
		t.Fatalf("creating an existing bus: %v, want ResourceAlreadyExistsException", err)
	}
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders-archive")}); err != nil {
		t.Fatal(err)
	}

	desc, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: out.EventBusArn})
	if err != nil {
		t.Fatalf("describing by ARN: %v", err)
	}
	if aws.ToString(desc.Description) != "order events" || desc.CreationTime == nil || desc.CreationTime.IsZero() {
		t.Fatalf("described bus = %+v", desc)
	}

	list, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{NamePrefix: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if names := busNames(list.EventBuses); len(names) != 2 || names[0] != "orders" || names[1] != "orders-archive" {
		t.Fatalf("ListEventBuses(orders) = %v", names)
	}
	first, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{Limit: aws.Int32(1)})
	if err != nil || len(first.EventBuses) != 1 || first.NextToken == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	rest, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{NextToken: first.NextToken})
	if err != nil || len(rest.EventBuses) != 2 || rest.NextToken != nil {
		t.Fatalf("second page = %v, %v", busNames(rest.EventBuses), err)
	}

	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("default")}); apiCode(err) != "ValidationException" {
		t.Fatalf("deleting the default bus: %v", err)
	}
	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatalf("DeleteEventBus: %v", err)
	}
	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatalf("deleting a deleted bus must succeed, as on AWS: %v", err)
	}
	if _, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("orders")}); err == nil {
		t.Fatal("describing a deleted bus succeeded")
	} else if _, ok := asType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("describing a deleted bus: %v", err)
	}
	for _, bad := range []string{"", "has space", "x/y"} {
		if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String(bad)}); apiCode(err) != "ValidationException" {
			t.Errorf("CreateEventBus(%q): %v, want ValidationException", bad, err)
		}
	}
}

func busNames(bs []types.EventBus) []string {
	var names []string
	for _, b := range bs {
		names = append(names, aws.ToString(b.Name))
	}
	return names
}
