package webapp_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/browsertest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
	"github.com/licenseflow/licenseflow/services/signup"
	"github.com/licenseflow/licenseflow/services/webhook"
)

const webhookSecret = "whsec_webapp_test_secret"

// One pipeline and one browser for the package: every test is a company
// of its own in tabs of its own.
var (
	once    sync.Once
	env     *world
	envErr  error
	cleanup []func()
)

// runs counts the calls of ownAddresses.
var runs struct {
	sync.Mutex
	n int
}

// ownAddresses gives a test email addresses no other test and no earlier
// run of it used (go test -count=N runs each test N times against the
// package's one pipeline, whose store keeps every account): at maps
// "ada@acme.example" to the same address under a subdomain of this call,
// "ada@run3.acme.example".
func ownAddresses() (at func(string) string) {
	runs.Lock()
	runs.n++
	run := runs.n
	runs.Unlock()
	return func(addr string) string {
		local, domain, _ := strings.Cut(addr, "@")
		return fmt.Sprintf("%s@run%d.%s", local, run, domain)
	}
}

// world is the running pipeline and browser the tests share.
type world struct {
	p       *pipeline.Pipeline
	b       *browsertest.Browser
	pub     ed25519.PublicKey
	edge    string
	client  *prooftest.Client
	hops    *hopLog
	browser error // why there is no browser
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanup) - 1; i >= 0; i-- {
		cleanup[i]()
	}
	os.Exit(code)
}

// setup starts the pipeline and the browser once; it skips t (or fails it,
// where the browser must be there) without Chromium.
func setup(t *testing.T) *world {
	t.Helper()
	once.Do(func() { env, envErr = start() })
	if envErr != nil {
		t.Fatal(envErr)
	}
	if env.browser != nil {
		browsertest.SkipOrFail(t, env.browser)
	}
	return env
}

func start() (*world, error) {
	dir, err := os.MkdirTemp("", "webapp-test-")
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { os.RemoveAll(dir) })
	w := &world{hops: newHopLog()}
	if _, err := browsertest.ExecPath(); err != nil {
		w.browser = err
		return w, nil
	}
	pub, priv, err := license.GenerateKey()
	if err != nil {
		return nil, err
	}
	w.pub = pub
	hops := make(chan pipeline.Hop, 4096)
	cfg := prooftest.PipelineConfig(dir, pub, priv, webhookSecret, hops, testlog.Quiet())
	cfg.LocalAWS.NoSync = true
	// Cheap argon2id in tests (production: OWASP's 19 MiB, 2 passes), and
	// room for a browser's bursts of posts from one address.
	cfg.Signup.Passwords = signup.PasswordParams{MemoryKiB: 64, Iterations: 1}
	cfg.Signup.ClientRate, cfg.Signup.ClientBurst = 1000, 1000
	if w.p, err = pipeline.Start(context.Background(), cfg); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { w.p.Close() })
	go w.hops.follow(hops)
	w.edge = w.p.Edge.URL()
	w.client = prooftest.NewClient(w.edge, w.p.AppServer.URL(), webhookSecret)
	if w.b, err = browsertest.Start(dir + "/chromium"); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, w.b.Close)
	return w, nil
}

// hopLog keeps every hop the stages report, for tests that wait for one.
type hopLog struct {
	mu   sync.Mutex
	cond *sync.Cond
	hops []pipeline.Hop
}

func newHopLog() *hopLog {
	l := &hopLog{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *hopLog) follow(ch <-chan pipeline.Hop) {
	for h := range ch {
		l.mu.Lock()
		l.hops = append(l.hops, h)
		l.mu.Unlock()
		l.cond.Broadcast()
	}
}

// await waits until the stage handled an event of detailType for company
// without error.
func (l *hopLog) await(t *testing.T, stage, detailType, company string) {
	t.Helper()
	ok := func(h pipeline.Hop) bool {
		return h.Stage == stage && h.DetailType == detailType && h.CompanyID == company && h.Err == nil
	}
	timer := time.AfterFunc(time.Minute, l.cond.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(time.Minute)
	l.mu.Lock()
	defer l.mu.Unlock()
	for !slices.ContainsFunc(l.hops, ok) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never handled %s of %s", stage, detailType, company)
		}
		l.cond.Wait()
	}
}

