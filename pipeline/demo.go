package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
)

// Demo drives the scripted end-to-end flow against a running pipeline over
// its public HTTP interfaces, and prints each hop with its latency.
type Demo struct {
	// EdgeURL is the edge HTTP API, e.g. "http://127.0.0.1:8080".
	EdgeURL string
	// AppServerURL is the demo application server.
	AppServerURL string
	// SignWebhook returns a Stripe-Signature header for a payload.
	SignWebhook func(payload []byte, t time.Time) string
	// PublicKey verifies the license that lands on the app server.
	PublicKey ed25519.PublicKey
	// Hops receives every event a stage handled; the demo waits on it.
	Hops <-chan Hop
	// Out receives the demo's lines.
	Out io.Writer
	// LookupKey is the price the demo's subscription buys (10 of it).
	// Default "team_monthly" of the built-in catalogue.
	LookupKey string
	// Timeout bounds each wait for a hop. Default 30 s.
	Timeout time.Duration
	// Client is the HTTP client. Default: a client with a 10 s timeout.
	Client *http.Client
}

// Hop is one event handled by one stage.
type Hop struct {
	Stage      string
	DetailType string
	CompanyID  string
	EventID    string
	// CorrelationID is the flow's: the same on every hop an event caused.
	CorrelationID string
	// Detail is the event's detail JSON.
	Detail json.RawMessage
	// Err is the handler's error, nil when it succeeded.
	Err error
	// Start is when the handler was called, At when it returned.
	Start, At time.Time
}

// Result is what the demo established.
type Result struct {
	CompanyID string
	UserID    string
	AppServer string
	License   license.License
}

// Run drives the flow. It returns an error naming the hop that failed.
func (d *Demo) Run(ctx context.Context) (Result, error) {
	d.setDefaults()
	var res Result
	clock := &hopClock{out: d.Out, start: time.Now()}
	clock.step = clock.start
	fmt.Fprintln(d.Out, "demo: company signup -> users -> payment -> license -> login -> license on the app server")
	company, err := d.signupCompany(ctx, clock)
	if err != nil {
		return res, err
	}
	res.CompanyID = company.CompanyID
	user, err := d.addUser(ctx, clock, company.CompanyID, company.Token)
	if err != nil {
		return res, err
	}
	res.UserID = user.UserID
	li, err := d.pay(ctx, clock, company.CompanyID)
	if err != nil {
		return res, err
	}
	if res.AppServer, err = d.login(ctx, clock, company.CompanyID, user.Token); err != nil {
		return res, err
	}
	lic, err := d.fetchLicense(ctx, company.CompanyID, li.Serial)
	if err != nil {
		return res, fmt.Errorf("hop 9, license on the app server: %w", err)
	}
	res.License = lic
	clock.hop("9 app server holds license #%d, signature verified", lic.Serial)
	fmt.Fprintf(d.Out, "demo: flow succeeded in %.1f ms: %s on plan %q, %d seats, features %s, expires %s\n",
		float64(time.Since(clock.start).Microseconds())/1000, lic.CompanyID, lic.Plan, lic.Seats,
		strings.Join(lic.Features, ","), lic.ExpiresAt.Format(time.RFC3339))
	return res, nil
}

// hopClock prints one hop line with the time since the previous hop and
// since the start.
type hopClock struct {
	out         io.Writer
	start, step time.Time
}

func (c *hopClock) hop(format string, args ...any) {
	now := time.Now()
	fmt.Fprintf(c.out, "  %-58s +%6.1f ms  (total %6.1f ms)\n", fmt.Sprintf(format, args...),
		float64(now.Sub(c.step).Microseconds())/1000, float64(now.Sub(c.start).Microseconds())/1000)
	c.step = now
}

type demoCompany struct {
	CompanyID   string `json:"company_id"`
	AdminUserID string `json:"admin_user_id"`
	Token       string `json:"token"`
}

// signupCompany is hops 1 and 2: a company with its admin, stored.
func (d *Demo) signupCompany(ctx context.Context, clock *hopClock) (demoCompany, error) {
	var co demoCompany
	if err := d.post(ctx, "/v1/signup", "", map[string]any{
		"company": map[string]string{"name": "Acme Robotics"},
		"admin":   map[string]string{"email": "ada@acme.example", "name": "Ada Admin"},
	}, &co); err != nil {
		return co, fmt.Errorf("hop 1, company signup: %w", err)
	}
	clock.hop("1 signup accepted: company %s, admin %s", co.CompanyID, co.AdminUserID)
	if _, err := d.await(ctx, StageAccounts, events.TypeCompanySignup, co.CompanyID); err != nil {
		return co, fmt.Errorf("hop 2, company stored: %w", err)
	}
	clock.hop("2 user-signup stage stored the company and its admin")
	return co, nil
}

type demoUser struct {
	UserID string `json:"user_id"`
	Token  string `json:"token"`
}

