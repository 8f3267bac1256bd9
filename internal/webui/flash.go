package webui

import (
	"encoding/base64"
	"net/http"
	"strings"
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

// maxFlash bounds a flash message (a cookie holds 4 KiB).
const maxFlash = 1000

// SetFlash makes the next page this browser renders show msg. The message
// travels in a signed cookie: a forged one is ignored.
func (s *Site) SetFlash(w http.ResponseWriter, kind, msg string) {
	if len(msg) > maxFlash {
		msg = msg[:maxFlash] + "…"
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + msg))
	http.SetCookie(w, &http.Cookie{Name: s.cfg.CookiePrefix + "_flash", Value: payload + "." + s.mac("flash", payload),
		Path: s.cookiePath(), MaxAge: 120, HttpOnly: true, Secure: s.secure(w), SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the request's flash message, if any, and clears it.
func (s *Site) takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(s.cfg.CookiePrefix + "_flash")
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: c.Name, Path: s.cookiePath(), MaxAge: -1, HttpOnly: true,
		Secure: s.secure(w), SameSite: http.SameSiteLaxMode})
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
