package signup

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/services/accounts"
	"github.com/licenseflow/licenseflow/services/stage"
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

// outboxLen is how many events the edge's outbox holds.
func outboxLen(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM sgn_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// flush runs h.Flush and checks it published want events.
func flush(t *testing.T, h *Handler, want int) {
	t.Helper()
	if n, err := h.Flush(context.Background()); err != nil || n != want {
		t.Fatalf("flush published %d (%v), want %d", n, err, want)
	}
}

// detailTypes are the types of ds, in order.
func detailTypes(ds []events.Detail) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.DetailType())
	}
	return strings.Join(out, ", ")
}

// TestPublishFailureAcceptsTheRequest: once its write committed with its
// event, a request is accepted even though the bus refused the event; the
// event stays in the outbox (with its correlation id) until a Flush
// publishes it, exactly once. A session, whose event is all the edge
// records, is still refused.
func TestPublishFailureAcceptsTheRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var logs testlog.Buffer
		e := newEnv(t, func(c *Config) { c.DB, c.Logger = db, logs.JSON() })
		acme := e.signup("Acme", "a@acme.example")
		e.pub.SetFail(errBusDown)
		r := e.do(http.MethodPost, "/v1/signup", "", []byte(`{"company":{"name":"B"},"admin":{"email":"b@b.example","name":"B"}}`),
			"X-Correlation-Id", "flow-b")
		if r.status != http.StatusAccepted || r.str("company_id") == "" || r.str("token") == "" {
			t.Fatalf("signup with the bus down: %d %s", r.status, r.raw)
		}
		e.clock.Advance(time.Second)
		userID, _ := e.addUser(acme, "u@acme.example", events.RoleMember)
		e.clock.Advance(time.Second)
		if r := e.post("/v1/companies/"+acme.id+"/users/"+userID+"/disable", acme.token, nil); r.status != http.StatusAccepted {
			t.Fatalf("disable with the bus down: %d %s", r.status, r.raw)
		}
		if r := e.post("/v1/sessions", acme.token, nil); r.status != http.StatusServiceUnavailable || r.errCode() != "unavailable" ||
			r.str("session_id") != "" || strings.Contains(string(r.raw), errBusDown.Error()) {
			t.Fatalf("session with the bus down: %d %s", r.status, r.raw)
		}
		if n, got := outboxLen(t, db), len(e.pub.Details()); n != 3 || got != 1 {
			t.Fatalf("%d events in the outbox, %d published; want 3 and 1", n, got)
		}
		// Each deferred event is logged with its cause under "err".
		if got := strings.Count(logs.String(), `bus down"`); got != 4 {
			t.Fatalf("%d lines with the cause (3 deferred events, 1 refused session):\n%s", got, logs.String())
		}

		e.pub.SetFail(nil)
		flush(t, e.h, 3)
		flush(t, e.h, 0)
		ds := e.pub.Details()
		if got := detailTypes(ds[1:]); got != "Company Signup Requested, User Add Requested, User Disable Requested" {
			t.Fatalf("published %s", got)
		}
		if d := ds[1].(events.CompanySignupRequested); d.CompanyID != r.str("company_id") || d.AdminEmail != "b@b.example" {
			t.Fatalf("published %+v", d)
		}
		if corr := e.pub.CorrelationIDs(); corr[1] != "flow-b" {
			t.Fatalf("correlation ids %q", corr)
		}
		if n := outboxLen(t, db); n != 0 {
			t.Fatalf("%d events left in the outbox", n)
		}
	})
}

