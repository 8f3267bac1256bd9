package signup

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/testlog"
)

func TestSignupFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)

	acme := e.signup(" Acme Ltd ", "Boss@Acme.EXAMPLE")
	if !validID(acme.id, prefixCompany) || !validID(acme.admin, prefixUser) {
		t.Fatalf("ids %q %q are not co_/usr_ ids", acme.id, acme.admin)
	}
	claims, err := e.h.Tokens().Verify(acme.token, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if claims.CompanyID != acme.id || claims.UserID != acme.admin || claims.Role != events.RoleAdmin {
		t.Fatalf("admin token claims %+v", claims)
	}

	memberID, memberTok := e.addUser(acme, "dev@acme.example", events.RoleMember)
	if !validID(memberID, prefixUser) {
		t.Fatalf("user id %q", memberID)
	}
	r := e.post("/v1/sessions", memberTok, nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("session: %d %s", r.status, r.raw)
	}
	server := r.str("app_server")
	if !validID(r.str("session_id"), prefixSession) || !slices.Contains(e.h.cfg.AppServers, server) {
		t.Fatalf("session answer %s", r.raw)
	}
	// Every session of the company lands on the same server.
	for range 5 {
		if got := e.post("/v1/sessions", acme.token, struct{}{}).str("app_server"); got != server {
			t.Fatalf("company session on %q, first on %q", got, server)
		}
	}

	got := e.pub.Details()
	if len(got) != 8 {
		t.Fatalf("published %d events, want 8", len(got))
	}
	sr, ok := got[0].(events.CompanySignupRequested)
	if !ok || sr.CompanyID != acme.id || sr.AdminUserID != acme.admin || sr.CompanyName != "Acme Ltd" ||
		sr.AdminEmail != "Boss@acme.example" || sr.AdminName != "Admin of  Acme Ltd" || !sr.RequestedAt.Equal(e.clock.Now()) {
		t.Fatalf("signup event %#v", got[0])
	}
	ua, ok := got[1].(events.UserAddRequested)
	if !ok || ua.CompanyID != acme.id || ua.UserID != memberID || ua.Role != events.RoleMember || ua.RequestedBy != acme.admin || ua.Email != "dev@acme.example" {
		t.Fatalf("user event %#v", got[1])
	}
	ss, ok := got[2].(events.SessionRequested)
	if !ok || ss.CompanyID != acme.id || ss.UserID != memberID || ss.AppServer != server || ss.SessionID != r.str("session_id") {
		t.Fatalf("session event %#v", got[2])
	}
}

func TestAuthorisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	acme := e.signup("Acme", "a@acme.example")
	globex := e.signup("Globex", "g@globex.example")
	_, memberTok := e.addUser(acme, "m@acme.example", events.RoleMember)
	_, adminTok := e.addUser(acme, "second-admin@acme.example", events.RoleAdmin)

	other, err := NewTokens([]byte(strings.Repeat("x", 32)))
	if err != nil {
		t.Fatal(err)
	}
	adminClaims, _ := e.h.Tokens().Verify(acme.token, e.clock.Now())
	forged, _ := other.Issue(adminClaims)
	// Swap in the payload of a member token made admin, keeping its signature.
	parts := strings.Split(memberTok, ".")
	escalated, _ := e.h.Tokens().Issue(adminClaims)
	tampered := parts[0] + "." + strings.Split(escalated, ".")[1] + "." + parts[2]
	expiredClaims := adminClaims
	expiredClaims.Expires = e.clock.Now().Add(-time.Second)
	expired, _ := e.h.Tokens().Issue(expiredClaims)

	body := map[string]string{"email": "new@acme.example", "name": "New", "role": events.RoleMember}
	path := "/v1/companies/" + acme.id + "/users"
	before := len(e.pub.Details())
	for _, tc := range []struct {
		name, path, auth string
		status           int
		code             string
	}{
		{"no token", path, "", 401, "unauthorized"},
		{"garbage", path, "Bearer not-a-token", 401, "invalid_token"},
		{"basic scheme", path, "Basic " + acme.token, 401, "unauthorized"},
		{"forged with another secret", path, "Bearer " + forged, 401, "invalid_token"},
		{"tampered payload", path, "Bearer " + tampered, 401, "invalid_token"},
		{"truncated signature", path, "Bearer " + acme.token[:len(acme.token)-2], 401, "invalid_token"},
		{"expired", path, "Bearer " + expired, 401, "token_expired"},
		{"admin of another company", path, "Bearer " + globex.token, 403, "forbidden"},
		{"member", path, "Bearer " + memberTok, 403, "forbidden"},
		{"other company path", "/v1/companies/" + globex.id + "/users", "Bearer " + acme.token, 403, "forbidden"},
		{"session without token", "/v1/sessions", "", 401, "unauthorized"},
		{"session with forged token", "/v1/sessions", "Bearer " + forged, 401, "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := `{"email":"new@acme.example","name":"New","role":"member"}`
			r := e.do(http.MethodPost, tc.path, "", []byte(b), "Authorization", tc.auth)
			if r.status != tc.status || r.errCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
	if n := len(e.pub.Details()); n != before {
		t.Fatalf("refused requests published %d events", n-before)
	}
	// A second admin may add users; its token passes.
	if r := e.post(path, adminTok, body); r.status != http.StatusAccepted {
		t.Fatalf("second admin: %d %s", r.status, r.raw)
	}
	// The admin token expires after the TTL.
	e.clock.Advance(12*time.Hour + time.Second)
	if r := e.post(path, acme.token, body); r.status != 401 || r.errCode() != "token_expired" {
		t.Fatalf("after ttl: %d %s", r.status, r.raw)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	acme := e.signup("Acme", "a@acme.example")
	users := "/v1/companies/" + acme.id + "/users"
	long := strings.Repeat("n", 201)
	for _, tc := range []struct {
		name, method, path, token, body string
		header                          []string
		status                          int
		code                            string
	}{
		{"malformed", "POST", "/v1/signup", "", `{"company":`, nil, 400, "malformed_json"},
		{"not an object", "POST", "/v1/signup", "", `[1,2]`, nil, 400, "malformed_json"},
		{"unknown field", "POST", "/v1/signup", "", `{"company":{"name":"A","vat":"x"},"admin":{"email":"a@b.example","name":"A"}}`, nil, 400, "malformed_json"},
		{"trailing data", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"a@b.example","name":"A"}} {}`, nil, 400, "malformed_json"},
		{"empty body", "POST", "/v1/signup", "", ``, nil, 400, "malformed_json"},
		{"missing fields", "POST", "/v1/signup", "", `{}`, nil, 400, "invalid_request"},
		{"bad email", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"not-an-email","name":"A"}}`, nil, 400, "invalid_request"},
		{"display-name email", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"Bob <b@b.example>","name":"A"}}`, nil, 400, "invalid_request"},
		{"non-ASCII local part", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"ü@b.example","name":"A"}}`, nil, 400, "invalid_request"},
		{"quoted local part", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"\"a b\"@b.example","name":"A"}}`, nil, 400, "invalid_request"},
		{"email without dot", "POST", "/v1/signup", "", `{"company":{"name":"A"},"admin":{"email":"b@localhost","name":"A"}}`, nil, 400, "invalid_request"},
		{"long name", "POST", "/v1/signup", "", `{"company":{"name":"` + long + `"},"admin":{"email":"a@b.example","name":"A"}}`, nil, 400, "invalid_request"},
		{"control char", "POST", "/v1/signup", "", `{"company":{"name":"A\u0007"},"admin":{"email":"a@b.example","name":"A"}}`, nil, 400, "invalid_request"},
		{"blank name", "POST", "/v1/signup", "", `{"company":{"name":"   "},"admin":{"email":"a@b.example","name":"A"}}`, nil, 400, "invalid_request"},
		{"oversized", "POST", "/v1/signup", "", `{"company":{"name":"` + strings.Repeat("a", 70<<10) + `"}}`, nil, 413, "body_too_large"},
		{"wrong content type", "POST", "/v1/signup", "", `{}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"get", "GET", "/v1/signup", "", ``, nil, 405, "method_not_allowed"},
		{"unknown path", "POST", "/v1/nothing", "", `{}`, nil, 404, "not_found"},
		{"bad role", "POST", users, acme.token, `{"email":"x@acme.example","name":"X","role":"owner"}`, nil, 400, "invalid_request"},
		{"user unknown field", "POST", users, acme.token, `{"email":"x@acme.example","name":"X","role":"member","admin":true}`, nil, 400, "malformed_json"},
		{"session body not empty", "POST", "/v1/sessions", acme.token, `{"server":"10.0.0.1:80"}`, nil, 400, "malformed_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, []byte(tc.body), tc.header...)
			if r.status != tc.status || r.errCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
	if n := len(e.pub.Details()); n != 1 {
		t.Fatalf("published %d events, want only the first signup", n)
	}
}

