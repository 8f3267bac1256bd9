package signup

import (
	"context"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// Lambda is the edge's entry point behind an API Gateway HTTP API (payload
// format 2.0): lambda.Start(h.Lambda). It serves the request with the same
// handler as ServeHTTP (see httpapi.ServeLambda). The client address for
// rate limiting is API Gateway's requestContext.http.sourceIp; the
// correlation id defaults to API Gateway's request id.
//
// Nothing runs between invocations, so before serving, the first
// invocation and then one every FlushInterval publish what the outbox
// still holds (see Flush): cheap when it is empty, bounded when the bus is
// down.
func (h *Handler) Lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	h.flushDue(ctx)
	return httpapi.ServeLambda(ctx, h, req)
}
