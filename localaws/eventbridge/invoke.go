package eventbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// invokeTimeout bounds one call of an API destination, as on AWS.
const invokeTimeout = 5 * time.Second

var (
	metadataV4 = netip.MustParseAddr("169.254.169.254")
	metadataV6 = netip.MustParseAddr("fd00:ec2::254")
	broadcast  = netip.MustParseAddr("255.255.255.255")
	// Prefixes that carry an IPv4 address a gateway reaches: the
	// well-known NAT64 prefix (64:ff9b::a9fe:a9fe reaches 169.254.169.254),
	// the local-use NAT64 /48 (RFC 8215, the address around the u octet)
	// and 6to4 (2002:a9fe:a9fe::).
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// embeddedV4 returns the IPv4 address ip carries (mapped, NAT64 or
// 6to4), or ip itself.
func embeddedV4(ip netip.Addr) netip.Addr {
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:]))
	case nat64Local.Contains(ip):
		return netip.AddrFrom4([4]byte{b[6], b[7], b[9], b[10]})
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6]))
	}
	return ip.Unmap()
}

// refusedAddr says why localaws never calls ip, or "" when it may.
// Loopback and private addresses are allowed: localaws runs beside what
// it calls. An IPv4 address embedded in an IPv6 one (mapped, behind a
// NAT64 prefix, or 6to4) is judged as itself.
func refusedAddr(ip netip.Addr) string {
	ip = embeddedV4(ip)
	switch {
	case ip == metadataV4 || ip == metadataV6:
		return "an instance metadata address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified():
		return "the unspecified address"
	case ip.IsMulticast() || ip == broadcast:
		return "a multicast or broadcast address"
	}
	return ""
}

// errRefusedAddress is what a call to a refused address fails with.
var errRefusedAddress = errors.New("address refused")

// guardDial refuses, before connecting, an address refusedAddr refuses:
// it sees the address each name resolved to, so DNS cannot steer a call
// there.
func guardDial(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errRefusedAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", errRefusedAddress, host)
	}
	if why := refusedAddr(ip); why != "" {
		return fmt.Errorf("%w: %s is %s", errRefusedAddress, ip, why)
	}
	return nil
}

// newHTTPClient is the client of API destinations and OAuth endpoints:
// guarded dials, no proxy from the environment, no redirects followed,
// invokeTimeout per call.
func newHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: invokeTimeout, Control: guardDial}
	return &http.Client{
		Timeout: invokeTimeout,
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: invokeTimeout, ResponseHeaderTimeout: invokeTimeout},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// targetError is a failed call of an HTTP target: the ERROR_CODE its
// dead-letter message gets, and whether a retry may help.
type targetError struct {
	code  string
	retry bool
	msg   string
}

func (e *targetError) Error() string { return e.msg }

// retryable reports whether a delivery that failed with err may succeed
// later (everything but a targetError that says no).
func retryable(err error) bool {
	var te *targetError
	return !errors.As(err, &te) || te.retry
}

