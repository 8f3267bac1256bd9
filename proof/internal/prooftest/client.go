package prooftest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// Client speaks to the edge API and the app server over HTTP.
type Client struct {
	HTTP *http.Client
	// Edge and AppServer are base URLs ("http://host:port").
	Edge, AppServer string
	// WebhookSecret signs webhooks.
	WebhookSecret string
}

// NewClient returns a client with a 10 s timeout per request.
func NewClient(edge, app, secret string) *Client {
	return &Client{HTTP: &http.Client{Timeout: 10 * time.Second}, Edge: edge, AppServer: app, WebhookSecret: secret}
}

// Company is what a signup returned.
type Company struct {
	CompanyID   string `json:"company_id"`
	AdminUserID string `json:"admin_user_id"`
	Token       string `json:"token"`
}

// Signup creates a company with its admin.
func (c *Client) Signup(ctx context.Context, name, email string) (Company, error) {
	var out Company
	_, err := c.post(ctx, c.Edge+"/v1/signup", "", map[string]any{
		"company": map[string]string{"name": name},
		"admin":   map[string]string{"email": email, "name": "Admin " + name},
	}, http.StatusAccepted, &out)
	return out, err
}

// AddUser adds a member to the admin's company and returns the new user's
// id.
func (c *Client) AddUser(ctx context.Context, co Company, email string) (string, error) {
	var out struct {
		UserID string `json:"user_id"`
	}
	_, err := c.post(ctx, c.Edge+"/v1/companies/"+co.CompanyID+"/users", co.Token, map[string]any{
		"email": email, "name": "User " + email, "role": "member"}, http.StatusAccepted, &out)
	return out.UserID, err
}

// Session is what a login returned.
type Session struct {
	SessionID string `json:"session_id"`
	AppServer string `json:"app_server"`
}

// Login starts a session for the token's user.
func (c *Client) Login(ctx context.Context, token string) (Session, error) {
	var out Session
	_, err := c.post(ctx, c.Edge+"/v1/sessions", token, map[string]any{}, http.StatusAccepted, &out)
	return out, err
}

// Webhook posts a payload signed with sign (Sign with the client's secret
// when nil) and returns the status code.
func (c *Client) Webhook(ctx context.Context, payload []byte, signature string) (int, error) {
	if signature == "" {
		signature = webhook.Sign(c.WebhookSecret, payload, time.Now())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Edge+webhook.Path, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, signature)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// License fetches the company's license from the app server: the status,
// and the verified license when 200.
func (c *Client) License(ctx context.Context, pub ed25519.PublicKey, companyID string) (int, license.License, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.AppServer+"/v1/licenses/"+companyID, nil)
	if err != nil {
		return 0, license.License{}, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, license.License{}, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, license.License{}, b, err
	}
	lic, err := license.Verify(pub, b)
	if err != nil {
		return resp.StatusCode, lic, b, fmt.Errorf("license on the app server does not verify: %w", err)
	}
	return resp.StatusCode, lic, b, nil
}

// AwaitLicense polls the app server until it holds a license of the
// company with at least serial minSerial, or ctx ends.
func (c *Client) AwaitLicense(ctx context.Context, pub ed25519.PublicKey, companyID string, minSerial int64) (license.License, error) {
	return c.AwaitLicenseThat(ctx, pub, companyID, fmt.Sprintf("serial %d or newer", minSerial),
		func(l license.License) bool { return l.Serial >= minSerial })
}

// AwaitLicenseThat polls the app server until it holds a verified license
// of the company for which ok holds (what describes it for the error), or
// ctx ends; then it returns the last license it saw.
func (c *Client) AwaitLicenseThat(ctx context.Context, pub ed25519.PublicKey, companyID, what string, ok func(license.License) bool) (license.License, error) {
	var last error
	for {
		code, lic, _, err := c.License(ctx, pub, companyID)
		switch {
		case err != nil:
			last = err
		case code != http.StatusOK:
			last = fmt.Errorf("app server answered %d", code)
		case ok(lic):
			return lic, nil
		default:
			last = fmt.Errorf("app server holds serial %d with %d seats", lic.Serial, lic.Seats)
		}
		select {
		case <-ctx.Done():
			return lic, fmt.Errorf("license of %s: no %s: %w (last: %v)", companyID, what, ctx.Err(), last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// post sends a JSON body and decodes a JSON answer; it returns the status.
func (c *Client) post(ctx context.Context, url, token string, body any, want int, out any) (int, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return resp.StatusCode, fmt.Errorf("POST %s: %d: %s", req.URL.Path, resp.StatusCode, bytes.TrimSpace(rb))
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			return resp.StatusCode, fmt.Errorf("POST %s: decoding: %w", req.URL.Path, err)
		}
	}
	return resp.StatusCode, nil
}
