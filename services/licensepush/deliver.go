package licensepush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// ContentType is the media type of a delivered license file.
const ContentType = "application/x-licenseflow-license"

// ErrRefused: the app server refused the license for a reason retrying
// cannot fix (bad request, signature or company mismatch, not found...).
var ErrRefused = errors.New("app server refused the license")

// maxConnsPerServer bounds the connections to one app server: handlers
// beyond it wait for one (a delivery is one short PUT), rather than each
// dialling a connection of its own that is closed again once idle.
const maxConnsPerServer = 8

// deliverer PUTs license files to app servers through the guard.
type deliverer struct {
	guard  guard
	client *http.Client
	// dialed, when set (tests), sees every address actually dialled.
	dialed func(addr string)
}

type targetKey struct{}

// newDeliverer returns a deliverer whose client dials only addresses the
// guard checked for the request at hand, never follows redirects and never
// uses a proxy. base supplies the timeout.
func newDeliverer(g guard, base *http.Client) *deliverer {
	d := &deliverer{guard: g}
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.dialContext(dialer),
		MaxIdleConnsPerHost:   maxConnsPerServer,
		MaxConnsPerHost:       maxConnsPerServer,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
	}
	d.client = &http.Client{
		Transport:     tr,
		Timeout:       base.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d
}

// dialContext dials the IPs the guard checked for this request (carried in
// the context), never resolving the name again: DNS rebinding between the
// check and the connection cannot redirect it.
func (d *deliverer) dialContext(dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		t, ok := ctx.Value(targetKey{}).(target)
		if !ok || addr != canonicalHostPort(t.hostPort) {
			return nil, fmt.Errorf("%w: %s was not checked", ErrTargetNotAllowed, addr)
		}
		var errs []error
		for _, ip := range t.ips {
			a := netip.AddrPortFrom(ip, uint16(t.port)).String()
			if d.dialed != nil {
				d.dialed(a)
			}
			c, err := dialer.DialContext(ctx, network, a)
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
}

// canonicalHostPort is addr as net/http passes it to DialContext.
func canonicalHostPort(hostPort string) string {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return hostPort
	}
	return net.JoinHostPort(host, port)
}

// deliver PUTs file to server for company. It returns nil when the server
// holds it or a newer one (409), an error wrapping ErrTargetNotAllowed or
// ErrRefused when retrying cannot help, and any other error when it can.
func (d *deliverer) deliver(ctx context.Context, server, company string, file []byte) error {
	t, err := d.guard.check(ctx, server)
	if err != nil {
		return err
	}
	u := url.URL{Scheme: "http", Host: server, Path: "/v1/licenses/" + company, RawPath: "/v1/licenses/" + url.PathEscape(company)}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, targetKey{}, t), http.MethodPut, u.String(), bytes.NewReader(file))
	if err != nil {
		return fmt.Errorf("%w: building request: %v", ErrRefused, err)
	}
	req.Header.Set("Content-Type", ContentType)
	if id := events.CorrelationID(ctx); id != "" {
		req.Header.Set("X-Correlation-Id", id)
	}
	res, err := d.client.Do(req)
	if err != nil {
		// Transport errors are retryable, except the dialer's guard refusal.
		return fmt.Errorf("delivering to %s: %w", server, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300, res.StatusCode == http.StatusConflict:
		return nil
	case res.StatusCode == http.StatusRequestTimeout, res.StatusCode == http.StatusTooManyRequests, res.StatusCode >= 500:
		return fmt.Errorf("delivering to %s: status %d: %s", server, res.StatusCode, bytes.TrimSpace(body))
	default:
		return fmt.Errorf("%w: %s answered %s: %s", ErrRefused, server, strconv.Itoa(res.StatusCode), bytes.TrimSpace(body))
	}
}
