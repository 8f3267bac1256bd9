package webui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// EventStream is one server-sent events response (text/event-stream), the
// feed of a page's live parts. It is not safe for concurrent use.
type EventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// NewEventStream starts an event stream on w. The stream outlives the
// server's write timeout (it is lifted for this response); the handler
// ends it by returning, typically when r's context ends.
func NewEventStream(w http.ResponseWriter, r *http.Request) (*EventStream, error) {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil, fmt.Errorf("event stream: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &EventStream{w: w, rc: rc}
	return s, s.flush()
}

// Send sends one event named event (the script's "replace", "prepend" or
// "done") with data, which may span lines.
func (s *EventStream) Send(event, data string) error {
	var b strings.Builder
	b.WriteString("event: ")
	b.WriteString(event)
	b.WriteByte('\n')
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: ")
		b.WriteString(strings.TrimSuffix(line, "\r"))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if _, err := s.w.Write([]byte(b.String())); err != nil {
		return err
	}
	return s.flush()
}

// Retry tells the browser to reconnect d after the stream ends (the
// "retry" field). A handler that cannot hold a stream open (a Lambda
// behind API Gateway answers whole) sends what it has, sets a retry and
// returns: the browser polls.
func (s *EventStream) Retry(d time.Duration) error {
	if _, err := fmt.Fprintf(s.w, "retry: %d\n\n", d.Milliseconds()); err != nil {
		return err
	}
	return s.flush()
}

// Ping sends a comment, which keeps proxies from closing an idle stream.
func (s *EventStream) Ping() error {
	if _, err := s.w.Write([]byte(": ping\n\n")); err != nil {
		return err
	}
	return s.flush()
}

func (s *EventStream) flush() error {
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	return nil
}
