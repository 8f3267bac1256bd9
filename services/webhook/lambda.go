package webhook

import (
	"context"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// Lambda handles the webhook behind API Gateway HTTP API (payload format
// 2.0), for lambda.Start(h.Lambda). It answers exactly as ServeHTTP does
// (see httpapi.ServeLambda); the returned error is nil for every HTTP API
// request, so API Gateway relays the status.
func (h *Handler) Lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	return httpapi.ServeLambda(ctx, h, req)
}
