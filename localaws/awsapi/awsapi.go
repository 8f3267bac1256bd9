// Package awsapi is the protocol-neutral side of localaws's services: an
// operation is a typed function from its decoded input to its output or a
// typed AWS error (Error), a service is a table of them (API), and a Codec
// is one wire protocol that decodes inputs and writes outputs and errors.
//
// Serve (and Run, for a request whose body its protocol read already to
// find the operation) is the only dispatcher: it reads the body, asks the
// codec for the input, runs the operation and hands the result back to the
// codec, so reading, decoding and error shaping are written once for every
// service and operations never see bytes. A second wire protocol is a
// second Codec over the same table: SQS serves its table through awsjson
// and through awsquery.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Error is an AWS service error. Code is the shape name the SDK maps to a
// typed error (for example "QueueDoesNotExist"); QueryCode, when set, is the
// legacy query-protocol code SQS also reports (in the x-amzn-query-error
// header of the JSON protocol).
type Error struct {
	Status    int
	Code      string
	QueryCode string
	Sender    bool
	Message   string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a client (4xx, Sender) error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Sender: true, Message: fmt.Sprintf(format, args...)}
}

// InvalidParameter is the common "InvalidParameterValue" client error.
func InvalidParameter(format string, args ...any) *Error {
	return Errorf("InvalidParameterValue", format, args...)
}

// Operation is one operation of an API, made by Op.
type Operation struct {
	newInput func() any
	run      func(ctx context.Context, in any) (any, error)
}

// Op makes an Operation of fn. The input is a fresh *In for every request,
// filled by the codec; a nil output is the empty output. fn returns an
// *Error for what the client did wrong; any other error is a failure of
// the service (see API.Internal).
func Op[In, Out any](fn func(ctx context.Context, in *In) (*Out, error)) Operation {
	return Operation{
		newInput: func() any { return new(In) },
		run: func(ctx context.Context, in any) (any, error) {
			out, err := fn(ctx, in.(*In))
			if err != nil || out == nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// Codec is one wire protocol of a service.
type Codec interface {
	// Decode fills in (a pointer to an operation's input) from a request
	// body; a malformed body is an *Error. in must not keep body, which
	// is reused once the request is answered.
	Decode(body []byte, in any) error
	// WriteOutput writes a successful response; out is an operation's
	// output, nil for the empty output.
	WriteOutput(w http.ResponseWriter, out any)
	// WriteError writes an error response.
	WriteError(w http.ResponseWriter, e *Error)
}

// API is a service's table of operations and its answers for requests
// none of them serves.
type API struct {
	// Name names the service in logs ("sqs").
	Name string
	// Ops are the operations by name.
	Ops map[string]Operation
	// Unknown is the error for an operation name not in Ops.
	Unknown func(op string) *Error
	// InternalCode is the code of the 500 error that a failure that is not
	// an *Error becomes; the failure is logged too.
	InternalCode string
	// Logger receives the failures.
	Logger *slog.Logger
}

// Serve answers a request for operation op in the codec's protocol. The
// body is read here, into a buffer the next request reuses: a body over
// the limit of an http.MaxBytesReader the caller set is
// RequestEntityTooLarge.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, c Codec, op string) {
	buf := bodies.Get().(*[]byte)
	body, err := readBody((*buf)[:0], r)
	if err != nil {
		c.WriteError(w, err)
	} else {
		a.Run(w, r, c, op, body)
	}
	if cap(body) <= maxPooledBody {
		*buf = body[:0]
	}
	bodies.Put(buf)
}

// bodies are the buffers Serve reads bodies into, from one request to the
// next.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody bounds the buffers kept: a rare large request does not pin
// its memory.
const maxPooledBody = 64 << 10

// Run answers a request for operation op whose body was read already:
// the codec decodes body into the operation's input.
func (a *API) Run(w http.ResponseWriter, r *http.Request, c Codec, op string, body []byte) {
	o, ok := a.Ops[op]
	if !ok {
		c.WriteError(w, a.Unknown(op))
		return
	}
	in := o.newInput()
	if err := c.Decode(body, in); err != nil {
		c.WriteError(w, a.shape(op, err))
		return
	}
	out, err := o.run(&call{r.Context(), accessKeyID(r)}, in)
	if err != nil {
		c.WriteError(w, a.shape(op, err))
		return
	}
	c.WriteOutput(w, out)
}

// shape returns err as the client sees it.
func (a *API) shape(op string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	a.Logger.Error(a.Name+" request failed", "op", op, "err", err)
	return &Error{Status: http.StatusInternalServerError, Code: a.InternalCode, Message: err.Error()}
}

// ReadBody reads a request's body. A body over the limit of an
// http.MaxBytesReader the caller set is RequestEntityTooLarge.
func ReadBody(r *http.Request) ([]byte, *Error) {
	return readBody(nil, r)
}

// readBody appends r's body to b. A Content-Length sizes b up front (up
// to 1 MiB; a larger body grows it as it comes), so a body is read with
// no copies, where io.ReadAll would grow its buffer from 512 bytes.
func readBody(b []byte, r *http.Request) ([]byte, *Error) {
	if n := r.ContentLength; n > 0 {
		b = slices.Grow(b, int(min(n, 1<<20))+1) // +1: the read that meets EOF
	}
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 512)
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, readError(err)
		}
	}
}

func readError(err error) *Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Sender: true,
			Message: "request body too large"}
	}
	return Errorf("SerializationException", "reading request: %v", err)
}

// call is the context an operation runs in: the request's, and the
// access key that signed it (one allocation, where context.WithValue
// would take two).
type call struct {
	context.Context
	accessKey string
}

type callKey struct{}

func (c *call) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// AccessKeyID is the access key of the SigV4 signature of the request an
// operation serves, "" when the request is unsigned.
func AccessKeyID(ctx context.Context) string {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c.accessKey
	}
	return ""
}

func accessKeyID(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		c := auth[i+len("Credential="):]
		if j := strings.IndexByte(c, '/'); j > 0 {
			return c[:j]
		}
	}
	return ""
}

// Empty is the output of operations that answer success and nothing else.
type Empty struct{}
