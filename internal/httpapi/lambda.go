package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// ServeLambda serves one API Gateway HTTP API request (payload format 2.0)
// with h and returns h's answer as the Lambda response.
//
// The request h sees has the event's method, raw path and query, headers
// (cookies joined into one Cookie header) and body (decoded when API
// Gateway base64-encoded it). RemoteAddr is API Gateway's
// requestContext.http.sourceIp with port 0, Host the Host header or else
// the API's domain name, and X-Correlation-Id, when the client sent none,
// API Gateway's request id.
//
// Every HTTP outcome is a response and the error is nil, so API Gateway
// relays the status: a body that is not valid base64 is answered 400 with
// an ErrorBody (code "unreadable_body"). The error is set only for an event
// without an HTTP method, which is not an HTTP API request at all. The
// answer's Set-Cookie headers become Cookies; a body that is not UTF-8 is
// returned base64-encoded. The request's context says it came through API
// Gateway (ViaAPIGateway), which only speaks HTTPS to clients.
func ServeLambda(ctx context.Context, h http.Handler, req awsevents.APIGatewayV2HTTPRequest) (awsevents.APIGatewayV2HTTPResponse, error) {
	w := &recorder{header: http.Header{}}
	r, err := request(ctx, req)
	switch {
	case errors.Is(err, errBody):
		WriteError(w, http.StatusBadRequest, "unreadable_body", "body is not valid base64")
	case err != nil:
		return awsevents.APIGatewayV2HTTPResponse{}, err
	default:
		h.ServeHTTP(w, r)
	}
	return w.response(), nil
}

// errBody marks a request whose body cannot be decoded.
var errBody = errors.New("api gateway body is not valid base64")

// request builds the http.Request of req.
func request(ctx context.Context, req awsevents.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := req.RequestContext.HTTP.Method
	if method == "" {
		return nil, errors.New("api gateway request without http method")
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, errBody
		}
		body = b
	}
	target := req.RawPath
	if target == "" {
		target = req.RequestContext.HTTP.Path
	}
	if req.RawQueryString != "" {
		target += "?" + req.RawQueryString
	}
	r, err := http.NewRequestWithContext(context.WithValue(ctx, viaAPIGateway{}, true), method, target, bytes.NewReader(body))
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

// recorder is the http.ResponseWriter of one Lambda invocation.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// response is what the handler wrote, as the Lambda response.
func (w *recorder) response() awsevents.APIGatewayV2HTTPResponse {
	w.WriteHeader(http.StatusOK)
	out := awsevents.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if k == "Set-Cookie" {
			out.Cookies = append(out.Cookies, vs...)
			continue
		}
		out.Headers[k] = strings.Join(vs, ",")
	}
	if body := w.body.Bytes(); utf8.Valid(body) {
		out.Body = string(body)
	} else {
		out.Body = base64.StdEncoding.EncodeToString(body)
		out.IsBase64Encoded = true
	}
	return out
}

type viaAPIGateway struct{}

// ViaAPIGateway reports whether r was served by ServeLambda, i.e. reached
// the handler through API Gateway, which accepts only HTTPS from clients.
func ViaAPIGateway(r *http.Request) bool {
	v, _ := r.Context().Value(viaAPIGateway{}).(bool)
	return v
}

// Secure reports whether r reached the service over TLS: on a TLS
// connection, or through API Gateway. Cookies set in answer to it are
// marked Secure.
func Secure(r *http.Request) bool { return r.TLS != nil || ViaAPIGateway(r) }
