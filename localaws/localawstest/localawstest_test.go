package localawstest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
)

func TestFreshName(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,69}$`)
	a, b := FreshName(t, "q"), FreshName(t, "q")
	if a == b {
		t.Fatalf("two names alike: %s", a)
	}
	long := FreshName(t, strings.Repeat("x_", 60))
	for _, n := range []string{a, b, long} {
		if !valid.MatchString(n) {
			t.Errorf("name %q is not a valid queue name of at most 70 characters", n)
		}
	}
}

var local Shared

func TestMain(m *testing.M) { local.Main(m, localaws.Config{NoSync: true}) }

func TestQueueHelpers(t *testing.T) {
	t.Parallel()
	c := local.SQS()
	for _, suffix := range []string{"", ".fifo"} {
		src, dlq := CreateRedrivenQueue(t, c, FreshName(t, "q"), suffix, 3, map[string]string{"VisibilityTimeout": "7"})
		if !strings.HasSuffix(dlq.Name, "-dlq"+suffix) || !strings.HasSuffix(src.ARN, ":"+src.Name) || !strings.HasSuffix(dlq.ARN, ":"+dlq.Name) {
			t.Fatalf("queues %+v %+v", src, dlq)
		}
		attrs := attributes(t, c, src.URL, sqstypes.QueueAttributeNameAll)
		if attrs["VisibilityTimeout"] != "7" || !strings.Contains(attrs["RedrivePolicy"], dlq.ARN) || (suffix != "") != (attrs["FifoQueue"] == "true") {
			t.Fatalf("attributes %v", attrs)
		}

		bodies := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
		entries := Bodies(bodies...)
		if suffix != "" {
			for i := range entries {
				entries[i].MessageGroupId, entries[i].MessageDeduplicationId = aws.String("g"), aws.String(bodies[i])
			}
		}
		Send(t, c, src.URL, entries...)
		if entries[0].Id != nil {
			t.Fatal("Send changed the caller's entries")
		}
		if v, f, d := Counts(t, c, src.URL); v+f+d != len(bodies) {
			t.Fatalf("counts %d %d %d, want %d messages", v, f, d, len(bodies))
		}
		got := Drain(t, c, src.URL, len(bodies), 30*time.Second)
		var read []string
		for _, m := range got {
			read = append(read, aws.ToString(m.Body))
		}
		slices.Sort(read)
		if !slices.Equal(read, bodies) {
			t.Fatalf("drained %v", read)
		}
		if v, f, d := Counts(t, c, src.URL); v+f+d != 0 {
			t.Fatalf("after the drain %d %d %d", v, f, d)
		}
	}
}

func TestEventHelpers(t *testing.T) {
	t.Parallel()
	c, eb := local.SQS(), local.EventBridge()
	bus, q := FreshName(t, "bus"), CreateQueue(t, c, FreshName(t, "q"), nil)
	CreateBus(t, eb, bus)
	arn := Route(t, eb, bus, "orders", `{"source":["shop"]}`, Target("q", q.ARN))
	if !strings.HasSuffix(arn, ":rule/"+bus+"/orders") {
		t.Fatalf("rule ARN %s", arn)
	}
	ids := PutEvents(t, eb, Entry(bus, "shop", "Order Placed", `{"n":1}`), Entry(bus, "elsewhere", "Order Placed", `{"n":2}`))
	if len(ids) != 2 || ids[0] == "" || ids[1] == "" {
		t.Fatalf("event ids %q", ids)
	}
	got := Drain(t, c, q.URL, 1, 30*time.Second)
	if len(got) != 1 || !strings.Contains(aws.ToString(got[0].Body), `"id":"`+ids[0]+`"`) {
		t.Fatalf("the queue got %+v, want only event %s", got, ids[0])
	}
}
