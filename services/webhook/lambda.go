package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// Lambda handles the webhook behind API Gateway HTTP API (payload format
// 2.0), for lambda.Start(h.Lambda). It answers exactly as ServeHTTP does;
// the returned error is always nil so API Gateway relays the status.
func (h *Handler) Lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	res := h.lambda(ctx, req)
	b, _ := json.Marshal(res.body)
	return awsevents.APIGatewayV2HTTPResponse{
		StatusCode: res.status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}, nil
}

func (h *Handler) lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) result {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return failure(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		if int64(base64.StdEncoding.DecodedLen(len(req.Body))) > h.cfg.MaxBodyBytes+3 {
			return tooLarge(h.cfg.MaxBodyBytes)
		}
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return failure(http.StatusBadRequest, "unreadable_body", "body is not valid base64")
		}
		body = b
	}
	if int64(len(body)) > h.cfg.MaxBodyBytes {
		return tooLarge(h.cfg.MaxBodyBytes)
	}
	return h.process(ctx, header(req.Headers, SignatureHeader), body)
}

// header finds a header case-insensitively (API Gateway lowercases names).
func header(hs map[string]string, name string) string {
	if v, ok := hs[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range hs {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