// tab is one person's browser context on the edge.
type tab struct {
	t   *testing.T
	ctx context.Context
	w   *world
}

func (w *world) tab(t *testing.T) *tab { return &tab{t: t, ctx: w.b.Tab(t), w: w} }

// open loads a path of the edge and returns the status.
func (b *tab) open(path string) int {
	b.t.Helper()
	status, err := browsertest.Open(b.ctx, b.w.edge+path)
	if err != nil {
		b.t.Fatal(err)
	}
	return status
}

// fill fills labelled fields: label, value, label, value...
func (b *tab) fill(pairs ...string) {
	b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(pairs); i += 2 {
		steps = append(steps, browsertest.Fill(pairs[i], pairs[i+1]))
	}
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("filling %v: %v", pairs, err)
	}
}

// press presses the button and fails unless the page it led to answered
// with status want.
func (b *tab) press(button string, want int) {
	b.t.Helper()
	status, err := browsertest.Submit(b.ctx, button)
	if err != nil {
		b.t.Fatal(err)
	}
	if status != want {
		b.t.Fatalf("%s: %d, want %d\n%s", button, status, want, b.text())
	}
}

// text is the page's visible text, every run of white space one space.
func (b *tab) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, browsertest.PageText())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// see fails unless the page says every one of want.
func (b *tab) see(want ...string) {
	b.t.Helper()
	text := b.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			b.t.Fatalf("the page does not say %q:\n%s", w, text)
		}
	}
}

// waitFor waits (on the page's own updates) until an element matching the
// XPath is visible.
func (b *tab) waitFor(xpath string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.Search(xpath))); err != nil {
		b.t.Fatalf("waiting for %s: %v\n%s", xpath, err, b.text())
	}
}

func (b *tab) value(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).innerText`, css)))
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) eval(js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js)); err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
}

func (b *tab) screenshot(name string) { browsertest.Screenshot(b.t, b.ctx, name) }

// signUp creates a company with its admin through /signup.
func (b *tab) signUp(company, name, email, password string) {
	b.t.Helper()
	b.open("/signup")
	b.fill("Company name", company, "Your name", name, "Email", email, "Password", password)
	b.press("Create account", 200)
	b.see(company, "Seats used")
}

// addUser adds a user on /app and returns the invitation link.
func (b *tab) addUser(name, email, role string) string {
	b.t.Helper()
	b.fill("Name", name, "Email", email)
	if err := chromedp.Do(b.ctx, browsertest.Select("Role", role)); err != nil {
		b.t.Fatal(err)
	}
	b.press("Add user", 200)
	return b.value("#invitation-link")
}

// acceptInvite opens an invitation link and sets the password.
func (b *tab) acceptInvite(link, password string) {
	b.t.Helper()
	if status, err := browsertest.Open(b.ctx, link); err != nil || status != 200 {
		b.t.Fatalf("invitation %s: %d %v", link, status, err)
	}
	b.fill("Password", password)
	b.press("Set password", 200)
}

// pay sends the provider's signed webhooks that make company pay for
// seats of the team plan, and waits until the user-signup stage recorded
// the license.
func (w *world) pay(t *testing.T, company string, seats int) {
	t.Helper()
	sub := prooftest.NewSubscription(fmt.Sprint(time.Now().UnixNano()), 1, company)
	now := time.Now().Unix()
	for i, payload := range [][]byte{sub.Checkout("evt_co_"+company, now), sub.Update("evt_up_"+company, now, true, "team_monthly", seats)} {
		status, err := w.client.Webhook(context.Background(), payload, webhook.Sign(webhookSecret, payload, time.Now()))
		if err != nil || status != 200 {
			t.Fatalf("webhook %d: %d %v", i, status, err)
		}
	}
	w.hops.await(t, pipeline.StageAccounts, "License Issued", company)
}
