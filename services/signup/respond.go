package signup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// apiError is an error with its HTTP answer.
type apiError struct {
	status     int
	code       string
	msg        string
	retryAfter time.Duration
	// cause is what went wrong inside, for the log only; the client sees
	// code and msg.
	cause error
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.retryAfter > 0 {
		secs := int64((e.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	httpapi.WriteError(w, e.status, e.code, e.msg)
}

// decodeBody reads one JSON object of at most limit bytes into v,
// rejecting unknown fields and trailing data. With allowEmpty an empty body
// leaves v as it is.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, allowEmpty bool, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "content type must be application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body exceeds %d bytes", limit)
		}
		return errorf(http.StatusBadRequest, "bad_body", "reading request body failed")
	}
	if allowEmpty && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "malformed_json", "request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "malformed_json", "request body: trailing data after the JSON object")
	}
	return nil
}