// TestStoreFailurePublishesNothing: when the event cannot be stored, the
// write it announces is not stored either, the request fails (its log line
// saying which event), and nothing is published.
func TestStoreFailurePublishesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var logs testlog.Buffer
		e := newEnv(t, func(c *Config) { c.DB, c.Logger = db, logs.JSON() })
		acme := e.signup("Acme", "a@acme.example")
		userID, _ := e.addUser(acme, "u@acme.example", events.RoleMember)
		published, before := len(e.pub.Details()), seatsUsed(t, e, acme.id)
		failInserts(t, db, "sgn_outbox")
		for _, tc := range []struct {
			path, token string
			body        any
		}{
			{"/v1/signup", "", map[string]any{"company": map[string]string{"name": "B"}, "admin": map[string]string{"email": "b@b.example", "name": "B"}}},
			{"/v1/companies/" + acme.id + "/users", acme.token, map[string]string{"email": "v@acme.example", "name": "V", "role": "member"}},
			{"/v1/companies/" + acme.id + "/users/" + userID + "/disable", acme.token, nil},
		} {
			if r := e.post(tc.path, tc.token, tc.body); r.status != http.StatusServiceUnavailable || r.errCode() != "unavailable" {
				t.Fatalf("%s with the store failing: %d %s", tc.path, r.status, r.raw)
			}
		}
		if got := len(e.pub.Details()); got != published {
			t.Fatalf("%d events published after the store failed", got-published)
		}
		for _, typ := range []string{events.TypeCompanySignup, events.TypeUserAddRequested, events.TypeUserDisableRequested} {
			if !strings.Contains(logs.String(), `"err":"storing `+typ+` in the outbox: `) {
				t.Fatalf("no log line says %s could not be stored:\n%s", typ, logs.String())
			}
		}
		ctx := context.Background()
		for _, email := range []string{"b@b.example", "v@acme.example"} {
			if taken, err := e.h.store.emailTaken(ctx, email); taken || err != nil {
				t.Fatalf("%s stored although its event was not (%v)", email, err)
			}
		}
		u, err := e.h.store.loginByEmail(ctx, "u@acme.example")
		if err != nil || u.Status != statusActive || seatsUsed(t, e, acme.id) != before {
			t.Fatalf("the disable was stored without its event: %+v %v", u, err)
		}
	})
}

// TestSessionFailureAdmitsNothing: a sign-up (API or page), or an API
// user's add, whose first session or token cannot be stored admits
// nothing and publishes nothing, so the same email can sign up (or be
// added) once the store recovers, and the token answered then works.
func TestSessionFailureAdmitsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, func(c *Config) { c.DB = db })
		acme := e.signup("Acme", "a@acme.example")
		published := len(e.pub.Details())
		restore := failInserts(t, db, "sgn_sessions")
		signup := map[string]any{"company": map[string]string{"name": "B"}, "admin": map[string]string{"email": "b@b.example", "name": "B"}}
		add := map[string]string{"email": "u@acme.example", "name": "U", "role": "member"}
		if r := e.post("/v1/signup", "", signup); r.status != http.StatusServiceUnavailable || r.errCode() != "unavailable" {
			t.Fatalf("signup with the session failing: %d %s", r.status, r.raw)
		}
		if r := e.post("/v1/companies/"+acme.id+"/users", acme.token, add); r.status != http.StatusServiceUnavailable {
			t.Fatalf("add with the session failing: %d %s", r.status, r.raw)
		}
		if status, signedIn := e.webSignup("C", "c@c.example"); status != http.StatusServiceUnavailable || signedIn {
			t.Fatalf("sign-up page with the session failing: %d, signed in %v", status, signedIn)
		}
		for _, email := range []string{"b@b.example", "u@acme.example", "c@c.example"} {
			if taken, err := e.h.store.emailTaken(context.Background(), email); taken || err != nil {
				t.Fatalf("%s stored although its session was not (%v)", email, err)
			}
		}
		if n, got := outboxLen(t, db), len(e.pub.Details()); n != 0 || got != published || seatsUsed(t, e, acme.id) != 1 {
			t.Fatalf("%d events in the outbox, %d published, %d seats used", n, got-published, seatsUsed(t, e, acme.id))
		}

		restore()
		b := e.signup("B", "b@b.example")
		_, userTok := e.addUser(acme, "u@acme.example", events.RoleMember)
		for _, tok := range []string{b.token, userTok} {
			if r := e.post("/v1/sessions", tok, nil); r.status != http.StatusAccepted {
				t.Fatalf("the token answered on retry: %d %s", r.status, r.raw)
			}
		}
		if status, signedIn := e.webSignup("C", "c@c.example"); status != http.StatusSeeOther || !signedIn {
			t.Fatalf("sign-up page retried: %d, signed in %v", status, signedIn)
		}
	})
}

func seatsUsed(t *testing.T, e *env, companyID string) int {
	t.Helper()
	c, err := e.h.store.company(context.Background(), companyID)
	if err != nil {
		t.Fatal(err)
	}
	return c.SeatsUsed
}

