package sqs

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
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
	svc := newFuzzService(f)
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

// FuzzQuery feeds arbitrary form-encoded bodies to the query protocol: the
// engine never panics, answers well-formed XML (a result with 200, an
// ErrorResponse with a 4xx/5xx status) and stays usable.
func FuzzQuery(f *testing.F) {
	seeds := []string{
		"Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=k&Tag.1.Value=v",
		"Action=CreateQueue&QueueName=f.fifo&Attribute.1.Name=FifoQueue&Attribute.1.Value=true&Attribute.2.Name=ContentBasedDeduplication&Attribute.2.Value=true",
		"Action=SendMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq&MessageBody=hi%3C%26&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v",
		"Action=SendMessageBatch&QueueUrl=q&SendMessageBatchRequestEntry.1.Id=1&SendMessageBatchRequestEntry.1.MessageBody=a&SendMessageBatchRequestEntry.2.Id=1&SendMessageBatchRequestEntry.2.MessageBody=b",
		"Action=SendMessage&QueueUrl=f.fifo&MessageBody=x&MessageGroupId=g&MessageAttribute.1.Name=b&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AQID",
		"Action=ReceiveMessage&QueueUrl=q&MaxNumberOfMessages=10&AttributeName.1=All&MessageAttributeName.1=All",
		"Action=DeleteMessageBatch&QueueUrl=q&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=zz",
		"Action=ChangeMessageVisibilityBatch&QueueUrl=q&ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=-1",
		"Action=GetQueueAttributes&QueueUrl=q&AttributeName.1=All&AttributeName.2=Nope",
		"Action=TagQueue&QueueUrl=q&Tag.1.Value=v",
		"Action=ListQueues&MaxResults=x&NextToken=%25%25",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	svc := newFuzzService(f)
	for _, s := range seeds[:2] {
		svc.ServeHTTP(httptest.NewRecorder(), queryRequest("/", s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.Contains(body, []byte("WaitTimeSeconds")) {
			return // long polls would make the fuzzer wait, not find bugs
		}
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, queryRequest("/", string(body)))
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code > 599) {
			t.Fatalf("status %d", rec.Code)
		}
		root := ""
		d := xml.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("answer is not well-formed XML: %v\n%s", err, rec.Body.String())
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		if (rec.Code == http.StatusOK) == (root == "ErrorResponse") {
			t.Fatalf("status %d with a %s answer", rec.Code, root)
		}
	})
}

// newFuzzService is an in-memory Service for a fuzz target.
func newFuzzService(f *testing.F) *Service {
	log, err := storage.Open(storage.Options{})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := New(Config{Log: log, BaseURL: "http://x"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	return svc
}

// request is an SQS request of the JSON protocol for operation op.
func request(op string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	return r
}
