package localaws_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// TestServerRoutes holds the answers the server gives before an engine
// sees a request, and the engines' answers for operations they lack.
func TestServerRoutes(t *testing.T) {
	t.Parallel()
	srv, err := localaws.Start(context.Background(), localaws.Config{Addr: "127.0.0.1:0", MaxRequestBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
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
	srv, err := localaws.Start(context.Background(), localaws.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := sqs.NewFromConfig(localawstest.Config(srv.URL())) // access key "local"
	q := localawstest.CreateQueue(t, c, "sender", nil)
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &q.URL, MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	got := localawstest.Drain(t, c, q.URL, 1, 30*time.Second)
	if len(got) != 1 || got[0].Attributes["SenderId"] != "local" {
		t.Fatalf("received %+v, want one message whose SenderId is the access key, local", got)
	}
}