// failInserts makes every insert into table fail until the returned
// function is called.
func failInserts(t *testing.T, db *sqlstore.DB, table string) (restore func()) {
	t.Helper()
	name := table + "_down"
	stmts := []string{`CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'store down'); END`}
	undo := []string{`DROP TRIGGER ` + name}
	if db.Dialect == sqlstore.Postgres {
		stmts = []string{`CREATE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'store down'; END $$`,
			`CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + name + `()`}
		undo = []string{`DROP TRIGGER ` + name + ` ON ` + table, `DROP FUNCTION ` + name}
	}
	run := func(stmts []string) {
		for _, q := range stmts {
			if _, err := db.Exec(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(stmts)
	return func() { run(undo) }
}

// refusing is a publisher that refuses the events of one company and
// passes the others on.
type refusing struct {
	events.Publisher
	company atomic.Pointer[string]
}

func (p *refusing) refuse(company string) { p.company.Store(&company) }

func (p *refusing) Publish(ctx context.Context, ds ...events.Detail) error {
	for _, d := range ds {
		if c, ok := d.(events.CompanySignupRequested); ok && p.company.Load() != nil && c.CompanyID == *p.company.Load() {
			return errors.New("refused " + c.CompanyID)
		}
	}
	return p.Publisher.Publish(ctx, ds...)
}

// TestFlushPublishesAroundAStuckEvent: an event the bus keeps refusing
// stays in the outbox, logged, while the others go out oldest first; it
// goes out once the bus takes it. A row that cannot be decoded stays too.
func TestFlushPublishesAroundAStuckEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var logs testlog.Buffer
		pub := &refusing{}
		e := newEnv(t, func(c *Config) { pub.Publisher, c.Publisher, c.DB, c.Logger = c.Publisher, pub, db, logs.JSON() })
		e.pub.SetFail(errBusDown)
		var ids []string
		for _, name := range []string{"A", "B", "C", "D", "E"} {
			ids = append(ids, e.signup(name, strings.ToLower(name)+"@example.com").id)
			e.clock.Advance(time.Second)
		}
		e.pub.SetFail(nil)
		pub.refuse(ids[1])
		flush(t, e.h, 4)
		want := []string{ids[0], ids[2], ids[3], ids[4]}
		if got := signedUp(e.pub.Details()); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("published %v, want %v", got, want)
		}
		if n := outboxLen(t, db); n != 1 || !strings.Contains(logs.String(), `"err":"refused `+ids[1]+`"`) {
			t.Fatalf("%d events left; logged:\n%s", n, logs.String())
		}
		pub.refuse("")
		flush(t, e.h, 1)
		flush(t, e.h, 0)
		if got := signedUp(e.pub.Details()); len(got) != 5 || got[4] != ids[1] {
			t.Fatalf("published %v", got)
		}

		// A row of a detail-type this edge does not know (a newer edge's)
		// is logged and stays, ahead of a sign-up it holds up no more.
		if _, err := db.Exec(context.Background(), `INSERT INTO sgn_outbox (seq, outbox_id, detail_type, detail, correlation_id, created_at)
			VALUES (0, 'obx_newer', 'Newer Thing', '{}', '', 0)`); err != nil {
			t.Fatal(err)
		}
		e.pub.SetFail(errBusDown)
		e.signup("F", "f@example.com")
		e.pub.SetFail(nil)
		flush(t, e.h, 1)
		if n := outboxLen(t, db); n != 1 || !strings.Contains(logs.String(), `"outbox_id":"obx_newer","err":"unknown detail-type`) {
			t.Fatalf("%d events left; logged:\n%s", n, logs.String())
		}
	})
}

// TestFlushKeepsTheOrderWritten: events written in one millisecond (the
// edge's clock stands still) go out in the order their writes committed,
// each company's signup before its first user.
func TestFlushKeepsTheOrderWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, func(c *Config) { c.DB = db })
		e.pub.SetFail(errBusDown)
		var want []string
		for i := range 20 {
			c := e.signup(fmt.Sprint("C", i), fmt.Sprintf("admin@c%d.example", i))
			userID, _ := e.addUser(c, fmt.Sprintf("user@c%d.example", i), events.RoleMember)
			want = append(want, c.id, userID)
		}
		e.pub.SetFail(nil)
		flush(t, e.h, len(want))
		var got []string
		for _, d := range e.pub.Details() {
			switch d := d.(type) {
			case events.CompanySignupRequested:
				got = append(got, d.CompanyID)
			case events.UserAddRequested:
				got = append(got, d.UserID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("published\n%v\nwant\n%v", got, want)
		}
	})
}

// refusingFirst is a publisher that refuses the first publish of every
// other company's sign-up and passes everything else on.
type refusingFirst struct {
	events.Publisher
	mu   sync.Mutex
	seen map[string]bool
}

func (p *refusingFirst) Publish(ctx context.Context, ds ...events.Detail) error {
	p.mu.Lock()
	for _, d := range ds {
		if c, ok := d.(events.CompanySignupRequested); ok && !p.seen[c.CompanyID] {
			if p.seen[c.CompanyID] = true; len(p.seen)%2 == 1 {
				p.mu.Unlock()
				return errors.New("refused once")
			}
		}
	}
	p.mu.Unlock()
	return p.Publisher.Publish(ctx, ds...)
}

