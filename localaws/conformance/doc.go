// Package conformance holds the SQS and EventBridge behaviour suite. It is
// written against the aws-sdk-go-v2 clients only and always runs against an
// in-process localaws; with AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL) set,
// the SQS part runs against that endpoint instead, so ElasticMQ or AWS can
// be held to the same behaviour.
package conformance