// addUser is hops 3 and 4: the admin adds a user, stored.
func (d *Demo) addUser(ctx context.Context, clock *hopClock, company, adminToken string) (demoUser, error) {
	var user demoUser
	if err := d.post(ctx, "/v1/companies/"+company+"/users", adminToken, map[string]string{
		"email": "grace@acme.example", "name": "Grace User", "role": "member",
	}, &user); err != nil {
		return user, fmt.Errorf("hop 3, admin adds a user: %w", err)
	}
	clock.hop("3 admin added user %s", user.UserID)
	if _, err := d.await(ctx, StageAccounts, events.TypeUserAddRequested, company); err != nil {
		return user, fmt.Errorf("hop 4, user stored: %w", err)
	}
	clock.hop("4 user-signup stage stored the user")
	return user, nil
}

// pay is hops 5 and 6: the provider's signed webhooks, and the license
// they issue.
func (d *Demo) pay(ctx context.Context, clock *hopClock, company string) (events.LicenseIssued, error) {
	var li events.LicenseIssued
	for i, ev := range demoStripeEvents(company, d.LookupKey, time.Now()) {
		payload, _ := json.Marshal(ev)
		if err := d.webhook(ctx, payload); err != nil {
			return li, fmt.Errorf("hop 5, signed payment webhook %d: %w", i+1, err)
		}
	}
	clock.hop("5 signed webhooks accepted (checkout completed, subscription)")
	issued, err := d.await(ctx, StageLicensePush, events.TypeLicenseIssued, company)
	if err != nil {
		return li, fmt.Errorf("hop 6, license issued: %w", err)
	}
	_ = json.Unmarshal(issued.Detail, &li)
	clock.hop("6 subscription %s, license #%d issued and signed (%s)", li.Status, li.Serial, li.Plan)
	return li, nil
}

// login is hops 7 and 8: the user logs in, and the license is pushed to
// the session's app server. It returns that server.
func (d *Demo) login(ctx context.Context, clock *hopClock, company, userToken string) (string, error) {
	var session struct {
		SessionID string `json:"session_id"`
		AppServer string `json:"app_server"`
	}
	if err := d.post(ctx, "/v1/sessions", userToken, map[string]any{}, &session); err != nil {
		return "", fmt.Errorf("hop 7, user login: %w", err)
	}
	clock.hop("7 user logged in: session %s on %s", session.SessionID, session.AppServer)
	if _, err := d.await(ctx, StageLicensePush, events.TypeSessionStarted, company); err != nil {
		return session.AppServer, fmt.Errorf("hop 8, license pushed for the session: %w", err)
	}
	clock.hop("8 license-push stage delivered for the session")
	return session.AppServer, nil
}

func (d *Demo) setDefaults() {
	d.LookupKey = cmp.Or(d.LookupKey, "team_monthly")
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: 10 * time.Second}
	}
}

// await waits for the stage to handle an event of the given type for the
// company; a handler error on that event fails the hop at once.
func (d *Demo) await(ctx context.Context, stage, detailType, companyID string) (Hop, error) {
	timer := time.NewTimer(d.Timeout)
	defer timer.Stop()
	for {
		select {
		case h := <-d.Hops:
			if h.Stage != stage || h.DetailType != detailType || h.CompanyID != companyID {
				continue
			}
			if h.Err != nil {
				return h, fmt.Errorf("%s failed on %s: %w", stage, detailType, h.Err)
			}
			return h, nil
		case <-timer.C:
			return Hop{}, fmt.Errorf("no %q handled by the %s stage within %s", detailType, stage, d.Timeout)
		case <-ctx.Done():
			return Hop{}, ctx.Err()
		}
	}
}

func (d *Demo) post(ctx context.Context, path, token string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.EdgeURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return d.do(req, http.StatusAccepted, out)
}

func (d *Demo) webhook(ctx context.Context, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.EdgeURL+"/v1/webhooks/payments", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", d.SignWebhook(payload, time.Now()))
	return d.do(req, http.StatusOK, nil)
}

func (d *Demo) do(req *http.Request, want int, out any) error {
	resp, err := d.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != want/100 {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decoding response: %w", req.Method, req.URL.Path, err)
		}
	}
	return nil
}

// fetchLicense polls the app server until it holds the company's license
// with at least the wanted serial, and verifies it with the public key.
func (d *Demo) fetchLicense(ctx context.Context, companyID string, serial int64) (license.License, error) {
	deadline := time.Now().Add(d.Timeout)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.AppServerURL+"/v1/licenses/"+companyID, nil)
		if err != nil {
			return license.License{}, err
		}
		resp, err := d.Client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				lic, verr := license.Verify(d.PublicKey, b)
				if verr != nil {
					return lic, fmt.Errorf("license on the app server does not verify: %w", verr)
				}
				if lic.Serial >= serial {
					return lic, nil
				}
				last = fmt.Errorf("app server holds serial %d, want %d", lic.Serial, serial)
			} else {
				last = fmt.Errorf("app server answered %s", resp.Status)
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return license.License{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return license.License{}, last
}
