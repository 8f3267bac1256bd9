package eventbridge

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// TestDamagedRecordStopsTheStart: a record the engine cannot decode, after
// records it can, makes New fail with storage.ErrCorrupt naming the
// segment, the offset and the reason, as in the SQS engine.
func TestDamagedRecordStopsTheStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rec, reason string
	}{
		{"not JSON", `{"op":`, "eventbridge record: unexpected end of JSON input"},
		{"unknown op", `{"op":"teleport"}`, `eventbridge record: unknown op "teleport"`},
		{"bus without its bus", `{"op":"bus"}`, "eventbridge bus record without its bus"},
		{"rule without its rule", `{"op":"rule"}`, "eventbridge rule record without its rule"},
		{"pending without its delivery", `{"op":"pending"}`, "eventbridge pending record without its delivery"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			lg := openLog(t, dir)
			_, c := startService(t, lg, newFlakyQueues())
			if _, err := c.CreateEventBus(context.Background(), &eb.CreateEventBusInput{Name: aws.String("kept")}); err != nil {
				t.Fatal(err)
			}
			if err := lg.Append(context.Background(), true, []byte(tt.rec)); err != nil {
				t.Fatal(err)
			}
			lg.Close()

			lg = openLog(t, dir)
			defer lg.Close()
			svc, err := New(Config{Log: lg, Queues: newFlakyQueues(), Logger: slog.New(slog.DiscardHandler)})
			if err == nil {
				svc.Close()
				t.Fatal("New started on a damaged log")
			}
			if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), ".wal: offset ") ||
				!strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("New: %v, want storage.ErrCorrupt naming the segment, offset and %q", err, tt.reason)
			}
		})
	}
}

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
