package sdkhttp

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestClient forces the race Client avoids: the request's
// body is on the wire and answered, and the SDK has closed the body,
// before net/http's writing goroutine drains it. Through the SDK's own
// client that drain fails (and net/http closes the connection the answer
// is read from); through Client it ends the request cleanly.
func TestClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		name     string
		wrap     func(aws.HTTPClient) aws.HTTPClient
		wantFail bool
	}{
		{"the SDK's client", func(c aws.HTTPClient) aws.HTTPClient { return c }, true},
		{"Client", Client, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			closed := make(chan struct{}) // the SDK closed the request body
			wrote := make(chan error, 1)  // net/http finished writing the request
			transport := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
				var d net.Dialer
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					c, err := d.DialContext(ctx, network, addr)
					return &holdingConn{Conn: c, release: closed}, err
				}
			})
			spy := clientFunc(func(r *http.Request) (*http.Response, error) {
				r.Body = &closeSignal{ReadCloser: r.Body, closed: closed}
				r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
					WroteRequest: func(i httptrace.WroteRequestInfo) { wrote <- i.Err },
				}))
				return transport.Do(r)
			})
			c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
				Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1, HTTPClient: tt.wrap(spy)})
			_, _ = c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(srv.URL + "/000000000000/q")})
			select {
			case err := <-wrote:
				if (err != nil) != tt.wantFail {
					t.Fatalf("net/http's write of the request ended with %v; want a failure: %v", err, tt.wantFail)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("net/http never finished writing the request")
			}
		})
	}
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// closeSignal closes closed when the body is closed; it keeps the body's
// WriteTo, which net/http uses when it is there.
type closeSignal struct {
	io.ReadCloser
	closed chan struct{}
}

func (b *closeSignal) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	return b.ReadCloser.Close()
}

func (b *closeSignal) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := b.ReadCloser.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, struct{ io.Reader }{b.ReadCloser})
}

// holdingConn holds the write that ends a JSON request body (the body's
// last byte is its closing brace) until release is closed: the server has
// the whole request and answers while net/http's writer waits.
type holdingConn struct {
	net.Conn
	release chan struct{}
}

func (c *holdingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if bytes.HasSuffix(p, []byte("}")) {
		<-c.release
	}
	return n, err
}
