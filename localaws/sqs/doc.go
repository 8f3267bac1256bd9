// Package sqs is localaws's SQS engine: queues and messages kept in memory,
// every change recorded in a durable log (package storage), served as
// aws-sdk-go-v2's sqs client speaks to SQS.
//
// # Operations
//
// Every operation is a typed function in one table (newAPI, package
// awsapi); ServeHTTP runs it through the codec of the protocol the request
// is written in, chosen per request as AWS does: AWS JSON 1.0 (JSON) for a
// request with an X-Amz-Target, the query protocol (Query, package
// awsquery: form-encoded parameters, XML answers) for any other, which is
// what SDKs released before late 2023 speak. Inputs and outputs are typed
// values (wire.go) that both codecs read and write. The operations addressed to one
// queue are wrapped by queueOp, which resolves QueueUrl to the queue
// (MissingParameter, QueueDoesNotExist) before the operation runs; the
// batch operations apply the batch rules and build their results in one
// place each (batch.go). Inputs decode with encoding/json; the outputs of
// the message operations write their own JSON (json.go), because the hot
// paths avoid reflection.
//
// # Durability
//
// A send returns once its record is on stable storage (group commit,
// shared by concurrent requests). Receives, deletes and visibility changes
// are recorded without waiting for the disk: losing one to a power cut
// costs at most a redelivery. The state is snapshotted when the log grows
// past Config.CheckpointBytes. New replays the log (replay.go): a record it
// cannot decode stops the start with storage.ErrCorrupt naming the file and
// offset, while a record about a queue deleted since is history and is
// skipped. ReleaseInFlight lets a process that runs every consumer of its
// queues skip the visibility wait after a crash.
//
// EventBridge delivers through SendInternalBatch, which sends by queue ARN
// in one durable write.
package sqs
