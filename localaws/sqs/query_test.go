package sqs

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// queryRequest is an SQS request of the query protocol: params form-encoded
// in a POST to path.
func queryRequest(path, params string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(params))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

// TestQueryProtocol drives every operation of the table through the query
// protocol, as aws-sdk-go v1 and botocore before their JSON switch write
// it, and checks the XML of the answers member by member. The clients
// themselves run the conformance suite (package conformance).
func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	s := &queryState{
		url1: e.srv.URL + "/000000000000/qq", dlqURL: e.srv.URL + "/000000000000/qq-dlq",
		arn1: "arn:aws:sqs:us-east-1:000000000000:qq", dlqARN: "arn:aws:sqs:us-east-1:000000000000:qq-dlq",
	}
	steps := slices.Concat(s.queueSteps(), s.messageSteps(), s.moveTaskSteps(), s.refusedSteps())
	served := map[string]bool{}
	for i, st := range steps {
		if action, ok := s.run(t, e, i, st); ok {
			served[action] = true
		}
	}
	for op := range e.svc.api.Ops {
		if !served[op] {
			t.Errorf("operation %s not driven through the query protocol", op)
		}
	}
	checkQueryGET(t, e, s.dlqURL)
}

// queryState is what the steps of TestQueryProtocol share: the queues
// they work on and what the steps before them answered.
type queryState struct {
	url1, dlqURL, arn1, dlqARN string
	handles                    []string // of the last receive
	lastBody                   string   // the answer of the step before
}

// queryStep is a request of TestQueryProtocol, params made when it is
// sent, and the answer it must have.
type queryStep struct {
	path   string
	params func() string
	status int
	want   []string // substrings of the answer, in order
}

// handle is the i'th receipt handle of the last receive, query-escaped.
func (s *queryState) handle(i int) string { return url.QueryEscape(s.handles[i]) }

// run sends step i, checks its answer, and keeps its receipt handles. It
// returns the step's action and whether the step expected success.
func (s *queryState) run(t *testing.T, e *testEnv, i int, st queryStep) (string, bool) {
	t.Helper()
	params := st.params()
	rec := httptest.NewRecorder()
	e.svc.ServeHTTP(rec, queryRequest(st.path, params))
	s.lastBody = rec.Body.String()
	if rec.Code != st.status || rec.Header().Get("Content-Type") != "text/xml" {
		t.Fatalf("step %d %s: status %d (%s), want %d: %s", i, params, rec.Code, rec.Header().Get("Content-Type"), st.status, s.lastBody)
	}
	rest := s.lastBody
	for _, w := range st.want {
		j := strings.Index(rest, w)
		if j < 0 {
			t.Fatalf("step %d %s: answer lacks %s (in order):\n%s", i, params, w, s.lastBody)
		}
		rest = rest[j+len(w):]
	}
	if m := regexp.MustCompile(`<ReceiptHandle>([^<]*)<`).FindAllStringSubmatch(s.lastBody, -1); m != nil {
		s.handles = s.handles[:0]
		for _, h := range m {
			s.handles = append(s.handles, h[1])
		}
	}
	v, _ := url.ParseQuery(params)
	return v.Get("Action"), st.status == 200
}

// queueSteps create, read, tag and permit the queues.
func (s *queryState) queueSteps() []queryStep {
	q := url.QueryEscape
	return []queryStep{
		{"/", func() string {
			return "Action=CreateQueue&Version=2012-11-05&QueueName=qq&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=0" +
				"&Tag.1.Key=team&Tag.1.Value=a"
		}, 200, []string{`<?xml version="1.0"?><CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">` +
			`<CreateQueueResult><QueueUrl>` + s.url1 + `</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>`,
			`</RequestId></ResponseMetadata></CreateQueueResponse>`}},
		{"/", func() string {
			return "Action=CreateQueue&QueueName=qq&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5"
		},
			400, []string{`<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>` +
				`<Code>QueueAlreadyExists</Code><Message>A queue already exists`, `</Message><Detail/></Error><RequestId>`}},
		{"/", func() string { return "Action=CreateQueue&QueueName=qq-dlq" }, 200, []string{s.dlqURL}},
		{"/", func() string { return "Action=GetQueueUrl&QueueName=qq" }, 200,
			[]string{`<GetQueueUrlResult><QueueUrl>` + s.url1 + `</QueueUrl></GetQueueUrlResult>`}},
		{"/", func() string { return "Action=ListQueues&QueueNamePrefix=qq&MaxResults=1" }, 200,
			[]string{`<ListQueuesResult><QueueUrl>` + s.url1 + `</QueueUrl><NextToken>`}},
		{"/", func() string {
			return "Action=SetQueueAttributes&QueueUrl=" + q(s.url1) + "&Attribute.1.Name=RedrivePolicy&Attribute.1.Value=" +
				q(`{"deadLetterTargetArn":"`+s.dlqARN+`","maxReceiveCount":5}`)
		}, 200, []string{`<SetQueueAttributesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata>`}},
		{"/", func() string {
			return "Action=GetQueueAttributes&QueueUrl=" + q(s.url1) + "&AttributeName.1=VisibilityTimeout&AttributeName.2=RedrivePolicy"
		}, 200, []string{`<GetQueueAttributesResult><Attribute><Name>RedrivePolicy</Name><Value>{"deadLetterTargetArn":"` + s.dlqARN +
			`","maxReceiveCount":5}</Value></Attribute><Attribute><Name>VisibilityTimeout</Name><Value>0</Value></Attribute></GetQueueAttributesResult>`}},
		{"/", func() string { return "Action=ListDeadLetterSourceQueues&QueueUrl=" + q(s.dlqURL) }, 200,
			[]string{`<ListDeadLetterSourceQueuesResult><QueueUrl>` + s.url1 + `</QueueUrl></ListDeadLetterSourceQueuesResult>`}},
		{"/", func() string { return "Action=TagQueue&QueueUrl=" + q(s.url1) + "&Tag.1.Key=env&Tag.1.Value=dev" }, 200, nil},
		{"/", func() string { return "Action=ListQueueTags&QueueUrl=" + q(s.url1) }, 200,
			[]string{`<ListQueueTagsResult><Tag><Key>env</Key><Value>dev</Value></Tag><Tag><Key>team</Key><Value>a</Value></Tag></ListQueueTagsResult>`}},
		{"/", func() string { return "Action=UntagQueue&QueueUrl=" + q(s.url1) + "&TagKey.1=env" }, 200, nil},
		{"/", func() string {
			return "Action=AddPermission&QueueUrl=" + q(s.url1) + "&Label=l1&AWSAccountId.1=111122223333&ActionName.1=SendMessage"
		}, 200, nil},
		{"/", func() string { return "Action=RemovePermission&QueueUrl=" + q(s.url1) + "&Label=l1" }, 200, nil},
	}
}

