// Package eventbridge is localaws's EventBridge engine: buses, rules and SQS
// targets kept in memory, every change recorded in a durable log (package
// storage), served as aws-sdk-go-v2's eventbridge client speaks to
// EventBridge.
//
// # Operations
//
// Every operation is a typed function in one table (newAPI, package
// awsapi); ServeHTTP runs it through the AWS JSON 1.1 codec (JSON). Inputs
// and outputs are typed values with their wire names (wire.go); buses and
// rules are looked up in one place each (findBus, findRule) and lists are
// paged in one (listPage).
//
// # Delivery
//
// PutEvents matches each event against the enabled rules of its bus and
// delivers it to every target of every matching rule. An entry is
// acknowledged only once each of its deliveries is durable: sent to its
// queue, or recorded in the log as a pending retry. Pending retries follow
// the target's RetryPolicy and end in the target's dead-letter queue.
//
// # Durability
//
// Configuration changes return once their records are on stable storage;
// retry progress is recorded without waiting for the disk, as a lost record
// only repeats an attempt. New replays the log: a record that does not
// decode, has an unknown op or lacks the part its op needs stops the start
// with storage.ErrCorrupt naming the file and offset, as in the SQS engine,
// while a record about a bus or rule that is gone is history and is
// skipped.
package eventbridge
