package localawstest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
)

var local *localaws.Server

func TestMain(m *testing.M) { Main(m, localaws.Config{NoSync: true}, &local) }

func TestQueueHelpers(t *testing.T) {
	t.Parallel()
	c := sqs.NewFromConfig(Config(local.URL()))
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