// messageSteps send, receive, change and delete messages.
func (s *queryState) messageSteps() []queryStep {
	q := url.QueryEscape
	return []queryStep{
		// The queue named by the request's path; a body XML must escape.
		{"/000000000000/qq", func() string {
			return "Action=SendMessage&MessageBody=" + q("a<b&c\r\n") + "&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String" +
				"&MessageAttribute.1.Value.StringValue=v&MessageAttribute.2.Name=b&MessageAttribute.2.Value.DataType=Binary" +
				"&MessageAttribute.2.Value.BinaryValue=AQID"
		}, 200, []string{`<SendMessageResult><MessageId>`, `</MessageId><MD5OfMessageBody>` + md5Hex("a<b&c\r\n") +
			`</MD5OfMessageBody><MD5OfMessageAttributes>` + md5OfAttributes([]msgAttr{{name: "b", dataType: "Binary", bin: []byte{1, 2, 3}},
			{name: "k", dataType: "String", str: "v"}}) + `</MD5OfMessageAttributes></SendMessageResult>`}},
		{"/", func() string {
			return "Action=SendMessageBatch&QueueUrl=" + q(s.url1) + "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one" +
				"&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two&SendMessageBatchRequestEntry.2.DelaySeconds=901"
		}, 200, []string{`<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>`,
			`<MD5OfMessageBody>` + md5Hex("one") + `</MD5OfMessageBody></SendMessageBatchResultEntry>` +
				`<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>`}},
		{"/", func() string {
			return "Action=ReceiveMessage&QueueUrl=" + q(s.url1) + "&MaxNumberOfMessages=10&VisibilityTimeout=60" +
				"&AttributeName.1=ApproximateReceiveCount&MessageAttributeName.1=All"
		}, 200, []string{`<ReceiveMessageResult><Message><MessageId>`, `<Body>a&lt;b&amp;c&#xD;` + "\n" + `</Body>` +
			`<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute><MD5OfMessageAttributes>`,
			`<MessageAttribute><Name>b</Name><Value><BinaryValue>AQID</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>` +
				`<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute></Message>`,
			`<Body>one</Body>`}},
		{"/", func() string {
			return "Action=ChangeMessageVisibility&QueueUrl=" + q(s.url1) + "&ReceiptHandle=" + s.handle(0) + "&VisibilityTimeout=60"
		}, 200, []string{`<ChangeMessageVisibilityResponse`}},
		{"/", func() string {
			return "Action=ChangeMessageVisibilityBatch&QueueUrl=" + q(s.url1) + "&ChangeMessageVisibilityBatchRequestEntry.1.Id=x" +
				"&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=" + s.handle(1) + "&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=60"
		}, 200, []string{`<ChangeMessageVisibilityBatchResult><ChangeMessageVisibilityBatchResultEntry><Id>x</Id></ChangeMessageVisibilityBatchResultEntry></ChangeMessageVisibilityBatchResult>`}},
		{"/", func() string { return "Action=DeleteMessage&QueueUrl=" + q(s.url1) + "&ReceiptHandle=" + s.handle(0) }, 200, nil},
		{"/", func() string {
			return "Action=DeleteMessageBatch&QueueUrl=" + q(s.url1) + "&DeleteMessageBatchRequestEntry.1.Id=y&DeleteMessageBatchRequestEntry.1.ReceiptHandle=" +
				s.handle(1) + "&DeleteMessageBatchRequestEntry.2.Id=z&DeleteMessageBatchRequestEntry.2.ReceiptHandle=garbage"
		}, 200, []string{`<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>y</Id></DeleteMessageBatchResultEntry>` +
			`<BatchResultErrorEntry><Id>z</Id><SenderFault>true</SenderFault><Code>ReceiptHandleIsInvalid</Code>`}},
		{"/", func() string {
			return "Action=DeleteMessageBatch&QueueUrl=" + q(s.url1) + "&DeleteMessageBatchRequestEntry="
		}, 400,
			[]string{`<Code>AWS.SimpleQueueService.EmptyBatchRequest</Code>`}},
		{"/", func() string { return "Action=PurgeQueue&QueueUrl=" + q(s.url1) }, 200, []string{`<PurgeQueueResponse`}},
		{"/", func() string { return "Action=ReceiveMessage&QueueUrl=" + q(s.url1) }, 200, // botocore needs the empty result
			[]string{`<ReceiveMessageResult></ReceiveMessageResult>`}},
	}
}

