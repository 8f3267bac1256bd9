package webui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/internal/httpapi"
)

// CSRFField is the form field (and CSRFHeader the header, for scripts)
// that carries a request's CSRF token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// maxFormBytes bounds the body of a form a Site checks.
const maxFormBytes = 1 << 20

// Errors of the CSRF check; the 403 page says which.
var (
	ErrCrossOrigin = errors.New("the request came from another site")
	ErrNoCSRFToken = errors.New("the form carried no valid token (reload the page and try again)")
)

type csrfKey struct{}

// Handler serves the site: h for its pages and the built-in static files
// under Path+"/static/", every answer with the security headers. A request
// that may change something (any method but GET, HEAD and OPTIONS) reaches
// h only when it comes from this site's own page: not from another origin
// (Sec-Fetch-Site, Origin), and with the CSRF token of the form it was sent
// from, compared in constant time; otherwise it gets the 403 page.
//
// The token is signed double submit: a random secret in an HttpOnly,
// SameSite=Strict cookie, and in every form the HMAC of that secret under
// the site's key (CSRFToken), so neither a guessed nor a planted cookie
// passes without the key. With Config.CSRFBinding the HMAC also covers
// what it returns for the request (a signed-in session), so a token is
// good only for that session: a cookie planted from a sibling domain,
// with a token the attacker fetched for it, fails once the victim signs in.
//
// Cookies are Secure when Config.SecureCookies says so or the request came
// over TLS or through API Gateway (httpapi.Secure).
func (s *Site) Handler(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecureHeaders(w.Header())
		w = &siteWriter{ResponseWriter: w, secure: s.cfg.SecureCookies || httpapi.Secure(r)}
		if name, ok := strings.CutPrefix(r.URL.Path, s.cfg.Path+"/static/"); ok {
			s.serveStatic(w, r, name)
			return
		}
		sent := s.csrfSecret(r)
		secret := sent
		if secret == "" {
			secret = s.newCSRFSecret(w)
		}
		bound := secret
		if s.cfg.CSRFBinding != nil {
			bound += "\x00" + s.cfg.CSRFBinding(r)
		}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, s.mac("csrf", bound)))
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if err := cop.Check(r); err != nil {
				s.Error(w, r, http.StatusForbidden, ErrCrossOrigin.Error())
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if sent == "" || !s.validToken(r, bound) {
				s.Error(w, r, http.StatusForbidden, ErrNoCSRFToken.Error())
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// CSRFToken is the token the forms of the page answering r must carry
// (Page.CSRF in templates); "" outside Site.Handler.
func CSRFToken(r *http.Request) string { return csrfToken(r) }

func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// csrfSecret is the request's CSRF cookie, "" when it has none that could
// be one of ours.
func (s *Site) csrfSecret(r *http.Request) string {
	c, err := r.Cookie(s.cfg.CookiePrefix + "_csrf")
	if err != nil {
		return ""
	}
	if b, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || len(b) != 32 {
		return ""
	}
	return c.Value
}

func (s *Site) newCSRFSecret(w http.ResponseWriter) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: s.cfg.CookiePrefix + "_csrf", Value: v, Path: s.cookiePath(),
		HttpOnly: true, Secure: s.secure(w), SameSite: http.SameSiteStrictMode})
	return v
}

// siteWriter carries, from Handler to what sets cookies on the answer,
// whether the request came over TLS.
type siteWriter struct {
	http.ResponseWriter
	secure bool
}

// Unwrap lets http.ResponseController reach the connection (event streams).
func (w *siteWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// secure reports whether cookies set on w are marked Secure.
func (s *Site) secure(w http.ResponseWriter) bool {
	if sw, ok := w.(*siteWriter); ok {
		return sw.secure
	}
	return s.cfg.SecureCookies
}

// SetCookie sets a cookie of the application on the site's path: HttpOnly,
// SameSite=Lax, Secure as the site's own cookies are; maxAge 0 lasts the
// browser session and a negative one deletes it.
func (s *Site) SetCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: s.cookiePath(), HttpOnly: true, Secure: s.secure(w),
		SameSite: http.SameSiteLaxMode}
	switch {
	case maxAge < 0:
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// validToken reports, in constant time, whether the token r carries is
// the MAC of secret.
func (s *Site) validToken(r *http.Request, secret string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return s.Verify("csrf", secret, got)
}

// Sign returns a signature of data for purpose (an HMAC-SHA256 under the
// site's key, base64url), for values the site hands out and takes back,
// such as a session cookie.
func (s *Site) Sign(purpose, data string) string { return s.mac(purpose, data) }

// Verify reports, in constant time, whether sig is Sign(purpose, data).
func (s *Site) Verify(purpose, data, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(s.mac(purpose, data)))
}

// mac is the HMAC-SHA256 of data for purpose under the site's key.
func (s *Site) mac(purpose, data string) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(data))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Site) cookiePath() string {
	if s.cfg.Path == "" {
		return "/"
	}
	return s.cfg.Path
}
