// Package browsertest drives a real headless Chromium (Debian's chromium
// package) with chromedp, for tests of the project's web pages.
//
// New starts one browser per test (or per package, from TestMain through
// Start) with the flags that keep it off the network: headless, no sandbox
// (tests run as root), no GPU, no background networking, component updates,
// sync or first-run work, and a fresh user-data directory. Each Tab is a
// fresh browser context with its own cookies, so two tabs are two people.
//
// Where Chromium is not installed the tests skip, saying so, unless
// LICENSEFLOW_REQUIRE_BROWSER is set (the CI set-up sets it once it has
// installed Chromium), in which case they fail: a browser test never goes
// silently missing where it should run.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a running headless Chromium.
type Browser struct {
	alloc   context.Context
	browser context.Context
	stop    func()
}

// ExecPath finds the Chromium binary: $LICENSEFLOW_CHROMIUM, else chromium
// on the PATH.
func ExecPath() (string, error) {
	if p := os.Getenv("LICENSEFLOW_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium is not installed (apt-get install chromium; or set LICENSEFLOW_CHROMIUM)")
}

// Start starts a browser whose profile lives in dir. Close stops it.
func Start(dir string) (*Browser, error) {
	path, err := ExecPath()
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	// The first action starts the browser; a timeout on it would end the
	// browser with the timeout's context, so none is set here.
	if err := chromedp.Do(browser); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	return &Browser{alloc: alloc, browser: browser, stop: func() { cancelBrowser(); cancelAlloc() }}, nil
}

// New starts a browser for t, closed when t ends; it skips t where
// Chromium is missing (fails instead when LICENSEFLOW_REQUIRE_BROWSER is set).
func New(t testing.TB) *Browser {
	t.Helper()
	if _, err := ExecPath(); err != nil {
		SkipOrFail(t, err)
	}
	b, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// SkipOrFail skips t because of err, or fails it when the environment says
// the browser must be there.
func SkipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("LICENSEFLOW_REQUIRE_BROWSER") != "" {
		t.Fatalf("browser test cannot run: %v (LICENSEFLOW_REQUIRE_BROWSER is set)", err)
	}
	t.Skipf("skipping browser test: %v", err)
}

// Close stops the browser.
func (b *Browser) Close() { b.stop() }

// Tab opens a tab in a fresh browser context (its own cookies and storage),
// closed when t ends. Actions on the returned context time out after two
// minutes in all.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// Screenshot saves a full-page PNG of the tab as NAME.png in the directory
// $LICENSEFLOW_SCREENSHOTS names; without it, it does nothing. Documentation
// screenshots are refreshed with e.g.
//
//	LICENSEFLOW_SCREENSHOTS=$PWD/docs/screenshots go test -run Browser ./...
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LICENSEFLOW_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
