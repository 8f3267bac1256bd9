package events

import (
	"strconv"
	"testing"
	"time"

	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process localaws every integration test of this package
// shares (in memory, loopback only), with its SDK clients.
var local localawstest.Shared

func TestMain(m *testing.M) { local.Main(m, localaws.Config{NoSync: true}) }

// testQueue is a queue (and maybe its DLQ) made for one test.
type testQueue struct {
	name, url, arn string
	dlqURL         string
}

// newQueue creates a queue with the given visibility timeout holding
// bodies; with maxReceive > 0 it also gets a DLQ with that redrive policy.
func newQueue(t testing.TB, visibility time.Duration, maxReceive int, bodies ...string) testQueue {
	t.Helper()
	name := localawstest.FreshName(t, "q")
	attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility / time.Second))}
	var q testQueue
	if maxReceive == 0 {
		c := localawstest.CreateQueue(t, local.SQS(), name, attrs)
		q = testQueue{name: c.Name, url: c.URL, arn: c.ARN}
	} else {
		c, dlq := localawstest.CreateRedrivenQueue(t, local.SQS(), name, "", maxReceive, attrs)
		q = testQueue{name: c.Name, url: c.URL, arn: c.ARN, dlqURL: dlq.URL}
	}
	if len(bodies) > 0 {
		sendBodies(t, q.url, bodies)
	}
	return q
}

func queueARN(t testing.TB, url string) string { return localawstest.QueueARN(t, local.SQS(), url) }

// queueDepth returns visible + in-flight + delayed messages of a queue.
func queueDepth(t testing.TB, url string) int {
	v, f, d := localawstest.Counts(t, local.SQS(), url)
	return v + f + d
}

// sendBodies sends bodies to the queue in batches of 10.
func sendBodies(t testing.TB, url string, bodies []string) {
	localawstest.Send(t, local.SQS(), url, localawstest.Bodies(bodies...)...)
}

// receiveAll drains the queue with plain SDK calls until want messages came
// or the deadline passed, deleting what it reads.
func receiveAll(t testing.TB, url string, want int, within time.Duration) []sqstypes.Message {
	return localawstest.Drain(t, local.SQS(), url, want, within)
}

// eventually polls cond every 50ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
