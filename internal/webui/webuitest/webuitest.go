// Package webuitest holds what tests of webui sites share without a
// browser: a client that keeps cookies and stops at redirects, a request
// helper, and the CSRF token of a page's form. For tests only.
package webuitest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Client keeps cookies, as a browser does, and returns redirects instead
// of following them.
func Client(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Do sends a request (form, when not nil, as a urlencoded body) with the
// headers and returns the answer and its body.
func Do(tb testing.TB, c *http.Client, method, u string, form url.Values, header http.Header) (*http.Response, string) {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRFToken is the CSRF token of the first form of page; it fails tb when
// the page has none.
func CSRFToken(tb testing.TB, page string) string {
	tb.Helper()
	m := tokenRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}
