package sqs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

// fastInputs are the inputs that read their JSON themselves.
var fastInputs = []func() awsjson.FastDecoder{
	func() awsjson.FastDecoder { return new(sendMessageInput) },
	func() awsjson.FastDecoder { return new(sendMessageBatchInput) },
	func() awsjson.FastDecoder { return new(receiveInput) },
	func() awsjson.FastDecoder { return new(receiptInput) },
	func() awsjson.FastDecoder { return new(receiptBatchInput) },
}

// fastSeeds are bodies as aws-sdk-go-v2 writes them, and some it does not.
var fastSeeds = []string{
	`{"Entries":[{"Id":"0","MessageBody":"xxxx"},{"Id":"1","MessageBody":"a\"b\\c\n\u00e9\u2028\ud83d\ude00 é ☃"}],"QueueUrl":"http://127.0.0.1:4566/000000000000/q"}`,
	`{"QueueUrl":"q","MessageBody":"hi","DelaySeconds":0,"MessageAttributes":{"a":{"DataType":"String","StringValue":"v"},"b":{"DataType":"Binary","BinaryValue":"AQID"}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"t"}},"MessageGroupId":"g","MessageDeduplicationId":"d"}`,
	`{"MaxNumberOfMessages":10,"QueueUrl":"q","VisibilityTimeout":60,"WaitTimeSeconds":1,"AttributeNames":["All"],"MessageAttributeNames":[],"MessageSystemAttributeNames":["SenderId","SentTimestamp"],"ReceiveRequestAttemptId":"x"}`,
	`{"Entries":[{"Id":"0","ReceiptHandle":"AAAA"},{"Id":"1","ReceiptHandle":"BBBB","VisibilityTimeout":-5}],"QueueUrl":"q"}`,
	`{"QueueUrl":"q","ReceiptHandle":"AAAA","VisibilityTimeout":30}`,
	` { "QueueUrl" : "q" , "Entries" : [ ] } `,
	`{"QueueUrl":"q","queueurl":"r"}`,
	`{"QueueUrl":"q","QueueUrl":"r"}`,
	`{"QueueUrl":null,"MaxNumberOfMessages":1.0}`,
	`{"MaxNumberOfMessages":2147483648,"VisibilityTimeout":-0,"WaitTimeSeconds":01}`,
	`{"MessageBody":"\ud800 lone","Id":"\xff"}`,
	`{"Entries":[null,{"Id":"x"}],"QueueUrl":"q"} x`,
}

// TestFastDecodeReadsTheSDKsShapes: the fast path takes the bodies the SDK
// sends, and reads them as encoding/json does; the others it leaves to
// encoding/json.
func TestFastDecodeReadsTheSDKsShapes(t *testing.T) {
	t.Parallel()
	// The inputs (by index in fastInputs) that read each seed fast.
	want := [][]int{{1}, {0}, {2}, {4}, {3}, {1, 4}, nil, nil, nil, nil, nil, nil}
	for i, body := range fastSeeds {
		var got []int
		for k, newIn := range fastInputs {
			if ok, _ := compareFast(t, newIn, []byte(body)); ok {
				got = append(got, k)
			}
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("%s: read fast by inputs %v, want %v", body, got, want[i])
		}
	}
}

// FuzzFastDecode: whatever the fast path accepts, encoding/json accepts and
// decodes to the same input.
func FuzzFastDecode(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newIn := range fastInputs {
			compareFast(t, newIn, body)
		}
	})
}

// compareFast decodes body with the fast path and, when it accepts it,
// with encoding/json, and fails t if they differ. It reports whether the
// fast path accepted the body.
func compareFast(t *testing.T, newIn func() awsjson.FastDecoder, body []byte) (bool, awsjson.FastDecoder) {
	t.Helper()
	fast := newIn()
	if r := awsjson.NewReader(body); !fast.DecodeFast(r) || !r.End() {
		return false, nil
	}
	want := newIn()
	if err := json.Unmarshal(bytes.TrimSpace(body), want); err != nil {
		t.Fatalf("%T: the fast path read %q, encoding/json refused it: %v", fast, body, err)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%T of %q:\nfast path    %+v\nencoding/json %+v", fast, body, fast, want)
	}
	return true, fast
}
