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
// # Speed
//
// proof/bench's BenchmarkSQSServer measures localaws as users run it: its
// own process, durable, driven through aws-sdk-go-v2 over loopback beside
// goaws and a canned-answer server (the README has the figures). Profiles
// of that process (CPU, block and mutex profiles, go tool trace) showed:
//
//   - Sends waited on fdatasync. Under the load of a shared machine its
//     median grew from ~0.1 ms to ~1 ms with a tail of tens of ms, and the
//     request goroutines spent about half their time waiting for it, partly
//     for journal commits of the file's growing size, which every other
//     writer of the file system shares. The log now writes over
//     space it preallocated (package storage, "Preallocation"): 20-30%
//     more sends a second on the same load. What is left is the fsync
//     itself, which an acknowledged send must wait for.
//   - Each durable append was woken about four times while it waited (a
//     write woke every appender waiting for an fsync); now about one and a
//     half times.
//   - Of the CPU a send cost, encoding/json took a quarter and reading the
//     body into a growing buffer a tenth; the message operations now read
//     their usual JSON themselves (awsjson.FastDecoder), bodies are read
//     into pooled buffers sized by Content-Length, and MD5s and send
//     records use reused buffers. The server's CPU per sent message fell
//     by about a third (to ~13 µs when the machine is quiet).
//   - Receive+delete is bound by the client: the server's connections
//     spend 85% of their time waiting for the next request.
//   - Locks were never the bottleneck: the mutex profile held about 15 ms
//     of contention a second, against seconds of waiting for the disk and
//     the client.
//
// aws-sdk-go-v2 now and then failing to read a 200 answer ("use of closed
// network connection") is not the server's doing: the SDK closes the
// request body once the answer's headers are in, net/http drains the body
// after writing it, and the SDK's closed body answers that drain's WriteTo
// with io.EOF, which net/http takes for a failed write, closing the
// connection the answer is still read from. It happens when the answer
// arrives before net/http's writing goroutine runs again, so a fast server
// on a busy machine sees it more; pipeline's clients work around it.
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
