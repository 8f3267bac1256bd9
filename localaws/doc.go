// Package localaws is a local AWS endpoint that speaks SQS and EventBridge
// on one port, so unmodified AWS SDKs and CLIs work against it, those from
// before SQS's JSON protocol too. It is a product of its own: nothing in it
// imports the pipeline that uses it.
//
// # Shape
//
// Server routes each request by its X-Amz-Target: "AmazonSQS.*" to the SQS
// engine (package sqs, AWS JSON 1.0) and "AWSEvents.*" to the EventBridge
// engine (package eventbridge, AWS JSON 1.1); a request without one that is
// of the query protocol (form-encoded, with an Action) goes to the SQS
// engine too, so SDKs from before SQS's JSON switch work on the same port.
// It answers GET /health and bounds request bodies. Both engines serve
// their operations one way (package awsapi): a table of typed functions
// from an input to an output or a typed AWS error, run by one dispatcher
// through a codec of the wire protocol (package awsjson, and package
// awsquery for SQS's query protocol). EventBridge targets
// deliver into the SQS engine in the same process, or into the SQS of
// another endpoint (Config.SQSEndpoint).
//
// # Extensions
//
// Two operations of localaws's own, which no AWS service has, serve
// operators' tools (the licenseflow console) under the X-Amz-Target prefix
// "LocalAWSExtensions." (ExtensionsTarget), in AWS JSON 1.1, through the
// same dispatcher; every answer carries the X-Localaws-Extensions header,
// and ExtensionsClient calls them (ErrNoExtensions when the endpoint is
// not a localaws). Both only observe:
//
//   - PeekMessages {QueueUrl, MaxNumberOfMessages} lists a queue's
//     messages oldest first in every state (VISIBLE, IN_FLIGHT, DELAYED)
//     with body, system and message attributes and, for the hidden ones,
//     when they become visible; plus the queue's counts and the
//     SentTimestamp of its oldest message. No receive count goes up, no
//     visibility changes, nothing is written to the log.
//   - TailEvents {After, MaxResults, WaitTimeSeconds} returns the events
//     PutEvents accepted after the sequence number After (the latest ones
//     without it), each with the rules it matched and each target's
//     outcome (DELIVERED, RETRYING, DEAD_LETTERED, FAILED); it long-polls
//     like ReceiveMessage. The journal behind it starts at the first call
//     and records while it is called at least once a minute (1000 events,
//     8 MiB at most), so PutEvents pays nothing for it otherwise.
//
// # Durability
//
// Each engine keeps its state in memory and writes every change to its own
// write-ahead log (package storage; DataDir/sqs and DataDir/events, or
// memory when DataDir is empty): whatever SendMessage, SendMessageBatch or
// PutEvents acknowledged survives kill -9. At start each engine replays its
// log; a damaged record stops Start with an error naming the file and
// offset, for the reasons package storage gives.
//
// # Packages
//
// sqs and eventbridge are the engines, pattern the event-pattern matcher,
// clock EventBridge's time (real, scaled for demos, or moved by tests),
// storage the log, awsapi the operation tables and their dispatcher,
// awsjson the JSON protocol, awsquery the query protocol, conformance the
// behaviour suite written against the SDK clients only (run through both
// SQS protocols and Debian's own clients), and localawstest the harness
// for tests that need a localaws.
package localaws
