// Package sdkhttp holds the HTTP client every aws-sdk-go-v2 client of the
// module is built with, the product's and the tests' alike.
//
// It works around a race between aws-sdk-go-v2 and net/http that now and
// then makes the SDK fail to read a 200 answer ("deserialization failed
// ... use of closed network connection") and retry the call: a
// ReceiveMessage then leaves the messages of the answer it lost hidden for
// their visibility timeout. The SDK closes a request's body as soon as the
// answer's headers are in, and from then on the body answers WriteTo with
// io.EOF. net/http, after it has written a body, drains it once more; when
// the answer came back before its writing goroutine got there (a fast
// server, a busy machine), that drain meets the EOF, takes it for a failed
// write and closes the connection the answer is being read from. Client
// hides the body's WriteTo, so net/http drains it with Read, where io.EOF
// is the normal end.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client returns c wrapped against the race the package doc describes; a
// nil c stands for the SDK's own default client.
func Client(c aws.HTTPClient) aws.HTTPClient {
	if c == nil {
		c = awshttp.NewBuildableClient()
	}
	return draining{c}
}

type draining struct{ aws.HTTPClient }

func (c draining) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return c.HTTPClient.Do(r)
}
