package webui_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/licenseflow/licenseflow/internal/webui"
	"github.com/licenseflow/licenseflow/internal/webui/webuitest"
)

var pages = fstest.MapFS{
	"home.html": {Data: []byte(`{{define "content"}}<h1>{{.Title}}</h1><p id="said">{{.Data}}</p>
<form method="post" action="/app/say">{{template "csrf" $}}<input name="text"><button>Say</button></form>{{end}}
{{define "said"}}<b>{{.Data}}</b>{{end}}`)},
}

// site serves a small application under /app: GET /app/ shows what was
// said last, POST /app/say says something and redirects with a flash.
func site(t *testing.T) (*webui.Site, *httptest.Server) {
	t.Helper()
	s, err := webui.New(webui.Config{Name: "Test app", Path: "/app", Pages: pages, Nav: []webui.Link{{Text: "Home", URL: "/app"}}})
	if err != nil {
		t.Fatal(err)
	}
	last := "nothing yet"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /app", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "home", webui.View{Title: "Home", Data: last, Refresh: 5})
	})
	mux.HandleFunc("POST /app/say", func(w http.ResponseWriter, r *http.Request) {
		last = r.PostFormValue("text")
		s.SetFlash(w, webui.FlashOK, "you said "+last)
		webui.Redirect(w, r, "/app")
	})
	mux.HandleFunc("GET /app/stream", func(w http.ResponseWriter, r *http.Request) {
		es, err := webui.NewEventStream(w, r)
		if err != nil {
			t.Error(err)
			return
		}
		var b strings.Builder
		if err := s.Fragment(&b, r, "home", "said", webui.View{Data: "<i>live</i>\nline two"}); err != nil {
			t.Error(err)
		}
		_ = es.Send("replace", b.String())
		_ = es.Send("done", "")
	})
	srv := httptest.NewServer(s.Handler(mux))
	t.Cleanup(srv.Close)
	return s, srv
}

// TestFormsNeedTheirToken: a POST passes only with the token of the page
// the browser got, from the same site; markup in values stays text.
func TestFormsNeedTheirToken(t *testing.T) {
	t.Parallel()
	_, srv := site(t)
	ann, mallory := webuitest.Client(t), webuitest.Client(t)
	resp, body := webuitest.Do(t, ann, http.MethodGet, srv.URL+"/app", nil, nil)
	for k, want := range map[string]string{"Content-Security-Policy": webui.ContentSecurityPolicy, "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	token := webuitest.CSRFToken(t, body)
	_, other := webuitest.Do(t, mallory, http.MethodGet, srv.URL+"/app", nil, nil)
	otherToken := webuitest.CSRFToken(t, other)
	if otherToken == token {
		t.Fatal("two browsers got the same token")
	}
	say := url.Values{"text": {`<script>alert(1)</script>`}}
	cases := []struct {
		name   string
		c      *http.Client
		token  string
		header http.Header
		status int
	}{
		{"no token", ann, "", nil, http.StatusForbidden},
		{"another browser's token", ann, otherToken, nil, http.StatusForbidden},
		{"a forged token", ann, strings.Repeat("A", len(token)), nil, http.StatusForbidden},
		{"the token without the cookie", &http.Client{}, token, nil, http.StatusForbidden},
		{"from another site", ann, token, http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"from its own page", ann, token, http.Header{"Sec-Fetch-Site": {"same-origin"}}, http.StatusSeeOther},
	}
	for _, tc := range cases {
		f := url.Values{"text": say["text"]}
		if tc.token != "" {
			f.Set(webui.CSRFField, tc.token)
		}
		if resp, body := webuitest.Do(t, tc.c, http.MethodPost, srv.URL+"/app/say", f, tc.header); resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, resp.StatusCode, tc.status, body)
		}
	}
	_, body = webuitest.Do(t, ann, http.MethodGet, srv.URL+"/app", nil, nil)
	if !strings.Contains(body, `&lt;script&gt;alert(1)&lt;/script&gt;`) || strings.Contains(body, "<script>alert") {
		t.Fatalf("the value was not escaped: %s", body)
	}
	if !strings.Contains(body, `class="flash flash-ok"`) {
		t.Fatalf("no flash after the redirect: %s", body)
	}
	if _, again := webuitest.Do(t, ann, http.MethodGet, srv.URL+"/app", nil, nil); strings.Contains(again, "flash-ok") {
		t.Fatal("the flash showed twice")
	}
	if !strings.Contains(body, `<noscript><meta http-equiv="refresh" content="5"></noscript>`) || !strings.Contains(body, `aria-current="page"`) {
		t.Fatalf("layout: %s", body)
	}
}

