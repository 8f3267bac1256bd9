package pipeline

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	lfevents "github.com/licenseflow/licenseflow/events"
)

// outage is the signup edge's EventBridge client: while down (or before
// the pipeline's client is plugged in) every PutEvents fails, as in a bus
// outage; otherwise it goes to the real client.
type outage struct {
	down   atomic.Bool
	client atomic.Pointer[lfevents.EventBridgeAPI]
}

func (o *outage) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	c := o.client.Load()
	if o.down.Load() || c == nil {
		return nil, errors.New("bus outage")
	}
	return (*c).PutEvents(ctx, in, opts...)
}

// TestSignupOutboxOutlivesAnOutage: sign-ups the bus refused are accepted
// and reach the user-signup stage once it is back: through the edge
// server's periodic flush while it runs, and through its flush at start
// after the process died with the event unpublished.
func TestSignupOutboxOutlivesAnOutage(t *testing.T) {
	dir, bus := t.TempDir(), &outage{}
	bus.down.Store(true)
	f := start(t, dir, func(c *Config) { c.Signup.Bus.Client, c.Signup.FlushInterval = bus, 50*time.Millisecond })
	ctx := context.Background()
	signup := func(f *fixture, email string) string {
		t.Helper()
		var co demoCompany
		if err := f.demo.post(ctx, "/v1/signup", "", map[string]any{"company": map[string]string{"name": "Acme"},
			"admin": map[string]string{"email": email, "name": "Ada"}}, &co); err != nil {
			t.Fatalf("signup during the outage: %v", err)
		}
		return co.CompanyID
	}
	first := signup(f, "first@acme.example")
	var real lfevents.EventBridgeAPI = f.p.Clients.Events
	bus.client.Store(&real)
	bus.down.Store(false)
	if _, err := f.demo.await(ctx, StageAccounts, lfevents.TypeCompanySignup, first); err != nil {
		t.Fatalf("after the outage: %v", err)
	}

	bus.down.Store(true)
	second := signup(f, "second@acme.example")
	if err := f.p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	g := start(t, dir, func(c *Config) { c.Signup.FlushInterval = time.Hour })
	if _, err := g.demo.await(ctx, StageAccounts, lfevents.TypeCompanySignup, second); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
}
