package webui

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// Flash kinds.
const (
	FlashOK    = "ok"
	FlashError = "error"
)

// Flash is a message for the next page a browser sees (after a form's
// redirect).
type Flash struct {
	Kind    string // FlashOK or FlashError
	Message string
}

// maxFlash bounds a flash message (a cookie holds 4 KiB); flashTTL is how
// long it waits for the next page.
const (
	maxFlash = 1000
	flashTTL = 2 * time.Minute
)

// SetFlash makes the next page this browser renders show msg. The message
// travels in a signed cookie: a forged one is ignored.
func (s *Site) SetFlash(w http.ResponseWriter, kind, msg string) {
	if len(msg) > maxFlash {
		msg = msg[:maxFlash] + "…"
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + msg))
	s.SetCookie(w, s.cfg.CookiePrefix+"_flash", payload+"."+s.mac("flash", payload), flashTTL)
}

// takeFlash returns the request's flash message, if any, and clears it.
func (s *Site) takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(s.cfg.CookiePrefix + "_flash")
	if err != nil {
		return nil
	}
	s.SetCookie(w, c.Name, "", -1)
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !s.Verify("flash", payload, sig) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	kind, msg, _ := strings.Cut(string(b), "\n")
	if kind != FlashOK && kind != FlashError {
		return nil
	}
	return &Flash{Kind: kind, Message: msg}
}
