package sqs

// The inputs and outputs of the operations, as typed values. Field names
// are the Smithy shape member names; json tags give the JSON protocol's
// spelling where encoding/json reads or writes the value, query tags the
// query protocol's where it differs (its flattened list and map names; see
// package awsquery). The outputs of the message operations (send, receive,
// batch results) write their own JSON instead (json.go), as the hot paths
// avoid reflection; receive writes its own XML too (query.go).

type createQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes" query:"Attribute"`
	Tags       map[string]string `json:"tags" query:"Tag,Key,Value"`
}

type getQueueURLInput struct {
	QueueName string `json:"QueueName"`
	Owner     string `json:"QueueOwnerAWSAccountId"`
}

// queueURLOutput is CreateQueue's and GetQueueUrl's output.
type queueURLOutput struct {
	QueueURL string `json:"QueueUrl"`
}

type listQueuesInput struct {
	Prefix     string `json:"QueueNamePrefix"`
	MaxResults *int32 `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type listQueuesOutput struct {
	QueueURLs []string `json:"QueueUrls" query:"QueueUrl"`
	NextToken string   `json:"NextToken,omitempty"`
}

type listDeadLetterSourceQueuesInput struct {
	queueRef
	MaxResults *int32 `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type listDeadLetterSourceQueuesOutput struct {
	QueueURLs []string `json:"queueUrls" query:"QueueUrl"`
	NextToken string   `json:"NextToken,omitempty"`
}

type getQueueAttributesInput struct {
	queueRef
	AttributeNames []string `json:"AttributeNames" query:"AttributeName"`
}

type getQueueAttributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty" query:"Attribute"`
}

type setQueueAttributesInput struct {
	queueRef
	Attributes map[string]string `json:"Attributes" query:"Attribute"`
}

// permissionInput is AddPermission's and RemovePermission's input.
type permissionInput struct {
	queueRef
	Label         string   `json:"Label"`
	AWSAccountIDs []string `json:"AWSAccountIds" query:"AWSAccountId"`
	Actions       []string `json:"Actions" query:"ActionName"`
}

type tagQueueInput struct {
	queueRef
	Tags map[string]string `json:"Tags" query:"Tag,Key,Value"`
}

type untagQueueInput struct {
	queueRef
	TagKeys []string `json:"TagKeys" query:"TagKey"`
}

type listQueueTagsOutput struct {
	Tags map[string]string `json:"Tags" query:"Tag,Key,Value"` // never nil: the SDK expects the member
}

type startMessageMoveTaskInput struct {
	SourceArn      string `json:"SourceArn"`
	DestinationArn string `json:"DestinationArn"`
	Rate           *int32 `json:"MaxNumberOfMessagesPerSecond"`
}

type startMessageMoveTaskOutput struct {
	TaskHandle string `json:"TaskHandle"`
}

type cancelMessageMoveTaskInput struct {
	TaskHandle string `json:"TaskHandle"`
}

type cancelMessageMoveTaskOutput struct {
	Moved int64 `json:"ApproximateNumberOfMessagesMoved"`
}

type listMessageMoveTasksInput struct {
	SourceArn  string `json:"SourceArn"`
	MaxResults *int32 `json:"MaxResults"`
}

type listMessageMoveTasksOutput struct {
	Results []taskView `json:"Results" query:"ListMessageMoveTasksResultEntry"`
}

// taskView is one ListMessageMoveTasks result.
type taskView struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string `json:"Status"`
	SourceArn                         string `json:"SourceArn"`
	DestinationArn                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      *int32 `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove *int64 `json:"ApproximateNumberOfMessagesToMove,omitempty"`
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp"`
}

// attrValue is a message attribute as the wire carries it.
type attrValue struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty" query:"StringListValue"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty" query:"BinaryListValue"`
}

// sendInput is one message to send (SendMessage or one batch entry).
type sendInput struct {
	ID                      string               `json:"Id"`
	MessageBody             *string              `json:"MessageBody"`
	DelaySeconds            *int32               `json:"DelaySeconds"`
	MessageAttributes       map[string]attrValue `json:"MessageAttributes" query:"MessageAttribute"`
	MessageSystemAttributes map[string]attrValue `json:"MessageSystemAttributes" query:"MessageSystemAttribute"`
	MessageDeduplicationID  *string              `json:"MessageDeduplicationId"`
	MessageGroupID          *string              `json:"MessageGroupId"`
}

type sendMessageInput struct {
	queueRef
	sendInput
}

// sendMessageOutput is SendMessage's output and a successful
// SendMessageBatch entry (the only one with an ID).
type sendMessageOutput struct {
	ID                           string `query:"Id"`
	MessageID                    string `query:"MessageId"`
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string // when the message has attributes
	MD5OfMessageSystemAttributes string // when it has AWSTraceHeader
	SequenceNumber               string // FIFO queues only
}

type sendMessageBatchInput struct {
	queueRef
	Entries []*sendInput `json:"Entries" query:"*RequestEntry"`
}

// receiveInput is ReceiveMessage's input.
type receiveInput struct {
	queueRef
	AttributeNames              []string `json:"AttributeNames" query:"AttributeName"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames" query:"MessageSystemAttributeName"`
	MessageAttributeNames       []string `json:"MessageAttributeNames" query:"MessageAttributeName"`
	MaxNumberOfMessages         *int32   `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int32   `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int32   `json:"WaitTimeSeconds"`
	ReceiveRequestAttemptID     *string  `json:"ReceiveRequestAttemptId"`
}

type receiveOutput struct {
	Messages []receivedMessage
}

// receivedMessage is one message of a ReceiveMessage output, with the
// attributes the request asked for.
type receivedMessage struct {
	MessageID     string
	ReceiptHandle string
	MD5OfBody     string
	Body          string
	// Attributes are the system attributes asked for, in AWS's order; nil
	// when none was asked for, empty when the message has none of them.
	Attributes             []nameValue
	MD5OfMessageAttributes string // of MessageAttributes, when there are any
	MessageAttributes      []msgAttr
}

// nameValue is one system attribute of a received message.
type nameValue struct{ Name, Value string }

// receiptInput is DeleteMessage's and ChangeMessageVisibility's input.
type receiptInput struct {
	queueRef
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"` // ChangeMessageVisibility only
}

// receiptBatchInput is DeleteMessageBatch's and
// ChangeMessageVisibilityBatch's input.
type receiptBatchInput struct {
	queueRef
	Entries []receiptEntry `json:"Entries" query:"*RequestEntry"`
}

type receiptEntry struct {
	ID                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"` // ChangeMessageVisibilityBatch only
}

// batchResult is a batch operation's output: an entry for each request
// entry that succeeded and one for each that failed, in request order.
type batchResult[T jsonObject] struct {
	Successful []T            `query:"*ResultEntry"`
	Failed     []batchFailure `query:"BatchResultErrorEntry"`
}

// batchFailure is a BatchResultErrorEntry.
type batchFailure struct {
	ID          string `query:"Id"`
	SenderFault bool
	Code        string
	Message     string
}

// batchEntryID is the successful entry of DeleteMessageBatch and
// ChangeMessageVisibilityBatch.
type batchEntryID struct {
	ID string `query:"Id"`
}
