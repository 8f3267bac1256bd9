package webui

import (
	"net/http"
	"strings"
)

// ContentSecurityPolicy admits only the site's own scripts, styles and
// connections: no inline script or style, no framing, forms post only to
// the site.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// SecureHeaders sets the security headers of every answer: the CSP, no
// MIME sniffing, no framing, no referrer to other sites, no caching (pages
// show live state and tokens).
func SecureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// serveStatic serves a built-in file; asked for with its current hash it
// may be cached for good.
func (s *Site) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := s.static[name]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-cache")
	if _, v, _ := strings.Cut(a.url, "?"); v == r.URL.RawQuery {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	_, _ = w.Write(a.body)
}
