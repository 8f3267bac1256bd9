package localaws_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
	lfeb "github.com/licenseflow/licenseflow/localaws/eventbridge"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	lfsqs "github.com/licenseflow/licenseflow/localaws/sqs"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// TestServerRoutes holds the answers the server gives before an engine
// sees a request, and the engines' answers for operations they lack.
func TestServerRoutes(t *testing.T) {
	t.Parallel()
	srv := localawstest.Start(t, localaws.Config{MaxRequestBytes: 1 << 20})
	tests := []struct {
		name, method, path, target, body string
		status                           int
		contentType, want                string
	}{
		{"health", http.MethodGet, "/health", "", "", 200, "application/json", `{"status":"ok"}`},
		{"not POST", http.MethodGet, "/", "", "", 405, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.sqs#InvalidAction","message":"only POST with X-Amz-Target, or an SQS query request, is supported"}`},
		{"unknown service", http.MethodPost, "/", "AmazonS3.GetObject", "{}", 400, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.sqs#UnknownOperationException","message":"unknown X-Amz-Target \"AmazonS3.GetObject\""}`},
		{"unknown SQS operation", http.MethodPost, "/", "AmazonSQS.Fly", "{}", 400, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.sqs#InvalidAction","message":"The action Fly is not valid for this endpoint."}`},
		{"unknown EventBridge operation", http.MethodPost, "/", "AWSEvents.Fly", "{}", 400, "application/x-amz-json-1.1",
			`{"__type":"UnknownOperationException","message":"localaws does not implement EventBridge operation \"Fly\""}`},
		{"unknown extension operation", http.MethodPost, "/", "LocalAWSExtensions.Fly", "{}", 400, "application/x-amz-json-1.1",
			`{"__type":"UnknownOperationException","message":"localaws has no extension operation \"Fly\""}`},
		{"body too large", http.MethodPost, "/", "AmazonSQS.SendMessage", strings.Repeat(" ", 1<<20+1), 413,
			"application/x-amz-json-1.0", `{"__type":"com.amazonaws.sqs#RequestEntityTooLarge","message":"request body too large"}`},
		{"SQS query", http.MethodPost, "/", "", "Action=ListQueues&QueueNamePrefix=none", 200, "text/xml", listNone},
		{"SQS query by GET", http.MethodGet, "/?Action=ListQueues&QueueNamePrefix=none", "", "", 200, "text/xml", listNone},
		{"SQS query of 2 MiB", http.MethodPost, "/", "", "Action=ListQueues&QueueNamePrefix=none&x=" + strings.Repeat("a", 2<<20),
			200, "text/xml", listNone},
		{"SQS query too large", http.MethodPost, "/", "", "Action=ListQueues&x=" + strings.Repeat("a", 3<<20), 413, "text/xml",
			`<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>` +
				`<Code>RequestEntityTooLarge</Code><Message>request body too large</Message><Detail/></Error><RequestId/></ErrorResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, srv.URL()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			} else if tt.method == http.MethodPost {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			body = requestID.ReplaceAll(body, []byte("<RequestId/>"))
			if resp.StatusCode != tt.status || string(body) != tt.want || resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("got %d %s %s, want %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body,
					tt.status, tt.contentType, tt.want)
			}
		})
	}
}

// listNone is the query protocol's answer to a ListQueues that lists
// nothing, its request id blanked by requestID.
const listNone = `<?xml version="1.0"?><ListQueuesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ListQueuesResult>` +
	`</ListQueuesResult><ResponseMetadata><RequestId/></ResponseMetadata></ListQueuesResponse>`

var requestID = regexp.MustCompile(`<RequestId>[0-9a-f-]{36}</RequestId>`)

// TestSenderIDIsTheAccessKey checks that SQS reports the access key of the
// request's signature as a message's SenderId, as AWS does.
func TestSenderIDIsTheAccessKey(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t)
	c := localawstest.SQS(srv.URL()) // access key "local"
	q := localawstest.CreateQueue(t, c, "sender", nil)
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &q.URL, MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	got := localawstest.Drain(t, c, q.URL, 1, 30*time.Second)
	if len(got) != 1 || got[0].Attributes["SenderId"] != "local" {
		t.Fatalf("received %+v, want one message whose SenderId is the access key, local", got)
	}
}

func startServer(t *testing.T) (*localaws.Server, *localaws.ExtensionsClient) {
	srv := localawstest.Start(t, localaws.Config{})
	return srv, &localaws.ExtensionsClient{Endpoint: srv.URL()}
}

// TestPeekMessagesTouchesNothing shows a queue's visible, in-flight and
// delayed messages with their attributes, and changes no receive count, no
// visibility and no count.
func TestPeekMessagesTouchesNothing(t *testing.T) {
	t.Parallel()
	srv, ext := startServer(t)
	ctx := context.Background()
	c := localawstest.SQS(srv.URL())
	q := localawstest.CreateQueue(t, c, "peeked", nil)
	localawstest.Send(t, c, q.URL, sqstypes.SendMessageBatchRequestEntry{MessageBody: aws.String(`{"n":1}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"reason_poisoned": {DataType: aws.String("String"), StringValue: aws.String("bad signature")}}})
	// The first message goes in flight for five minutes (peek, not the
	// receive's answer, says which: the SDK may retry a receive).
	if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &q.URL, VisibilityTimeout: 300, WaitTimeSeconds: 1}); err != nil {
		t.Fatal(err)
	}
	localawstest.Send(t, c, q.URL, localawstest.Bodies("second")...)
	localawstest.Send(t, c, q.URL, sqstypes.SendMessageBatchRequestEntry{MessageBody: aws.String("later"), DelaySeconds: 600})

	first, err := ext.PeekMessages(ctx, &lfsqs.PeekInput{QueueURL: q.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Messages) != 3 || first.Visible != 1 || first.InFlight != 1 || first.Delayed != 1 {
		t.Fatalf("peek = %+v, want 3 messages, one in each state", first)
	}
	want := []struct{ body, state, receives string }{{`{"n":1}`, lfsqs.PeekInFlight, "1"}, {"second", lfsqs.PeekVisible, "0"}, {"later", lfsqs.PeekDelayed, "0"}}
	for i, w := range want {
		m := first.Messages[i]
		if m.Body != w.body || m.State != w.state || m.Attributes["ApproximateReceiveCount"] != w.receives {
			t.Errorf("message %d = %s %s received %s, want %+v", i, m.Body, m.State, m.Attributes["ApproximateReceiveCount"], w)
		}
		if (m.State == lfsqs.PeekVisible) != (m.VisibleAt == 0) {
			t.Errorf("message %d: state %s, visible at %d", i, m.State, m.VisibleAt)
		}
	}
	if a := first.Messages[0].MessageAttributes["reason_poisoned"]; aws.ToString(a.StringValue) != "bad signature" || a.DataType != "String" {
		t.Errorf("message attribute = %+v", a)
	}
	if first.OldestSentTimestamp == 0 || first.OldestSentTimestamp > time.Now().UnixMilli() {
		t.Errorf("oldest sent = %d", first.OldestSentTimestamp)
	}
	// Peeking again sees the same: nothing was received, nothing moved.
	again, err := ext.PeekMessages(ctx, &lfsqs.PeekInput{QueueURL: q.URL, MaxNumberOfMessages: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Messages) != 1 || again.Messages[0].Attributes["ApproximateReceiveCount"] != "1" ||
		again.Messages[0].VisibleAt != first.Messages[0].VisibleAt || again.InFlight != 1 || again.Visible != 1 {
		t.Fatalf("second peek = %+v", again)
	}
	if v, f, d := localawstest.Counts(t, c, q.URL); v != 1 || f != 1 || d != 1 {
		t.Fatalf("counts after peeking = %d %d %d", v, f, d)
	}

	var e *localaws.ExtensionError
	if _, err := ext.PeekMessages(ctx, &lfsqs.PeekInput{QueueURL: q.URL + "-missing"}); !errors.As(err, &e) || e.Code != "QueueDoesNotExist" {
		t.Errorf("peek of a missing queue: %v", err)
	}
	if _, err := ext.PeekMessages(ctx, &lfsqs.PeekInput{QueueURL: q.URL, MaxNumberOfMessages: aws.Int32(1001)}); !errors.As(err, &e) || e.Code != "InvalidParameterValue" {
		t.Errorf("peek of 1001: %v", err)
	}
}

// TestTailEvents follows the events PutEvents accepts, with the rules they
// matched and where they went, and wakes a waiting call when one arrives.
func TestTailEvents(t *testing.T) {
	t.Parallel()
	srv, ext := startServer(t)
	ctx := context.Background()
	c := localawstest.SQS(srv.URL())
	eb := localawstest.EventBridge(srv.URL())
	q := localawstest.CreateQueue(t, c, "tailed", nil)
	localawstest.Route(t, eb, "", "orders", `{"source":["shop"]}`,
		localawstest.Target("q", q.ARN), localawstest.Target("gone", q.ARN+"-gone"))
	put := func(source string) string {
		return localawstest.PutEvents(t, eb, localawstest.Entry("", source, "Order Placed", `{"n":1}`))[0]
	}
	put("shop") // before anyone tails: not journaled
	start, err := ext.TailEvents(ctx, &lfeb.TailInput{})
	if err != nil || len(start.Events) != 0 || start.RecordingSince == 0 {
		t.Fatalf("first tail = %+v %v", start, err)
	}
	matched, other := put("shop"), put("elsewhere")
	got, err := ext.TailEvents(ctx, &lfeb.TailInput{After: aws.Int64(start.Sequence)})
	if err != nil || len(got.Events) != 2 {
		t.Fatalf("tail = %+v %v", got, err)
	}
	m, o := got.Events[0], got.Events[1]
	if m.EventID != matched || o.EventID != other || got.Sequence != o.Sequence || m.Sequence+1 != o.Sequence {
		t.Fatalf("events %+v", got.Events)
	}
	if !strings.Contains(m.Event, `"detail-type":"Order Placed"`) || len(o.Rules) != 0 || len(m.Rules) != 1 {
		t.Fatalf("matched %+v, other %+v", m, o)
	}
	r := m.Rules[0]
	if r.Name != "orders" || len(r.Targets) != 2 || r.Targets[1].Outcome != lfeb.OutcomeDelivered || r.Targets[1].Arn != q.ARN ||
		r.Targets[0].Outcome != lfeb.OutcomeRetrying || r.Targets[0].Error == "" {
		t.Fatalf("rule %+v", r)
	}

	// A waiting tail returns as soon as an event arrives.
	waited := make(chan *lfeb.TailOutput, 1)
	go func() {
		out, err := ext.TailEvents(ctx, &lfeb.TailInput{After: aws.Int64(got.Sequence), WaitTimeSeconds: aws.Int32(20)})
		if err != nil {
			t.Error(err)
		}
		waited <- out
	}()
	third := put("shop")
	select {
	case out := <-waited:
		if len(out.Events) != 1 || out.Events[0].EventID != third {
			t.Fatalf("woken tail = %+v", out)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the waiting tail did not wake")
	}
}

// TestExtensionsElsewhere: an endpoint that is not a localaws is told
// apart from a localaws error.
func TestExtensionsElsewhere(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.sqs#InvalidAction","message":"no"}`))
	}))
	defer other.Close()
	ext := &localaws.ExtensionsClient{Endpoint: other.URL}
	if _, err := ext.PeekMessages(context.Background(), &lfsqs.PeekInput{QueueURL: "q"}); !errors.Is(err, localaws.ErrNoExtensions) {
		t.Fatalf("peek elsewhere: %v", err)
	}
}

