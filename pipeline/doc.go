// Package pipeline assembles licenseflow in one process: the SQS and
// EventBridge clients (against an in-process localaws unless an endpoint is
// configured), the topology, the store, every stage on its queue, the edge
// HTTP API and the demo application server. The same stage handlers run
// under `licenseflow stage`, `licenseflow licensepush` and Lambda; this
// package only wires them. It is not a stage: stages still talk only
// through events.
package pipeline