func TestAcceptedInputsMatchTheSchemas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct{ company, email, name string }{
		{"Ünïcödé GmbH & Co. KG", "o'brien+tag@sub.example.co.uk", "Zoë Ørsted"},
		{strings.Repeat("é", 200), strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".example", strings.Repeat("n", 200)},
		{"A", "x@y.io", "B"},
	} {
		r := e.post("/v1/signup", "", map[string]any{"company": map[string]string{"name": tc.company},
			"admin": map[string]string{"email": tc.email, "name": tc.name}})
		if r.status != http.StatusAccepted {
			t.Fatalf("%q: %d %s", tc.email, r.status, r.raw)
		}
		c := co{id: r.str("company_id"), token: r.str("token")}
		// One account per email: the user's address is another of the same shape.
		if r := e.post("/v1/companies/"+c.id+"/users", c.token, map[string]string{"email": "u" + tc.email[1:], "name": tc.name, "role": "admin"}); r.status != http.StatusAccepted {
			t.Fatalf("add %q: %d %s", tc.email, r.status, r.raw)
		}
		if r := e.post("/v1/sessions", c.token, nil); r.status != http.StatusAccepted {
			t.Fatalf("session: %d %s", r.status, r.raw)
		}
	}
}

// TestStoreFailureLogsNoInvitationSecret: a page that fails logs its
// route, never the invitation secret its path carries.
func TestStoreFailureLogsNoInvitationSecret(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	var db *sqlstore.DB
	e := newEnv(t, func(c *Config) { c.Logger, db = logs.Text(), c.DB })
	const secret = "s3cr3t-invitation-token-in-the-path"
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.Client().Get(e.srv.URL + "/invite/" + secret)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got := logs.String()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(got, "page failed") {
		t.Fatalf("%d, logged %q", res.StatusCode, got)
	}
	if strings.Contains(got, secret) || !strings.Contains(got, "/invite/{token}") {
		t.Fatalf("logged %q", got)
	}
}

func TestPublishFailureClaimsNothing(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = logs.JSON() })
	acme := e.signup("Acme", "a@acme.example")
	e.pub.SetFail(errBusDown)
	for _, tc := range []struct {
		path, token string
		body        any
	}{
		{"/v1/signup", "", map[string]any{"company": map[string]string{"name": "B"}, "admin": map[string]string{"email": "b@b.example", "name": "B"}}},
		{"/v1/companies/" + acme.id + "/users", acme.token, map[string]string{"email": "u@acme.example", "name": "U", "role": "member"}},
		{"/v1/sessions", acme.token, nil},
	} {
		r := e.post(tc.path, tc.token, tc.body)
		if r.status != http.StatusServiceUnavailable || r.errCode() != "unavailable" || strings.Contains(string(r.raw), errBusDown.Error()) {
			t.Fatalf("%s: %d %s", tc.path, r.status, r.raw)
		}
		for _, k := range []string{"company_id", "user_id", "session_id", "token", "app_server"} {
			if _, ok := r.body[k]; ok {
				t.Fatalf("%s: failed request answered %s", tc.path, k)
			}
		}
	}
	if n := len(e.pub.Details()); n != 1 {
		t.Fatalf("%d events recorded", n)
	}
	// Each failure is logged once, with its cause under "err".
	var errorLines int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == "ERROR" {
			errorLines++
			if cause, _ := rec["err"].(string); !strings.Contains(cause, errBusDown.Error()) {
				t.Errorf("error line without its cause under err: %s", line)
			}
		}
	}
	if errorLines != 3 {
		t.Fatalf("%d error lines for 3 failed requests:\n%s", errorLines, logs.String())
	}
}

func TestCorrelationID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.do("POST", "/v1/signup", "", []byte(`{"company":{"name":"A"},"admin":{"email":"a@a.example","name":"A"}}`), "X-Correlation-Id", "demo-42")
	if got := r.header.Get("X-Correlation-Id"); got != "demo-42" || r.status != 202 {
		t.Fatalf("correlation id %q (status %d)", got, r.status)
	}
	corr := e.pub.CorrelationIDs()
	if len(corr) != 1 || corr[0] != "demo-42" {
		t.Fatalf("publisher saw correlation ids %q", corr)
	}
	r = e.do("POST", "/v1/signup", "", []byte(`{}`), "X-Correlation-Id", "bad id with spaces")
	if got := r.header.Get("X-Correlation-Id"); !strings.HasPrefix(got, "req_") {
		t.Fatalf("generated correlation id %q", got)
	}
}