// TestFlushesBesideRequests: two edges on one store flush over and over
// while sign-ups commit and publish their own events (half of them refused
// at first): every event reaches the bus (some twice), and the outbox ends
// empty.
func TestFlushesBesideRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		pub := &refusingFirst{seen: map[string]bool{}}
		e := newEnv(t, func(c *Config) { pub.Publisher, c.Publisher, c.DB = c.Publisher, pub, db })
		other, err := New(context.Background(), e.h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		var flushers sync.WaitGroup
		for _, h := range []*Handler{e.h, other, other} {
			flushers.Go(func() {
				for ctx.Err() == nil {
					h.Flush(ctx)
					time.Sleep(time.Millisecond)
				}
			})
		}
		ids := make([]string, 12)
		var requests sync.WaitGroup
		for i := range ids {
			requests.Go(func() {
				r := e.post("/v1/signup", "", map[string]any{"company": map[string]string{"name": fmt.Sprint("C", i)},
					"admin": map[string]string{"email": fmt.Sprintf("a@c%d.example", i), "name": "A"}})
				if r.status == http.StatusAccepted {
					ids[i] = r.str("company_id")
				}
			})
		}
		requests.Wait()
		stop()
		flushers.Wait()
		if _, err := e.h.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		published := signedUp(e.pub.Details())
		for i, id := range ids {
			if id == "" {
				t.Fatalf("sign-up %d was not accepted", i)
			}
			if !slices.Contains(published, id) {
				t.Fatalf("sign-up %d (%s) was never published; published %v", i, id, published)
			}
		}
		if n := outboxLen(t, db); n != 0 {
			t.Fatalf("%d events left in the outbox", n)
		}
	})
}

func signedUp(ds []events.Detail) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.(events.CompanySignupRequested).CompanyID)
	}
	return out
}

// TestRunStopsQuietly: Run returns its context's error when stopped, and
// a flush its stopping cut short is no error to log.
func TestRunStopsQuietly(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = logs.JSON() })
	ctx, stop := context.WithCancel(context.Background())
	stop()
	if err := e.h.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("logged:\n%s", logs.String())
	}
}

// TestCrashBeforePublishing: an edge dies after its writes committed and
// before their events reached the bus; a new edge on the same store
// publishes them when it starts, and the user-signup stage then stores the
// company and the user (a second delivery changes nothing).
func TestCrashBeforePublishing(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, func(c *Config) { c.DB = db })
		e.pub.SetFail(errBusDown)
		acme := e.signup("Acme", "a@acme.example") // the clock stands still
		userID, _ := e.addUser(acme, "u@acme.example", events.RoleMember)
		e.srv.Close()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		db = storetest.OpenURL(t, url)
		pub := &eventstest.Recorder{}
		h, err := New(ctx, Config{Deps: stage.Deps{DB: db, Publisher: pub, Logger: testlog.Quiet()}, Passwords: testPasswords,
			TokenSecret: testSecret, AppServers: []string{"10.0.1.10:8090"}, FlushInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- h.Run(runCtx) }()
		deadline := time.Now().Add(30 * time.Second)
		for len(pub.Details()) < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("run: %v", err)
		}
		if got := detailTypes(pub.Details()); got != "Company Signup Requested, User Add Requested" {
			t.Fatalf("the new edge published %s", got)
		}
		deliverToAccounts(t, db, pub.Details(), acme.id, userID)
	})
}

// deliverToAccounts hands ds to a user-signup stage on db, twice (the
// second time as a redelivery under new event ids), and checks that it
// then has company and user.
func deliverToAccounts(t *testing.T, db *sqlstore.DB, ds []events.Detail, company, user string) {
	t.Helper()
	ctx := context.Background()
	pubKey, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.New(ctx, accounts.Config{Deps: stage.Deps{DB: db, Publisher: &eventstest.Recorder{}, Logger: testlog.Quiet()},
		PublicKey: pubKey})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for i, d := range ds {
			if err := acc.Handle(ctx, eventstest.Envelope(t, newID("ev_"), time.Now(), d)); err != nil {
				t.Fatalf("round %d, event %d: %v", round, i, err)
			}
		}
	}
	if c, err := acc.GetCompany(ctx, company); err != nil || c.Name != "Acme" {
		t.Fatalf("company %+v %v", c, err)
	}
	if u, err := acc.GetUser(ctx, user); err != nil || u.CompanyID != company || u.Email != "u@acme.example" {
		t.Fatalf("user %+v %v", u, err)
	}
}
