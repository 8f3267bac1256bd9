package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error is the error of an answer: a stable code that clients branch on and
// a message for people. It never holds secrets or internal detail.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Error Error `json:"error"`
}

// encodingFailed is the answer when a body cannot be encoded.
var encodingFailed = []byte(`{"error":{"code":"internal","message":"encoding response"}}`)

// WriteJSON answers status with v as a JSON body followed by a newline,
// with Content-Type application/json and Cache-Control no-store. When v
// cannot be encoded it answers 500 with an ErrorBody instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, encodingFailed
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteError answers status with the ErrorBody of code and message.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, ErrorBody{Error{Code: code, Message: message}})
}
