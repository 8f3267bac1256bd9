package sqs

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// FuzzHandle feeds arbitrary request bodies to every operation: the engine
// never panics, answers 200 or a JSON error with a 4xx/5xx status, and
// stays usable.
func FuzzHandle(f *testing.F) {
	seeds := []struct{ op, body string }{
		{"CreateQueue", `{"QueueName":"q","Attributes":{"VisibilityTimeout":"5"}}`},
		{"CreateQueue", `{"QueueName":"f.fifo","Attributes":{"FifoQueue":"true","ContentBasedDeduplication":"true"}}`},
		{"SendMessage", `{"QueueUrl":"http://x/000000000000/q","MessageBody":"hi","DelaySeconds":0,"MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`},
		{"SendMessageBatch", `{"QueueUrl":"http://x/000000000000/q","Entries":[{"Id":"1","MessageBody":"a"},{"Id":"1","MessageBody":"b"}]}`},
		{"SendMessage", `{"QueueUrl":"http://x/000000000000/f.fifo","MessageBody":"x","MessageGroupId":"g"}`},
		{"ReceiveMessage", `{"QueueUrl":"http://x/000000000000/q","MaxNumberOfMessages":10,"MessageAttributeNames":["All"],"MessageSystemAttributeNames":["All"]}`},
		{"DeleteMessage", `{"QueueUrl":"http://x/000000000000/q","ReceiptHandle":"AAAA"}`},
		{"ChangeMessageVisibilityBatch", `{"QueueUrl":"http://x/000000000000/q","Entries":[{"Id":"a","ReceiptHandle":"zz","VisibilityTimeout":-1}]}`},
		{"SetQueueAttributes", `{"QueueUrl":"http://x/000000000000/q","Attributes":{"RedrivePolicy":"{\"maxReceiveCount\":\"x\"}"}}`},
		{"StartMessageMoveTask", `{"SourceArn":"arn:aws:sqs:us-east-1:000000000000:q","MaxNumberOfMessagesPerSecond":0}`},
		{"GetQueueAttributes", `{"QueueUrl":"http://x/000000000000/q","AttributeNames":["All","Nope"]}`},
		{"ListQueues", `{"MaxResults":-4,"NextToken":"%%%"}`},
	}
	for _, s := range seeds {
		f.Add(s.op, []byte(s.body))
	}
	log, err := storage.Open(storage.Options{})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := New(Config{Log: log, BaseURL: "http://x"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	// One queue of each kind, so most bodies reach deep into the engine.
	for _, s := range seeds[:2] {
		svc.ServeHTTP(httptest.NewRecorder(), request(s.op, []byte(s.body)))
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		if bytes.Contains(body, []byte(`"WaitTimeSeconds"`)) {
			return // long polls would make the fuzzer wait, not find bugs
		}
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, request(op, body))
		if rec.Code != http.StatusOK {
			if rec.Code < 400 || rec.Code > 599 {
				t.Fatalf("%s: status %d", op, rec.Code)
			}
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Type == "" {
				t.Fatalf("%s: error body %q is not the JSON error shape", op, rec.Body.String())
			}
		}
	})
}

// request is an SQS request of the JSON protocol for operation op.
func request(op string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	return r
}
