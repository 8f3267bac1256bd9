// Package pipeline composes licenseflow's parts. Each part has one builder
// that takes only its own configuration and returns what it runs:
//
//   - NewPayment, NewAccounts, NewLicensePush: a *Stage, the stage's
//     events.Handler on its queue. Run consumes the queue, Lambda is the
//     same handler behind an SQS event source mapping, Close releases the
//     store and publisher the stage opened.
//   - NewWebhook, NewSignup: an *Edge, the edge's routes and its API
//     Gateway Lambda entry. NewEdgeServer serves edges on one address with
//     /metrics and /healthz, and its Run runs their background work (the
//     signup edge's outbox flush).
//   - NewAppServer: the demo application server, a *Server.
//
// Stages and servers are Parts (Run until the context ends, then Close).
// What parts share is passed in, never read from the environment: the AWS
// clients (NewClients, built from an AWSConfig), the bus they publish to,
// the store URL, an Observer (metrics and hops) and a logger. cmd/licenseflow
// reads flags and the environment into these configurations and builds one
// part per command or Lambda _HANDLER; Start composes all of them with an
// in-process localaws for `licenseflow run` (the stages on the same store
// URL share one open store, so one SQLite writer commits all their
// transactions in groups), and Demo drives that whole pipeline end to end
// over HTTP. Stages still talk only through events; this package only
// wires them. Every part runs under the profiler label part=NAME, so a CPU
// profile of a process running several tells them apart.
package pipeline
