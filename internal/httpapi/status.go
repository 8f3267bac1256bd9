package httpapi

import "net/http"

// StatusRecorder is a ResponseWriter that remembers the status code written
// through it, for middleware that logs or counts answers. Status is 200
// until the handler writes another.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// NewStatusRecorder wraps w.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
}

// WriteHeader records code and writes it.
func (s *StatusRecorder) WriteHeader(code int) {
	s.Status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// deadlines of event streams).
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
