// Package awsjson implements the server side of the AWS JSON 1.0 / 1.1
// protocols that SQS and EventBridge speak: request decoding, responses and
// error shapes that the aws-sdk-go-v2 clients turn into typed errors.
package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS service error. Code is the shape name the SDK maps to a
// typed error (for example "QueueDoesNotExist"); QueryCode, when set, is the
// legacy query-protocol code SQS also reports in the x-amzn-query-error header.
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

// Decode unmarshals a request body into v. An empty body decodes as {}.
// Unknown fields are ignored, as AWS does.
func Decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "SerializationException", Sender: true,
			Message: "could not decode request: " + err.Error()}
	}
	return nil
}

// WriteJSON writes a 200 response with v as body.
func WriteJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, contentType, "", fmt.Errorf("encoding response: %w", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	_, _ = w.Write(b)
}

// WriteError writes err in the JSON protocol error shape. namespace prefixes
// the code in __type (for example "com.amazonaws.sqs#"). Errors that are not
// *Error become 500 InternalFailure.
func WriteError(w http.ResponseWriter, contentType, namespace string, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: err.Error()}
	}
	if e.QueryCode != "" {
		fault := "Receiver"
		if e.Sender {
			fault = "Sender"
		}
		w.Header().Set("x-amzn-query-error", e.QueryCode+";"+fault)
	}
	b, _ := json.Marshal(map[string]string{"__type": namespace + e.Code, "message": e.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}
