// Package sqs is localaws's SQS engine: queues and messages kept in memory,
// every change recorded in a durable log (package storage), served as SQS
// serves its SDKs, old and new.
//
// # Operations
//
// Every operation is a typed function in one table (newAPI, package
// awsapi); ServeHTTP runs it through the codec of the protocol the request
// is written in, chosen per request as AWS does: AWS JSON 1.0 (JSON) for a
// request with an X-Amz-Target, the query protocol (Query, package
// awsquery: form-encoded parameters, XML answers) for any other, which is
// what SDKs released before late 2023 speak. Inputs and outputs are typed
// values (wire.go) that both codecs read and write. The operations
// addressed to one queue are wrapped by queueOp, which resolves QueueUrl
// to the queue (MissingParameter, QueueDoesNotExist) before the operation
// runs; the batch operations apply the batch rules and build their results
// in one place each (batch.go). Inputs decode with encoding/json, except
// that the message operations' inputs read their usual JSON themselves
// (jsonin.go) and leave anything unusual to encoding/json; the outputs of
// the message operations write their own JSON (json.go). The hot paths
// avoid reflection.
//
// # Durability
//
// A send returns once its record is on stable storage (group commit,
// shared by concurrent requests). Receives, deletes and visibility changes
// are recorded without waiting for the disk: losing one to a power cut
// costs at most a redelivery. Queue metadata (attributes, tags, the Policy
// that AddPermission edits), deletions (whose names stay held for 60
// seconds) and the start and cancellation of message move tasks are
// durable before they are acknowledged; a move task's progress is recorded
// as its moves are. The state is snapshotted when the log grows past
// Config.CheckpointBytes. New replays the log (replay.go): a record it
// cannot decode stops the start with storage.ErrCorrupt naming the file and
// offset, while a record about a queue deleted since is history and is
// skipped. ReleaseInFlight lets a process that runs every consumer of its
// queues skip the visibility wait after a crash.
//
// EventBridge delivers through SendInternalBatch, which sends by queue ARN
// in one durable write.
//
// # Differences from SQS
//
// What SQS does that this engine does differently, and why:
//
//   - DeleteQueue takes effect at once, where SQS may serve a deleted queue
//     for up to 60 seconds: nothing local gains from the delay. The name is
//     held for 60 seconds (QueueDeletedRecently) as on SQS.
//   - Access is not controlled: signatures are not verified, any
//     credentials are accepted (the access key is the SenderId), and the
//     Policy attribute, which SetQueueAttributes, AddPermission and
//     RemovePermission write as SQS does, is stored and returned but not
//     evaluated. A local endpoint has one user and no IAM to ask.
//   - The KMS attributes are stored and returned; messages are not
//     encrypted, as there is no KMS here. Data at rest is as safe as the
//     data directory's disk.
//   - There are no throughput or in-flight quotas (no OverLimit for 120,000
//     or 20,000 messages in flight, FifoThroughputLimit changes nothing but
//     what SQS checks of it): one user needs no fair sharing.
//   - Counts are exact and a receive returns every receivable message up to
//     MaxNumberOfMessages, where SQS samples its servers and may return
//     fewer: there is one server.
//   - The ReceiveRequestAttemptId of a FIFO receive is remembered in memory:
//     a retry after a restart receives anew, and the messages of the lost
//     answer stay in flight until their visibility timeout ends, as they
//     would for a client that did not name its attempt. A receive is not
//     written to disk before it answers, so a retry after a crash could
//     not be answered from the log with certainty anyway.
//   - A dead-letter queue's RedriveAllowPolicy is checked when a queue names
//     it in its RedrivePolicy (CreateQueue, SetQueueAttributes); a policy
//     changed afterwards does not stop the redrives of queues that named it
//     already. SQS does not document that case.
//   - A message moved to a FIFO dead-letter queue keeps its enqueue time
//     for retention, where SQS restarts it for FIFO queues: one send time
//     per message serves both SentTimestamp and retention here.
//   - A cancelled message move task is CANCELLED at once (moves are local
//     and immediate), never CANCELLING, and ApproximateNumberOfMessagesToMove
//     is counted when the task starts.
//   - Queue URLs take the endpoint's address and ARNs its Config.Region and
//     Config.AccountID; a queue URL or GetQueueUrl owner naming another
//     account is QueueDoesNotExist, as there is one account.
//   - In the query protocol, an access key given in the request's
//     parameters (a presigned URL) is not used as the SenderId; the
//     account id stands in, as for an unsigned request.
package sqs
