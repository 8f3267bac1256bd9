package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/internal/httpapi/httpapitest"
)

func fixture(t *testing.T, name string) awsevents.APIGatewayV2HTTPRequest {
	return httpapitest.Request(t, filepath.Join("testdata", name))
}

// seen is what a handler saw of its request.
type seen struct {
	Method, Path, RawQuery, RequestURI, Host, RemoteAddr string
	Cookie, CorrelationID, UserAgent, Body               string
	ContentLength                                        int64
	Secure                                               bool
}

// echo answers 200 with what it saw.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.RequestURI, r.Host, r.RemoteAddr,
		r.Header.Get("Cookie"), r.Header.Get("X-Correlation-Id"), r.Header.Get("User-Agent"), string(b), r.ContentLength, httpapi.Secure(r)})
})

func TestServeLambdaRequest(t *testing.T) {
	t.Parallel()
	noHost := fixture(t, "apigw_v2_get.json")
	noHost.Headers = map[string]string{"Accept": "*/*"}
	noHost.RawPath = ""
	tests := []struct {
		name string
		req  awsevents.APIGatewayV2HTTPRequest
		want seen
	}{
		{"get with query and cookies", fixture(t, "apigw_v2_get.json"), seen{
			Method: "GET", Path: "/v1/things/t/1", RawQuery: "a=1&b=two&a=3", RequestURI: "/v1/things/t%2F1?a=1&b=two&a=3",
			Host: "api.example.test", RemoteAddr: "198.51.100.7:0", Cookie: "session=abc; theme=dark",
			CorrelationID: "Tk3xQjQ7DoEEJdQ=", UserAgent: "curl/8.5.0", Secure: true}},
		{"post with base64 body", fixture(t, "apigw_v2_post_base64.json"), seen{
			Method: "POST", Path: "/v1/things", RequestURI: "/v1/things",
			Host: "abc123.execute-api.eu-west-1.amazonaws.com", RemoteAddr: "[2001:db8::7]:0",
			CorrelationID: "corr-from-client", Body: `{"name":"thing"}`, ContentLength: 16, Secure: true}},
		{"no raw path, no host header", noHost, seen{
			Method: "GET", Path: "/v1/things/t/1", RawQuery: "a=1&b=two&a=3", RequestURI: "/v1/things/t/1?a=1&b=two&a=3",
			Host: "abc123.execute-api.eu-west-1.amazonaws.com", RemoteAddr: "198.51.100.7:0", Cookie: "session=abc; theme=dark",
			CorrelationID: "Tk3xQjQ7DoEEJdQ=", Secure: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := httpapi.ServeLambda(context.Background(), echo, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK || res.IsBase64Encoded {
				t.Fatalf("response %+v", res)
			}
			var got seen
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatalf("body %q: %v", res.Body, err)
			}
			if got != tt.want {
				t.Fatalf("handler saw\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestServeLambdaResponse(t *testing.T) {
	t.Parallel()
	binary := []byte{0xff, 0xfe, 0x00, 0x01}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		status  int
		headers map[string]string
		cookies []string
		body    string
		base64  bool
	}{
		{"headers, cookies, status", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept")
			w.Header().Add("Vary", "Origin")
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2; HttpOnly")
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte("ok"))
			w.WriteHeader(http.StatusTeapot) // ignored, as on a real connection
		}, http.StatusAccepted, map[string]string{"Vary": "Accept,Origin"}, []string{"a=1", "b=2; HttpOnly"}, "ok", false},
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, http.StatusOK, map[string]string{}, nil, "", false},
		{"binary body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(binary)
		}, http.StatusOK, map[string]string{"Content-Type": "application/octet-stream"}, nil, base64.StdEncoding.EncodeToString(binary), true},
		{"error body", func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, http.StatusConflict, "stale", "older than the one held")
		}, http.StatusConflict, map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": "63"},
			nil, `{"error":{"code":"stale","message":"older than the one held"}}` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := httpapi.ServeLambda(context.Background(), tt.h, fixture(t, "apigw_v2_get.json"))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status || res.Body != tt.body || res.IsBase64Encoded != tt.base64 {
				t.Fatalf("response %d %q base64=%v, want %d %q base64=%v", res.StatusCode, res.Body, res.IsBase64Encoded, tt.status, tt.body, tt.base64)
			}
			if len(res.Headers) != len(tt.headers) {
				t.Errorf("headers %v, want %v", res.Headers, tt.headers)
			}
			for k, v := range tt.headers {
				if res.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, res.Headers[k], v)
				}
			}
			if len(res.Cookies) != len(tt.cookies) {
				t.Fatalf("cookies %q, want %q", res.Cookies, tt.cookies)
			}
			for i := range tt.cookies {
				if res.Cookies[i] != tt.cookies[i] {
					t.Errorf("cookie %d = %q, want %q", i, res.Cookies[i], tt.cookies[i])
				}
			}
		})
	}
}

