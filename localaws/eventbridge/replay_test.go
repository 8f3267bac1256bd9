package eventbridge

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
)

// TestRecordOfAGoneBusIsHistory: a well-formed record about a bus that no
// longer exists is skipped, not taken for damage.
func TestRecordOfAGoneBusIsHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lg := openLog(t, dir)
	if err := lg.Append(context.Background(), true,
		[]byte(`{"op":"rule","rule":{"name":"r","bus":"gone","state":"ENABLED"}}`),
		[]byte(`{"op":"targets","b":"gone","n":"r","t":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:000000000000:q"}]}`)); err != nil {
		t.Fatal(err)
	}
	lg.Close()
	lg = openLog(t, dir)
	t.Cleanup(func() { lg.Close() })
	_, c := startService(t, lg, newFlakyQueues())
	if _, err := c.DescribeEventBus(context.Background(), &eb.DescribeEventBusInput{Name: aws.String("default")}); err != nil {
		t.Fatalf("the engine did not start serving: %v", err)
	}
}
