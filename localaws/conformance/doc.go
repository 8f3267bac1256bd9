// Package conformance holds the SQS and EventBridge behaviour suite. It is
// written against aws-sdk-go-v2's clients and always runs against an
// in-process localaws; with AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL) set,
// the SQS part runs against that endpoint instead, so ElasticMQ or AWS can
// be held to the same behaviour.
//
// The SQS part runs twice, once per wire protocol SQS speaks: through
// aws-sdk-go-v2 (the JSON protocol) and through aws-sdk-go v1 at v1.44.256,
// from before SQS's switch (the query protocol), adapted to the v2 client's
// methods (sqsClient). The clients SQS users get from their distribution,
// Debian 12's awscli and python3-boto3, are driven too (TestDebianClients).
package conformance
