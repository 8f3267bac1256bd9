package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/events"
)

// Edge is a built HTTP edge: its routes, served by an edge Server, and
// the same handler behind API Gateway HTTP API v2 as a Lambda entry.
// Close releases its publisher.
type Edge struct {
	name   string
	routes []Route
	lambda func(context.Context, awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error)
	close  func() error
	// background runs beside the server that serves the edge, while it
	// runs (the signup edge's outbox flush).
	background []func(context.Context) error
	// closers run after close: what the edge holds besides its publisher.
	closers []func() error
	once    sync.Once
	err     error
}

// Route is one pattern of an edge on the shared HTTP server; Name labels
// its metrics.
type Route struct {
	Pattern string
	Name    string
	Handler http.Handler
}

// Name is the edge's name ("webhook", "signup").
func (e *Edge) Name() string { return e.name }

// Routes are the patterns the edge serves.
func (e *Edge) Routes() []Route { return e.routes }

// Lambda serves one API Gateway HTTP API v2 request, for lambda.Start.
func (e *Edge) Lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	return e.lambda(ctx, req)
}

// Close releases the edge's publisher (and the signup edge's store). It is
// safe to call more than once.
func (e *Edge) Close() error {
	e.once.Do(func() {
		e.err = e.close()
		for _, c := range e.closers {
			e.err = errors.Join(e.err, c())
		}
	})
	return e.err
}

// edgeHandler is what an edge service's handler offers: HTTP and the API
// Gateway Lambda entry.
type edgeHandler interface {
	http.Handler
	Lambda(context.Context, awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error)
}

// newEdge builds the named edge: build makes its handler on a publisher of
// cfg's bus, which then serves every route.
func newEdge(name string, cfg EdgeConfig, build func(events.Publisher, *slog.Logger) (edgeHandler, error), routes ...Route) (*Edge, error) {
	log := cfg.Logger.With("part", name)
	pub, closePub, err := cfg.Bus.Publisher(log)
	if err != nil {
		return nil, fmt.Errorf("%s edge: %w", name, err)
	}
	h, err := build(pub, log)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s edge: %w", name, err), closePub())
	}
	for i := range routes {
		routes[i].Handler = h
	}
	return &Edge{name: name, routes: routes, lambda: h.Lambda, close: closePub}, nil
}
