package signup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/services/stage"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

// testPasswords make argon2id cheap in tests; production uses OWASP's.
var testPasswords = PasswordParams{MemoryKiB: 64, Iterations: 1}

type env struct {
	t     *testing.T
	pub   *eventstest.Recorder
	clock *clock.Manual
	h     *Handler
	srv   *httptest.Server
}

// newEnv serves an edge on 127.0.0.1 with generous limits unless adjusted.
func newEnv(t *testing.T, adjust func(*Config)) *env {
	t.Helper()
	e := &env{t: t, pub: &eventstest.Recorder{}, clock: clock.NewManual(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))}
	cfg := Config{
		Deps:         stage.Deps{DB: storetest.SQLite(t), Publisher: e.pub, Now: e.clock.Now, Logger: testlog.Quiet()},
		Passwords:    testPasswords,
		TokenSecret:  testSecret,
		AppServers:   []string{"10.0.1.10:8090", "10.0.1.11:8090", "10.0.1.12:8090"},
		ClientRate:   1000,
		ClientBurst:  1000,
		CompanyRate:  1000,
		CompanyBurst: 1000,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) str(key string) string { s, _ := r.body[key].(string); return s }

func (r response) errCode() string {
	m, _ := r.body["error"].(map[string]any)
	s, _ := m["code"].(string)
	return s
}

// do sends a request with a raw body and decodes the JSON answer.
func (e *env) do(method, path, token string, body []byte, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		e.t.Fatalf("%s %s: %d answer is not JSON: %q", method, path, res.StatusCode, raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	return out
}

func (e *env) post(path, token string, v any) response {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, token, b)
}

type co struct{ id, admin, token string }

func (e *env) signup(name, email string) co {
	e.t.Helper()
	r := e.post("/v1/signup", "", map[string]any{
		"company": map[string]string{"name": name},
		"admin":   map[string]string{"email": email, "name": "Admin of " + name},
	})
	if r.status != http.StatusAccepted {
		e.t.Fatalf("signup: %d %s", r.status, r.raw)
	}
	return co{id: r.str("company_id"), admin: r.str("admin_user_id"), token: r.str("token")}
}

// webSignup creates an account on the sign-up page (fetching the form for
// its CSRF token first) and returns the answer's status and whether it
// signed the browser in.
func (e *env) webSignup(company, email string) (status int, signedIn bool) {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := c.Get(e.srv.URL + "/signup")
	if err != nil {
		e.t.Fatal(err)
	}
	body, err := io.ReadAll(page.Body)
	page.Body.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(body), `name="csrf_token" value="`)
	csrf, _, _ := strings.Cut(rest, `"`)
	res, err := c.PostForm(e.srv.URL+"/signup", url.Values{"csrf_token": {csrf}, "company": {company}, "name": {"Admin of " + company},
		"email": {email}, "password": {"correct horse battery staple"}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		signedIn = signedIn || ck.Name == sessionCookie && ck.Value != ""
	}
	return res.StatusCode, signedIn
}

func (e *env) addUser(c co, email, role string) (string, string) {
	e.t.Helper()
	r := e.post("/v1/companies/"+c.id+"/users", c.token, map[string]string{"email": email, "name": "U " + email, "role": role})
	if r.status != http.StatusAccepted {
		e.t.Fatalf("add user: %d %s", r.status, r.raw)
	}
	return r.str("user_id"), r.str("token")
}

var errBusDown = errors.New("bus down")
