package webhook

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// ServeHTTP handles POST requests carrying a signed Stripe event.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeReply(w, failure(http.StatusMethodNotAllowed, "method_not_allowed", "use POST"))
		return
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		writeReply(w, tooLarge(h.cfg.MaxBodyBytes))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tl *http.MaxBytesError
		if errors.As(err, &tl) {
			writeReply(w, tooLarge(h.cfg.MaxBodyBytes))
			return
		}
		writeReply(w, failure(http.StatusBadRequest, "unreadable_body", "reading body: "+err.Error()))
		return
	}
	writeReply(w, h.process(r.Context(), r.Header.Get(SignatureHeader), body))
}

func tooLarge(limit int64) result {
	return failure(http.StatusRequestEntityTooLarge, "body_too_large", "body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
}

func writeReply(w http.ResponseWriter, res result) { httpapi.WriteJSON(w, res.status, res.body) }
