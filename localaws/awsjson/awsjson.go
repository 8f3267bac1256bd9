// Package awsjson is the AWS JSON 1.0 / 1.1 protocol that SQS and
// EventBridge speak, as an awsapi.Codec: inputs are decoded with
// encoding/json, or read by their own DecodeFast method when they have one
// (reader.go), outputs are written by their own AppendJSON method when
// they have one (the hot paths avoid reflection) and by encoding/json
// otherwise, and errors take the shape aws-sdk-go-v2 turns into typed
// errors.
package awsjson

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// Codec is the AWS JSON protocol of one service.
type Codec struct {
	// ContentType is the protocol version's media type, for example
	// "application/x-amz-json-1.0".
	ContentType string
	// Namespace prefixes error codes in __type, for example
	// "com.amazonaws.sqs#"; empty for services whose SDK reads bare codes.
	Namespace string
}

// Appender is an output that writes its own JSON object: AppendJSON
// appends it to b.
type Appender interface {
	AppendJSON(b []byte) []byte
}

// Decode unmarshals a request body into in. An empty body decodes as {}.
// Unknown fields are ignored, as AWS does. An input that is a FastDecoder
// reads its usual shapes itself.
func (c Codec) Decode(body []byte, in any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if d, ok := in.(FastDecoder); ok {
		if r := NewReader(body); d.DecodeFast(r) && r.End() {
			return nil
		}
		reflect.ValueOf(in).Elem().SetZero()
	}
	if err := json.Unmarshal(body, in); err != nil {
		return &awsapi.Error{Status: http.StatusBadRequest, Code: "SerializationException", Sender: true,
			Message: "could not decode request: " + err.Error()}
	}
	return nil
}

// buffers hold the bodies Appenders write, from one response to the next.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled bounds the buffers kept for reuse: a rare large response does
// not pin its memory.
const maxPooled = 64 << 10

// WriteOutput writes a 200 response with out as body; nil is {}.
func (c Codec) WriteOutput(w http.ResponseWriter, out any) {
	var b []byte
	switch o := out.(type) {
	case nil:
		b = []byte("{}")
	case Appender:
		buf := buffers.Get().(*[]byte)
		b = o.AppendJSON((*buf)[:0])
		c.write(w, b)
		if cap(b) <= maxPooled {
			*buf = b
			buffers.Put(buf)
		}
		return
	default:
		var err error
		if b, err = json.Marshal(out); err != nil {
			c.WriteError(w, &awsapi.Error{Status: http.StatusInternalServerError, Code: "InternalFailure",
				Message: "encoding response: " + err.Error()})
			return
		}
	}
	c.write(w, b)
}

// write writes a 200 response with body b; w does not keep b.
func (c Codec) write(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = []string{c.ContentType}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b)
}

// WriteError writes e in the JSON protocol's error shape. A QueryCode is
// reported in the x-amzn-query-error header, where the SDK reads it.
func (c Codec) WriteError(w http.ResponseWriter, e *awsapi.Error) {
	if e.QueryCode != "" {
		fault := "Receiver"
		if e.Sender {
			fault = "Sender"
		}
		w.Header().Set("x-amzn-query-error", e.QueryCode+";"+fault)
	}
	b, _ := json.Marshal(map[string]string{"__type": c.Namespace + e.Code, "message": e.Message})
	w.Header().Set("Content-Type", c.ContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}
