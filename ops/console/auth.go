package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/internal/webui"
)

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// auth guards the console: with a token, every route but the login form
// needs a session (or the token as a Bearer header on GETs); without one,
// only requests to a loopback name are answered.
type auth struct {
	token string
	path  string
	site  *webui.Site
}

// sessionCookie holds a signed-in operator's session.
const sessionCookie = "lfconsole_session"

// guard wraps the console's routes.
func (a *auth) guard(next http.Handler) http.Handler {
	site := a.site
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.token == "":
			if !LoopbackHost(r.Host) {
				site.Error(w, r, http.StatusMisdirectedRequest,
					"This console has no token, so it answers only requests to a loopback address (127.0.0.1, ::1, localhost).")
				return
			}
		case r.URL.Path == a.path+"/login" || a.session(r) || (r.Method == http.MethodGet && a.bearer(r)):
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			webui.Redirect(w, r, a.path+"/login?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		default:
			site.Error(w, r, http.StatusUnauthorized, "Sign in with the console's token first.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LoopbackHost reports whether a request's Host names this machine's
// loopback: localhost, 127.0.0.0/8 or ::1 (any port).
func LoopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// tokenOK compares a presented token with the console's in constant time
// (both hashed first, so not even the length leaks).
func (a *auth) tokenOK(presented string) bool {
	want := sha256.Sum256([]byte(a.token))
	got := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

func (a *auth) bearer(r *http.Request) bool {
	t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && a.tokenOK(t)
}

// session reports whether r carries a session cookie the console signed
// and that has not expired. The cookie holds its expiry and a signature;
// never the token.
func (a *auth) session(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	exp, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !a.site.Verify("session", exp, sig) {
		return false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && time.Now().Unix() < t
}

// login checks the token a form posted and, if it is right, sets the
// session cookie.
func (a *auth) login(w http.ResponseWriter, token string) bool {
	if !a.tokenOK(token) {
		return false
	}
	exp := strconv.FormatInt(time.Now().Add(sessionTTL).Unix(), 10)
	a.site.SetCookie(w, sessionCookie, exp+"."+a.site.Sign("session", exp), sessionTTL)
	return true
}

func (a *auth) logout(w http.ResponseWriter) { a.site.SetCookie(w, sessionCookie, "", -1) }

// binding is what a request's CSRF tokens are bound to: its session, so a
// token is good only for the session it was made for.
func (a *auth) binding(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// safeNext is where to go after login: a path of the console, else its
// home (never another site).
func (a *auth) safeNext(next string) string {
	if strings.HasPrefix(next, a.path) && !strings.Contains(next, "//") && !strings.Contains(next, `\`) &&
		!strings.HasPrefix(next, a.path+"/login") {
		return next
	}
	return a.path
}

// ErrTokenRequired is CheckAddr's answer for an address other than
// loopback without a token.
var ErrTokenRequired = errors.New("a console on an address other than loopback needs a token")

// CheckAddr says whether a console may listen on addr: on a loopback
// address always, anywhere else (all interfaces included) only with a
// token.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("console address %q: %w", addr, err)
	}
	if token == "" && (host == "" || !LoopbackHost(host)) {
		return fmt.Errorf("%w (%s)", ErrTokenRequired, addr)
	}
	return nil
}