// TestForgedFlashIsIgnored: a flash cookie not signed by the site shows
// nothing.
func TestForgedFlashIsIgnored(t *testing.T) {
	t.Parallel()
	_, srv := site(t)
	_, b := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/app", nil,
		http.Header{"Cookie": {"lf_flash=b2sKQ2FsbCArMSA1NTUgMDEwMA.forged"}})
	if strings.Contains(b, "flash") {
		t.Fatalf("a forged flash was shown: %s", b)
	}
}

func TestStaticFilesAndEventStream(t *testing.T) {
	t.Parallel()
	_, srv := site(t)
	_, page := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/app", nil, nil)
	css := regexp.MustCompile(`href="(/app/static/base\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatalf("no stylesheet link: %s", page)
	}
	resp, body := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+css[1], nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "--accent") {
		t.Fatalf("stylesheet: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/app/static/nope.js", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("missing static file: %d", resp.StatusCode)
	}
	resp, err := http.Get(srv.URL + "/app/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	var lines []string
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	want := "event: replace|data: <b>&lt;i&gt;live&lt;/i&gt;|data: line two</b>||event: done|data: |"
	if got := strings.Join(lines, "|"); got != want {
		t.Fatalf("stream:\n%s\nwant\n%s", got, want)
	}
}

func TestConfigIsChecked(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]webui.Config{
		"no name":       {Pages: pages},
		"bad path":      {Name: "x", Pages: pages, Path: "console/"},
		"short key":     {Name: "x", Pages: pages, Key: []byte("short")},
		"broken page":   {Name: "x", Pages: fstest.MapFS{"a.html": {Data: []byte(`{{define "content"}}{{.Nope`)}}},
		"missing pages": {Name: "x"},
	} {
		if _, err := webui.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestBindingAndSecureCookies: with a CSRF binding, a token is good only
// for the session it was rendered for; cookies are Secure through API
// Gateway or over TLS, never on plain HTTP; an event stream can ask the
// browser to come back.
func TestBindingAndSecureCookies(t *testing.T) {
	t.Parallel()
	s, err := webui.New(webui.Config{Name: "Bound", Pages: pages,
		CSRFBinding: func(r *http.Request) string {
			c, _ := r.Cookie("session")
			if c == nil {
				return ""
			}
			return c.Value
		}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "home", webui.View{Title: "Home"})
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		s.SetCookie(w, "session", r.PostFormValue("who"), time.Hour)
		webui.Redirect(w, r, "/")
	})
	mux.HandleFunc("GET /poll", func(w http.ResponseWriter, r *http.Request) {
		es, _ := webui.NewEventStream(w, r)
		_ = es.Retry(1500 * time.Millisecond)
	})
	srv := httptest.NewServer(s.Handler(mux))
	t.Cleanup(srv.Close)
	ann := webuitest.Client(t)
	_, page := webuitest.Do(t, ann, http.MethodGet, srv.URL+"/", nil, nil)
	before := webuitest.CSRFToken(t, page)
	if resp, _ := webuitest.Do(t, ann, http.MethodPost, srv.URL+"/signin", url.Values{webui.CSRFField: {before}, "who": {"ses_ann"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the token of the page: %d", resp.StatusCode)
	}
	if resp, _ := webuitest.Do(t, ann, http.MethodPost, srv.URL+"/signin", url.Values{webui.CSRFField: {before}, "who": {"ses_ann"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a token of before sign-in still works after: %d", resp.StatusCode)
	}
	_, page = webuitest.Do(t, ann, http.MethodGet, srv.URL+"/", nil, nil)
	if resp, _ := webuitest.Do(t, ann, http.MethodPost, srv.URL+"/signin", url.Values{webui.CSRFField: {webuitest.CSRFToken(t, page)}, "who": {"ses_ann"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session's token: %d", resp.StatusCode)
	}
	plain := httptest.NewRecorder()
	s.Handler(mux).ServeHTTP(plain, httptest.NewRequest(http.MethodGet, "/", nil))
	tls := httptest.NewRecorder()
	s.Handler(mux).ServeHTTP(tls, httptest.NewRequest(http.MethodGet, "https://example.test/", nil))
	if c := plain.Result().Cookies(); len(c) != 1 || c[0].Secure {
		t.Fatalf("plain HTTP cookies %v", c)
	}
	if c := tls.Result().Cookies(); len(c) != 1 || !c[0].Secure || !c[0].HttpOnly {
		t.Fatalf("TLS cookies %v", c)
	}
	_, body := webuitest.Do(t, http.DefaultClient, http.MethodGet, srv.URL+"/poll", nil, nil)
	if body != "retry: 1500\n\n" {
		t.Fatalf("retry field %q", body)
	}
}
