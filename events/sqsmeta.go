package events

// Metadata keys the SQS subscriber sets on every message it delivers.
const (
	// MetadataMessageID is the SQS MessageId (the watermill UUID too, unless
	// the body carries its publisher's; see SQSSubscriber).
	MetadataMessageID = "sqs_message_id"
	// MetadataReceiveCount is SQS's ApproximateReceiveCount, as a decimal.
	MetadataReceiveCount = "sqs_receive_count"
	// MetadataQueueURL is the URL of the queue the message came from.
	MetadataQueueURL = "sqs_queue_url"
)
