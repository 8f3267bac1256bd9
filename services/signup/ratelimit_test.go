package signup

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestClientRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ClientRate, c.ClientBurst = 0.5, 3 })
	n := 0
	body := func() []byte { // a new email each time: one account per email
		n++
		return []byte(fmt.Sprintf(`{"company":{"name":"A"},"admin":{"email":"a%d@a.example","name":"A"}}`, n))
	}
	for i := range 3 {
		if r := e.do("POST", "/v1/signup", "", body()); r.status != http.StatusAccepted {
			t.Fatalf("request %d: %d %s", i, r.status, r.raw)
		}
	}
	r := e.do("POST", "/v1/signup", "", body())
	if r.status != http.StatusTooManyRequests || r.errCode() != "rate_limited" {
		t.Fatalf("4th request: %d %s", r.status, r.raw)
	}
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra != 2 {
		t.Fatalf("Retry-After %q, want 2 (one token at 0.5/s)", r.header.Get("Retry-After"))
	}
	// Refused requests cost nothing: after the wait one more is allowed.
	e.clock.Advance(2 * time.Second)
	if r := e.do("POST", "/v1/signup", "", body()); r.status != http.StatusAccepted {
		t.Fatalf("after refill: %d %s", r.status, r.raw)
	}
	if r := e.do("POST", "/v1/signup", "", body()); r.status != http.StatusTooManyRequests {
		t.Fatalf("bucket should be empty again: %d", r.status)
	}
	if n := len(e.pub.Details()); n != 4 {
		t.Fatalf("published %d, want 4", n)
	}
}

func TestCompanyRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.CompanyRate, c.CompanyBurst = 1, 2 })
	acme := e.signup("Acme", "a@acme.example")
	globex := e.signup("Globex", "g@globex.example")
	for i := range 2 {
		if r := e.post("/v1/sessions", acme.token, nil); r.status != http.StatusAccepted {
			t.Fatalf("session %d: %d", i, r.status)
		}
	}
	r := e.post("/v1/sessions", acme.token, nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("3rd acme session: %d %s Retry-After %q", r.status, r.raw, r.header.Get("Retry-After"))
	}
	// The same company is limited on every authenticated route...
	if r := e.post("/v1/companies/"+acme.id+"/users", acme.token, map[string]string{"email": "x@acme.example", "name": "X", "role": "member"}); r.status != http.StatusTooManyRequests {
		t.Fatalf("acme add user: %d", r.status)
	}
	// ...but not another company from the same client.
	if r := e.post("/v1/sessions", globex.token, nil); r.status != http.StatusAccepted {
		t.Fatalf("globex session: %d", r.status)
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(1, 1, 10)
	for i := range 100 {
		if ok, _ := l.allow(fmt.Sprint("k", i), now); !ok {
			t.Fatalf("fresh key %d refused", i)
		}
	}
	if n := len(l.buckets); n > 10 {
		t.Fatalf("%d buckets held, max 10", n)
	}
	// A key that is still held keeps its empty bucket.
	if ok, wait := l.allow("k99", now); ok || wait != time.Second {
		t.Fatalf("k99 allowed=%v wait=%v", ok, wait)
	}
}