func TestServeLambdaBadEvents(t *testing.T) {
	t.Parallel()
	called := false
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })

	badBody := fixture(t, "apigw_v2_post_base64.json")
	badBody.Body = "%%%not base64"
	res, err := httpapi.ServeLambda(context.Background(), h, badBody)
	if err != nil {
		t.Fatalf("undecodable body: error %v; API Gateway would answer 500 instead of 400", err)
	}
	var body httpapi.ErrorBody
	if res.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error.Code != "unreadable_body" {
		t.Fatalf("undecodable body: %d %q, want 400 unreadable_body", res.StatusCode, res.Body)
	}

	noMethod := fixture(t, "apigw_v2_get.json")
	noMethod.RequestContext.HTTP.Method = ""
	if _, err := httpapi.ServeLambda(context.Background(), h, noMethod); err == nil {
		t.Fatal("an event without an HTTP method was served")
	}
	if called {
		t.Fatal("the handler ran for an event that is not a request")
	}
}

// A request on a plain listener is not secure; one through API Gateway or
// over TLS is.
func TestSecure(t *testing.T) {
	t.Parallel()
	plain := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
	tls := httptest.NewRequest(http.MethodGet, "https://example.test/", nil)
	if httpapi.Secure(plain) || httpapi.ViaAPIGateway(plain) || !httpapi.Secure(tls) || httpapi.ViaAPIGateway(tls) {
		t.Fatalf("plain secure=%v, tls secure=%v", httpapi.Secure(plain), httpapi.Secure(tls))
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		write  func(w http.ResponseWriter)
		status int
		body   string
	}{
		{"value", func(w http.ResponseWriter) { httpapi.WriteJSON(w, http.StatusAccepted, map[string]int{"n": 1}) },
			http.StatusAccepted, `{"n":1}` + "\n"},
		{"error", func(w http.ResponseWriter) { httpapi.WriteError(w, http.StatusNotFound, "not_found", `no route "/x"`) },
			http.StatusNotFound, `{"error":{"code":"not_found","message":"no route \"/x\""}}` + "\n"},
		{"unencodable", func(w http.ResponseWriter) { httpapi.WriteJSON(w, http.StatusOK, make(chan int)) },
			http.StatusInternalServerError, `{"error":{"code":"internal","message":"encoding response"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			tt.write(rec)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.status, tt.body)
			}
			h := rec.Header()
			if h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" || h.Get("Content-Length") != strconv.Itoa(len(tt.body)) {
				t.Fatalf("headers %v", h)
			}
		})
	}
}

func TestStatusRecorder(t *testing.T) {
	t.Parallel()
	serve := func(name string, h http.HandlerFunc, want int) {
		w := httptest.NewRecorder()
		rec := httpapi.NewStatusRecorder(w)
		h(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Status != want || w.Code != want {
			t.Errorf("%s: recorded %d, written %d, want %d", name, rec.Status, w.Code, want)
		}
	}
	serve("body only", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }, http.StatusOK)
	serve("status", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot)
	serve("flushed through Unwrap", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flushing through the recorder: %v", err)
		}
	}, http.StatusAccepted)
}