// TestEventsDeliverToExternalSQS runs EventBridge in one localaws whose
// targets deliver to the SQS of another endpoint, as with ElasticMQ.
func TestEventsDeliverToExternalSQS(t *testing.T) {
	queues := localawstest.Start(t, localaws.Config{})
	events := localawstest.Start(t, localaws.Config{SQSEndpoint: queues.URL()})
	sq := localawstest.SQS(queues.URL())
	eb := localawstest.EventBridge(events.URL())

	q := localawstest.CreateQueue(t, sq, "orders", nil)
	// ElasticMQ names its ARNs after its own region; only the name counts.
	localawstest.Route(t, eb, "", "orders", `{"source":["shop"]}`, localawstest.Target("q", "arn:aws:sqs:elasticmq:000000000000:orders"))
	localawstest.PutEvents(t, eb, localawstest.Entry("", "shop", "Order Placed", `{"id":7}`))
	got := localawstest.Drain(t, sq, q.URL, 1, 30*time.Second)
	if len(got) != 1 || !strings.Contains(aws.ToString(got[0].Body), `"detail":{"id":7}`) {
		t.Fatalf("external queue got %+v", got)
	}
}

// TestDamagedRecordStopsTheStart holds both engines to one behaviour: a
// record whose frame is whole but which the engine cannot read, after
// records it can, makes Start fail with storage.ErrCorrupt naming the
// engine's segment, the record's offset and the reason.
func TestDamagedRecordStopsTheStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, log   string // log is the engine's directory under DataDir
		rec, reason string
	}{
		{"sqs: unknown kind", "sqs", "\x63", "unknown record kind 99"},
		{"sqs: empty", "sqs", "", "corrupt record"},
		{"sqs: truncated send", "sqs", "\x03\x01\x03", "corrupt record"}, // kind 3 (send) to queue 1 of 3 messages, none there
		{"events: not JSON", "events", `{"op":`, "eventbridge record: unexpected end of JSON input"},
		{"events: unknown op", "events", `{"op":"teleport"}`, `eventbridge record: unknown op "teleport"`},
		{"events: bus without its bus", "events", `{"op":"bus"}`, "eventbridge bus record without its bus"},
		{"events: rule without its rule", "events", `{"op":"rule"}`, "eventbridge rule record without its rule"},
		{"events: pending without its delivery", "events", `{"op":"pending"}`, "eventbridge pending record without its delivery"},
		{"events: archive without its archive", "events", `{"op":"archive"}`, "eventbridge archive record without its archive"},
		{"events: archived without its event", "events", `{"op":"archived","ids":["a"]}`, "eventbridge archived record without its event"},
		{"events: replay without its replay", "events", `{"op":"replay"}`, "eventbridge replay record without its replay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := localawstest.Start(t, localaws.Config{DataDir: dir})
			localawstest.CreateQueue(t, localawstest.SQS(srv.URL()), "kept", nil)
			localawstest.CreateBus(t, localawstest.EventBridge(srv.URL()), "kept")
			srv.Close()
			appendRecord(t, filepath.Join(dir, tt.log), tt.rec)

			srv, err := localaws.Start(context.Background(), localaws.Config{Addr: "127.0.0.1:0", DataDir: dir})
			if err == nil {
				srv.Close()
				t.Fatal("Start served a damaged log")
			}
			where := filepath.Join(dir, tt.log) + string(filepath.Separator)
			if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), where) ||
				!strings.Contains(err.Error(), ".wal: offset ") || !strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("Start: %v\nwant storage.ErrCorrupt naming a segment in %s, an offset and %q", err, where, tt.reason)
			}
		})
	}
}

// appendRecord appends one durable record to the log in dir.
func appendRecord(t *testing.T, dir, rec string) {
	t.Helper()
	l, err := storage.Open(storage.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append(context.Background(), true, []byte(rec)); err != nil {
		t.Fatal(err)
	}
}
