// Package eventbridge is localaws's EventBridge engine: buses, rules,
// targets, archives and replays kept in memory, every change recorded in a
// durable log (package storage), served as aws-sdk-go-v2's eventbridge
// client speaks to EventBridge.
//
// # Operations
//
// Every operation is a typed function in one table (newAPI, package
// awsapi); ServeHTTP runs it through the AWS JSON 1.1 codec (JSON). Inputs
// and outputs are typed values with their wire names (wire.go); buses and
// rules are looked up in one place each (findBus, findRule), the other
// named resources are read and changed through one each (describeOf,
// updateNamed), and lists are paged in one (listPage), which answers one
// shape (listOutput).
//
// # Delivery
//
// PutEvents matches each event against the enabled rules of its bus and
// delivers it to every target of every matching rule. An entry is
// acknowledged only once each of its deliveries is durable: sent to its
// queue, or recorded in the log as a pending retry. Pending retries follow
// the target's RetryPolicy and end in the target's dead-letter queue.
//
// A target is an SQS queue, an event bus of the same account and region
// (the event goes on as it is, same id, through that bus's rules and
// archives; at most five buses, so a loop of buses ends), or an API
// destination. An API destination's call is recorded with the PutEvents
// acknowledgement and made by the retry loop: the request goes to its
// InvocationEndpoint (each * replaced by a path parameter, escaped to stay
// in its segment) with the target's HttpParameters (values that are JSON
// paths read from the event) and the connection's invocation headers and
// query strings, the event (or its InputTransformer output) as the body,
// and the connection's authorization: an API key header, basic auth, or a
// bearer token from an OAuth client-credentials grant (cached until it
// expires, asked again after a 401). Statuses 401, 407, 409, 429 and 5xx
// and connection failures are retried under the RetryPolicy; other
// statuses go to the dead-letter queue at once, with ERROR_CODE and
// without EXHAUSTED_RETRY_CONDITION. Calls keep under the destination's
// InvocationRateLimitPerSecond. localaws calls no address but the
// endpoints configured: each dial checks the address a name resolved to
// and refuses link-local, metadata (169.254.169.254, fd00:ec2::254),
// unspecified, multicast and broadcast ones; no proxy from the
// environment, no redirect followed, 5 seconds a call.
//
// # Archives and replays
//
// An archive keeps the events of one bus its pattern matches, through a
// rule EventBridge manages (Events-Archive-NAME, listed with ManagedBy,
// refusing every change with ManagedRuleException) whose pattern adds
// "replay-name" must not exist, so replayed events are not archived
// again. Archiving is part of the PutEvents acknowledgement: an archived
// event is in the log before its entry succeeds. Events older than the
// archive's RetentionDays are dropped as the clock passes them.
//
// StartReplay sends the events of an archive whose time lies in
// [EventStartTime, EventEndTime) back to the archive's bus, in event-time
// order (AWS orders only by the minute), each with a top-level
// "replay-name" field and its original id, to the rules of FilterArns or
// to every rule EventBridge does not manage. A replay goes STARTING,
// RUNNING, then COMPLETED (or CANCELLED after CancelReplay, or FAILED when
// its archive or bus is deleted under it); its progress is in the log, so
// a replay running when localaws stopped resumes after its last recorded
// chunk (events are delivered at least once).
//
// # Schedules
//
// A rule of the default bus may have a ScheduleExpression: rate(N
// minute|minutes|hour|hours|day|days), ticking whole periods after the
// rule was created, or AWS's six-field cron(minutes hours day-of-month
// month day-of-week year) in UTC with , - * / on every field, ? on one of
// the day fields, L, W and LW in day-of-month, and L, nL and n#k in
// day-of-week (1 is Sunday). At each tick the rule's targets get a
// "Scheduled Event" from aws.events with the rule's ARN in resources, the
// tick as its time and an empty detail. A tick is recorded durably before
// it is delivered, so it fires at most once, also across a crash; ticks
// that pass while the rule is disabled or localaws is stopped do not
// fire, and a clock that jumps over several ticks fires the latest once.
//
// # Time
//
// Config.Clock is the engine's time. Tests move a clock.Manual, so a
// daily schedule or a retention of days waits for nothing; licenseflow
// localaws --clock-speed runs a clock.Scaled one for demos.
//
// # Durability
//
// Configuration changes return once their records are on stable storage;
// retry and replay progress is recorded without waiting for the disk, as a
// lost record only repeats an attempt or a chunk. New replays the log: a
// record that does not decode, has an unknown op or lacks the part its op
// needs stops the start with storage.ErrCorrupt naming the file and
// offset, as in the SQS engine, while a record about a bus, rule or
// archive that is gone is history and is skipped. Archived events are
// kept in memory and in every snapshot; the log grows as much as the
// last snapshot before the next one, so rewriting a large archive stays
// linear in the events archived.
//
// # Differences from AWS
//
//   - Targets are SQS queues, event buses of the same account and region,
//     and API destinations; no Lambda, Step Functions, Kinesis or other
//     AWS service targets. An event bus target takes no Input,
//     InputPath or InputTransformer.
//   - API destinations accept http:// endpoints as well as https://, and
//     loopback and private addresses (AWS wants public HTTPS). A
//     connection's body parameters are sent to its OAuth endpoint but not
//     added to invocations. An OAuth connection is AUTHORIZED from the
//     start and DEAUTHORIZED (in memory) while its token requests fail;
//     its token is asked for at the first call. Secrets are kept in the
//     engine's log, not in Secrets Manager. Connections to private APIs
//     (InvocationConnectivityParameters) are not supported.
//   - An event-bus target must be a bus of the same account and region
//     (AWS also delivers across accounts and regions, with a role); an
//     event crosses at most five buses, where AWS allows any number of
//     same-account hops.
//   - Schedules tick on the minute, exactly; AWS delivers within a minute
//     of the tick. A rate schedule ticks whole periods after the rule was
//     created, to the minute.
//   - Archive counts (EventCount, SizeBytes) are exact at once; AWS
//     reconciles them within a day, and may archive an event minutes after
//     PutEvents. Archives are never CREATING or UPDATING, and KMS keys are
//     recorded but nothing is encrypted.
//   - DeleteRule with Force does not delete an archive's rule; delete the
//     archive. Replays are listed until the engine's data is removed (AWS
//     forgets them after 90 days).
//   - Replays deliver in strict event-time order; AWS replays minute by
//     minute, unordered within a minute.
package eventbridge