// moveTaskSteps move the dead letters back, then delete the queue.
func (s *queryState) moveTaskSteps() []queryStep {
	q := url.QueryEscape
	return []queryStep{
		{"/", func() string {
			b := "Action=SendMessageBatch&QueueUrl=" + q(s.dlqURL)
			for _, i := range "123456789" {
				b += "&SendMessageBatchRequestEntry." + string(i) + ".Id=m" + string(i) + "&SendMessageBatchRequestEntry." + string(i) + ".MessageBody=m"
			}
			return b
		}, 200, []string{`<Id>m9</Id>`}},
		{"/", func() string {
			return "Action=StartMessageMoveTask&SourceArn=" + q(s.dlqARN) + "&DestinationArn=" + q(s.arn1) + "&MaxNumberOfMessagesPerSecond=1"
		}, 200, []string{`<StartMessageMoveTaskResult><TaskHandle>`}},
		{"/", func() string { return "Action=ListMessageMoveTasks&SourceArn=" + q(s.dlqARN) }, 200,
			[]string{`<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><TaskHandle>`, `<Status>RUNNING</Status><SourceArn>` +
				s.dlqARN + `</SourceArn><DestinationArn>` + s.arn1 + `</DestinationArn><MaxNumberOfMessagesPerSecond>1</MaxNumberOfMessagesPerSecond>`}},
		{"/", func() string {
			return "Action=CancelMessageMoveTask&TaskHandle=" + q(regexp.MustCompile(`<TaskHandle>([^<]*)<`).FindStringSubmatch(s.lastBody)[1])
		}, 200, []string{`<CancelMessageMoveTaskResult><ApproximateNumberOfMessagesMoved>`}},
		{"/", func() string { return "Action=DeleteQueue&QueueUrl=" + q(s.url1) }, 200, nil},
		{"/", func() string { return "Action=GetQueueUrl&QueueName=qq" }, 400,
			[]string{`<Code>AWS.SimpleQueueService.NonExistentQueue</Code>`}},
	}
}

// refusedSteps are what the protocol itself refuses.
func (s *queryState) refusedSteps() []queryStep {
	q := url.QueryEscape
	return []queryStep{
		{"/", func() string { return "Version=2012-11-05" }, 400, []string{`<Code>MissingAction</Code>`}},
		{"/", func() string { return "Action=Fly" }, 400, []string{`<Code>InvalidAction</Code>`}},
		{"/", func() string { return "Action=ReceiveMessage&QueueUrl=" + q(s.dlqURL) + "&MaxNumberOfMessages=ten" }, 400,
			[]string{`<Code>InvalidParameterValue</Code><Message>Value ten for parameter MaxNumberOfMessages is invalid.`}},
		{"/", func() string { return "Action=SetQueueAttributes&QueueUrl=" + q(s.dlqURL) + "&Attribute.1.Value=5" }, 400,
			[]string{`<Code>InvalidParameterValue</Code><Message>The request must contain the parameter Attribute.1.Name.`}},
		{"/", func() string { return "Action=ListQueues&%zz" }, 400, []string{`<Code>MalformedQueryString</Code>`}},
	}
}

// checkQueryGET checks a GET with the parameters in the URL, as the query
// protocol allows, and that a malformed URL query is refused.
func checkQueryGET(t *testing.T, e *testEnv, dlqURL string) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.svc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?Action=ListQueues&QueueNamePrefix=qq-", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<QueueUrl>`+dlqURL+`</QueueUrl>`) {
		t.Fatalf("GET ListQueues: %d %s", rec.Code, rec.Body.String())
	}
	// A malformed URL query is refused, not read in part.
	rec = httptest.NewRecorder()
	e.svc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?Action=DeleteQueue&QueueUrl="+url.QueryEscape(dlqURL)+"&%zz", nil))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `<Code>MalformedQueryString</Code>`) {
		t.Fatalf("GET with a malformed query: %d %s", rec.Code, rec.Body.String())
	}
}
