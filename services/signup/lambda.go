package signup

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// Lambda is the edge's entry point behind an API Gateway HTTP API (payload
// format 2.0): lambda.Start(h.Lambda). It serves the request with the same
// handler as ServeHTTP. The client address for rate limiting is API
// Gateway's requestContext.http.sourceIp; the correlation id defaults to
// API Gateway's request id.
func (h *Handler) Lambda(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	return serveLambda(ctx, h, req)
}

// serveLambda adapts an API Gateway v2 request to an http.Handler. It
// returns an error only when the event cannot be turned into a request;
// every HTTP outcome, errors included, is a response.
func serveLambda(ctx context.Context, h http.Handler, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	r, err := lambdaRequest(ctx, req)
	if err != nil {
		return awsevents.APIGatewayV2HTTPResponse{}, err
	}
	w := &lambdaResponse{header: http.Header{}}
	h.ServeHTTP(w, r)
	return w.result(), nil
}

func lambdaRequest(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, fmt.Errorf("decoding api gateway body: %w", err)
		}
		body = b
	}
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	target := path
	if req.RawQueryString != "" {
		target += "?" + req.RawQueryString
	}
	method := req.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("api gateway request without http method")
	}
	r, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request from api gateway event: %w", err)
	}
	for k, v := range req.Headers {
		r.Header.Set(k, v)
	}
	if len(req.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(req.Cookies, "; "))
	}
	if r.Header.Get("X-Correlation-Id") == "" && req.RequestContext.RequestID != "" {
		r.Header.Set("X-Correlation-Id", req.RequestContext.RequestID)
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = req.RequestContext.DomainName
	}
	r.ContentLength = int64(len(body))
	r.RemoteAddr = net.JoinHostPort(req.RequestContext.HTTP.SourceIP, "0")
	r.RequestURI = target
	return r, nil
}

// lambdaResponse records what the handler writes.
type lambdaResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *lambdaResponse) Header() http.Header { return w.header }

func (w *lambdaResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *lambdaResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *lambdaResponse) result() awsevents.APIGatewayV2HTTPResponse {
	w.WriteHeader(http.StatusOK)
	res := awsevents.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if k == "Set-Cookie" {
			res.Cookies = append(res.Cookies, vs...)
			continue
		}
		res.Headers[k] = strings.Join(vs, ",")
	}
	if utf8.Valid(w.body.Bytes()) {
		res.Body = w.body.String()
	} else {
		res.Body = base64.StdEncoding.EncodeToString(w.body.Bytes())
		res.IsBase64Encoded = true
	}
	return res
}
