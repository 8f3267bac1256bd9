package browsertest_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/internal/browsertest"
)

// A form found by its labels and button, submitted, answered; and a second
// tab that does not share the first one's cookies.
func TestFormByLabelsAndSeparateCookies(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		name := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			name = c.Value
		}
		fmt.Fprintf(w, `<!doctype html><title>t</title><p>signed in: %s</p>
<form method="post" action="/hello"><label for="n">Your name</label><input id="n" name="name">
<label>Role <select name="role"><option>member</option><option>admin</option></select></label>
<button type="submit">Say "hello"</button></form>`, html.EscapeString(name))
	})
	mux.HandleFunc("POST /hello", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "who", Value: r.FormValue("name"), Path: "/"})
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `<p>hello %s, %s</p>`, html.EscapeString(r.FormValue("name")), html.EscapeString(r.FormValue("role")))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := browsertest.New(t)
	ann := b.Tab(t)
	if status, err := browsertest.Open(ann, srv.URL); err != nil || status != 200 {
		t.Fatalf("open: %d %v", status, err)
	}
	if err := chromedp.Do(ann, browsertest.Fill("Your name", "Ann"), browsertest.Select("Role", "admin")); err != nil {
		t.Fatal(err)
	}
	status, err := browsertest.Submit(ann, `Say "hello"`)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("submit: %d %v", status, err)
	}
	text, err := chromedp.Run(ann, browsertest.PageText())
	if err != nil || !strings.Contains(text, "hello Ann, admin") {
		t.Fatalf("page after submit: %q %v", text, err)
	}

	bob := b.Tab(t)
	if _, err := browsertest.Open(bob, srv.URL); err != nil {
		t.Fatal(err)
	}
	text, err = chromedp.Run(bob, browsertest.PageText())
	if err != nil || !strings.Contains(text, "signed in: nobody") {
		t.Fatalf("the second tab sees the first one's cookie: %q %v", text, err)
	}
	if _, err := browsertest.Open(ann, srv.URL); err != nil {
		t.Fatal(err)
	}
	if text, _ := chromedp.Run(ann, browsertest.PageText()); !strings.Contains(text, "signed in: Ann") {
		t.Fatalf("the first tab lost its cookie: %q", text)
	}
}

func TestMissingBrowserSkipsWithAMessage(t *testing.T) {
	t.Setenv("LICENSEFLOW_CHROMIUM", "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("LICENSEFLOW_REQUIRE_BROWSER", "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		browsertest.New(t)
	})
	if !skipped {
		t.Fatal("New did not skip without a browser")
	}
}
