// Package httpapi holds what licenseflow's JSON HTTP APIs share: the body
// every error answer carries, {"error":{"code":...,"message":...}}, the
// writer of JSON answers, a ResponseWriter that records the status for
// middleware, and the adapter that serves an http.Handler
// behind Amazon API Gateway (HTTP API, payload format 2.0) as a Lambda
// function, so an edge is written once as an http.Handler and runs the
// same on a listening socket and in Lambda.
package httpapi