// invoke calls the API destination of d with the event, through its
// connection's authorization.
func (s *Service) invoke(ctx context.Context, d *delivery) error {
	s.mu.RLock()
	dest := s.apiDestByARN(d.Queue)
	var conn *connection
	if dest != nil {
		conn = s.connectionByARN(dest.Connection)
	}
	s.mu.RUnlock()
	switch {
	case dest == nil:
		return &targetError{"RESOURCE_NOT_FOUND", false, "API destination " + d.Queue + " does not exist"}
	case conn == nil:
		return &targetError{"RESOURCE_NOT_FOUND", false, "the connection of API destination " + dest.Name + " does not exist"}
	}
	req, err := s.request(ctx, dest, conn, d)
	if err != nil {
		return &targetError{"INVALID_PARAMETER", false, err.Error()}
	}
	if err := s.authorize(ctx, conn, req); err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return callError(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return s.statusError(conn, resp)
}

// request is the HTTP request of one delivery: the endpoint with its *
// replaced by the path parameters, the query strings and headers of the
// connection and then the target, the event as the body.
func (s *Service) request(ctx context.Context, dest *apiDest, conn *connection, d *delivery) (*http.Request, error) {
	raw := dest.Endpoint
	var h httpCall
	if d.HTTP != nil {
		h = *d.HTTP
	}
	for _, p := range h.Path {
		raw = strings.Replace(raw, "*", url.PathEscape(p), 1)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("endpoint with path parameters: %w", err)
	}
	q := u.Query()
	inv := deref(conn.Auth).InvocationHttpParameters
	for _, p := range deref(inv).QueryStringParameters {
		q.Set(p.Key, p.Value)
	}
	for k, v := range h.Query {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	var body io.Reader
	if dest.Method != http.MethodGet && dest.Method != http.MethodHead {
		body = strings.NewReader(d.Body)
	}
	req, err := http.NewRequestWithContext(ctx, dest.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
	for _, p := range deref(inv).HeaderParameters {
		req.Header.Set(p.Key, p.Value)
	}
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// authorize adds the connection's authorization to req.
func (s *Service) authorize(ctx context.Context, c *connection, req *http.Request) error {
	if state, reason := c.state(); c.Deauthorized {
		return &targetError{"NO_PERMISSIONS", false, "connection " + c.Name + " is " + state + ": " + reason}
	}
	a := deref(c.Auth)
	switch c.Type {
	case authAPIKey:
		req.Header.Set(a.ApiKeyAuthParameters.ApiKeyName, a.ApiKeyAuthParameters.ApiKeyValue)
	case authBasic:
		req.SetBasicAuth(a.BasicAuthParameters.Username, a.BasicAuthParameters.Password)
	case authOAuth:
		token, err := s.oauthToken(ctx, c)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return nil
}

// oauthToken returns the connection's access token, asking its
// authorization endpoint for one (client credentials, as basic auth) when
// it has none or it expired.
func (s *Service) oauthToken(ctx context.Context, c *connection) (string, error) {
	cached := func() string {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.token != "" && s.now().Before(c.expires) {
			return c.token
		}
		return ""
	}
	if t := cached(); t != "" {
		return t, nil
	}
	c.fetching.Lock()
	defer c.fetching.Unlock()
	if t := cached(); t != "" {
		return t, nil // another call fetched it meanwhile
	}
	now := s.now()
	token, ttl, err := s.fetchToken(ctx, deref(c.Auth.OAuthParameters))
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failure = "Authorization failed: " + err.Error()
		return "", &targetError{"NO_PERMISSIONS", true, "connection " + c.Name + ": " + c.failure}
	}
	c.token, c.expires, c.failure, c.authorizedAt = token, now.Add(ttl), "", now
	return token, nil
}

func (s *Service) fetchToken(ctx context.Context, o oauthAuth) (string, time.Duration, error) {
	u, err := url.Parse(o.AuthorizationEndpoint)
	if err != nil {
		return "", 0, err
	}
	p := deref(o.OAuthHttpParameters)
	q := u.Query()
	for _, kv := range p.QueryStringParameters {
		q.Set(kv.Key, kv.Value)
	}
	u.RawQuery = q.Encode()
	form := url.Values{}
	for _, kv := range p.BodyParameters {
		form.Set(kv.Key, kv.Value)
	}
	var body io.Reader
	if len(form) > 0 {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, o.HttpMethod, u.String(), body)
	if err != nil {
		return "", 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, kv := range p.HeaderParameters {
		req.Header.Set(kv.Key, kv.Value)
	}
	client := deref(o.ClientParameters)
	req.SetBasicAuth(url.QueryEscape(client.ClientID), url.QueryEscape(client.ClientSecret))
	resp, err := s.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("calling %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", 0, fmt.Errorf("%s answered %s", u.Redacted(), resp.Status)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", 0, fmt.Errorf("%s answered no access_token", u.Redacted())
	}
	ttl := time.Hour
	if tok.ExpiresIn > 0 {
		ttl = max(time.Duration(tok.ExpiresIn)*time.Second-10*time.Second, time.Second)
	}
	return tok.AccessToken, ttl, nil
}

// callError classifies a call that got no response.
func callError(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, errRefusedAddress):
		return &targetError{"CONNECTION_FAILURE", false, err.Error()}
	case errors.As(err, &ne) && ne.Timeout():
		return &targetError{"TIMEOUT", true, err.Error()}
	}
	return &targetError{"CONNECTION_FAILURE", true, err.Error()}
}

// statusError classifies a response as AWS does: 401, 407, 409, 429 and
// 5xx are retried, other statuses but 2xx are not.
func (s *Service) statusError(c *connection, resp *http.Response) error {
	code := resp.StatusCode
	switch {
	case code/100 == 2:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusProxyAuthRequired:
		c.mu.Lock()
		c.token = "" // ask for a new one next time
		c.mu.Unlock()
		return &targetError{"NO_PERMISSIONS", true, "the endpoint answered " + resp.Status}
	case code == http.StatusTooManyRequests:
		return &targetError{"THROTTLING", true, "the endpoint answered " + resp.Status}
	case code == http.StatusConflict || code/100 == 5:
		return &targetError{"ERROR_FROM_TARGET", true, "the endpoint answered " + resp.Status}
	}
	return &targetError{"ERROR_FROM_TARGET", false, "the endpoint answered " + resp.Status}
}

// rateSlot reserves the delivery's call under its API destination's
// InvocationRateLimitPerSecond (a bucket of that many calls, refilled at
// that rate) and returns when it may be made.
func (s *Service) rateSlot(d *delivery, now time.Time) time.Time {
	s.mu.RLock()
	dest := s.apiDestByARN(d.Queue)
	s.mu.RUnlock()
	if dest == nil {
		return now
	}
	rate := float64(dest.Rate)
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	b, ok := s.limits[dest.ID]
	if !ok {
		b = &bucket{tokens: rate, at: now}
		s.limits[dest.ID] = b
	}
	if now.After(b.at) {
		b.tokens = min(rate, b.tokens+now.Sub(b.at).Seconds()*rate)
		b.at = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return now
	}
	return now.Add(time.Duration(-b.tokens / rate * float64(time.Second)))
}

// bucket is an API destination's rate limit: calls it may make now
// (negative: reserved ahead), as of at.
type bucket struct {
	tokens float64
	at     time.Time
}
