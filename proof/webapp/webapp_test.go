package webapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/licenseflow/licenseflow/internal/browsertest"
)

// TestJourney is the user application end to end in a browser: an admin
// signs up, adds a user, who opens the invitation in a second browser
// context, sets a password and later signs in again; a signed payment
// webhook makes the company paid; the user opens the application and the
// page shows, as it lands, the license on the assigned app server.
func TestJourney(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at := ownAddresses()
	ada := w.tab(t)
	ada.open("/signup")
	ada.fill("Company name", "Acme Robotics", "Your name", "Ada Admin", "Email", at("ada@acme.example"), "Password", "correct horse battery staple")
	ada.screenshot("signup")
	ada.press("Create account", http.StatusOK)
	ada.see("Acme Robotics", "Welcome!", "Trial", "Seats used 1 / 5", "none yet (trial)", "Ada Admin · admin", "Sign out", "Open application")
	ada.checkLabels()
	company := ada.value("#company-id")

	link := ada.addUser("Grace User", at("grace@acme.example"), "member")
	ada.see("Invitation for Grace User", "Seats used 2 / 5", at("grace@acme.example"), "invited")
	ada.screenshot("add-user")

	grace := w.tab(t) // a second browser context: no cookie of Ada's
	if status := grace.open("/app"); status != http.StatusOK {
		t.Fatalf("/app without signing in: %d", status)
	}
	grace.see("Sign in") // sent to sign in
	grace.acceptInvite(link, "grace's own long passphrase")
	grace.see("Acme Robotics", "Your password is set", "Grace User · member")
	if strings.Contains(grace.text(), "Add user") {
		t.Fatal("a member sees the admin's user list")
	}
	// The link worked once.
	if status := w.tab(t).open(link[len(w.edge):]); status != http.StatusNotFound {
		t.Fatalf("invitation used twice: %d", status)
	}
	grace.press("Sign out", http.StatusOK)
	grace.see("You are signed out.")
	grace.fill("Email", at("grace@acme.example"), "Password", "grace's own long passphrase")
	grace.screenshot("signin")
	grace.press("Sign in", http.StatusOK)
	grace.see("Signed in as " + at("grace@acme.example"))

	w.pay(t, company, 10)
	ada.open("/app")
	ada.see("Plan team", "Seats used 2 / 10", "#1 active")
	ada.screenshot("app")

	grace.open("/app")
	grace.press("Open application", http.StatusOK)
	// The page updates itself (server-sent events): the session starts on
	// its server, then the push lands.
	grace.waitFor(`//p[@id='license-status' and contains(., 'License #1') and contains(., 'verified')]`)
	grace.see("Your session runs on application server", "License #1 (team, 10 seats) is on the server: its signature verified.")
	grace.screenshot("session")
	// The server really holds it.
	lic, err := w.client.AwaitLicense(context.Background(), w.pub, company, 1)
	if err != nil || lic.Seats != 10 {
		t.Fatalf("license on the app server: %+v %v", lic, err)
	}
}

// TestKeyboardOnly signs in with the keyboard alone (Tab to each field,
// type, Enter submits), then tabs through the signed-in page: every
// control in reading order, each with a visible focus ring.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at := ownAddresses()
	setupTab := w.tab(t)
	setupTab.signUp("Keys Ltd", "Kim Keys", at("kim@keys.example"), "typing all day long")
	setupTab.press("Sign out", http.StatusOK)

	kim := w.tab(t)
	kim.open("/signin")
	// Tab from the top of the page: the header's link, then Email, then
	// Password; Enter submits the form.
	keys := []chromedp.Action[chromedp.Void]{chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent(at("kim@keys.example")),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("typing all day long")}
	if err := chromedp.Do(kim.ctx, keys...); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(kim.ctx, chromedp.KeyEvent("\r"))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("enter: %v %v\n%s", resp, err, kim.text())
	}
	kim.see("Signed in as "+at("kim@keys.example"), "Keys Ltd")

	// On /app, Tab reaches every link, button and field in reading order,
	// and each shows that it has the focus.
	var reached []string
	for range 7 {
		if err := chromedp.Do(kim.ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(kim.ctx, chromedp.Evaluate[string](`(() => {
			const e = document.activeElement, s = getComputedStyle(e);
			const name = e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent;
			return name.trim() + (s.outlineStyle === "none" ? " (no focus ring)" : ""); })()`))
		if err != nil {
			t.Fatal(err)
		}
		reached = append(reached, got)
	}
	if want := []string{"licenseflow", "Sign out", "Open application", "Name", "Email", "Role", "Add user"}; !slices.Equal(reached, want) {
		t.Fatalf("Tab reached %q, want %q", reached, want)
	}
}

// TestWithoutJavaScript: with scripts off, a person still signs up, adds
// a user who sets a password in a browser of their own, and opens the
// application, whose page reloads itself (a <noscript> refresh) until the
// license is on the server.
func TestWithoutJavaScript(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at := ownAddresses()
	pat := w.tab(t)
	browsertest.WithoutJavaScript(t, pat.ctx)
	pat.signUp("Plain Pages", "Pat Plain", at("pat@plain.example"), "no scripts were harmed")
	company := pat.value("#company-id")
	link := pat.addUser("Quinn Quiet", at("quinn@plain.example"), "admin")
	quinn := w.tab(t)
	browsertest.WithoutJavaScript(t, quinn.ctx)
	quinn.acceptInvite(link, "quinn's quiet passphrase")
	quinn.see("Plain Pages", "Quinn Quiet · admin", at("pat@plain.example"))

	w.pay(t, company, 3)
	quinn.open("/app")
	quinn.see("Plan team", "Seats used 2 / 3")
	quinn.press("Open application", http.StatusOK)
	quinn.waitFor(`//p[@id='license-status' and contains(., 'License #1') and contains(., 'verified')]`)
	quinn.press("Sign out", http.StatusOK)
	quinn.see("You are signed out.")
}

// checkLabels fails unless every visible field of the page has a label.
func (b *tab) checkLabels() {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")].every(e => e.labels && e.labels.length > 0)`))
	if err != nil || !ok {
		b.t.Fatalf("a field without a label: %v", err)
	}
}

// TestFailures: what the application refuses, each as a person meets it
// in the browser (and the API's answer where it has one).
func TestFailures(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at := ownAddresses()
	admin := w.tab(t)
	admin.signUp("Initech", "Bill Lumbergh", at("bill@initech.example"), "yeah if you could just")
	company := admin.value("#company-id")

	t.Run("wrong password", func(t *testing.T) {
		b := w.tab(t)
		b.open("/signin")
		b.fill("Email", at("bill@initech.example"), "Password", "not the password at all")
		b.press("Sign in", http.StatusUnauthorized)
		b.see("Wrong email or password.")
		b.hasAlert("Wrong email or password.")
		b.screenshot("wrong-password")
		// An unknown account reads the same.
		b.fill("Email", at("nobody@initech.example"), "Password", "not the password at all")
		b.press("Sign in", http.StatusUnauthorized)
		b.see("Wrong email or password.")
	})

	t.Run("throttled sign-in", func(t *testing.T) {
		b := w.tab(t)
		b.signUp("Throttle Co", "Tess Throttle", at("tess@throttle.example"), "the right passphrase")
		b.press("Sign out", http.StatusOK)
		for i := range 5 {
			b.fill("Email", at("tess@throttle.example"), "Password", fmt.Sprintf("wrong guess number %d", i))
			b.press("Sign in", http.StatusUnauthorized)
		}
		// Now even the right password is refused, saying why.
		b.fill("Email", at("tess@throttle.example"), "Password", "the right passphrase")
		b.press("Sign in", http.StatusTooManyRequests)
		b.hasAlert("Too many failed sign-ins for this account. Wait 15 minutes and try again.")
	})

	t.Run("field errors", func(t *testing.T) {
		b := w.tab(t)
		b.open("/signup")
		b.fill("Company name", "Weak Inc", "Your name", "Wes Weak", "Email", "not-an-email", "Password", "password1234")
		b.press("Create account", http.StatusUnprocessableEntity)
		// Each error sits next to its field and is what the field's
		// aria-describedby names.
		b.describedBy("Email", "Email is not a valid email address.")
		b.describedBy("Password", "This password is one of the most common ones; choose another.")
		b.hinted("Password", "At least 12 characters, not a common password.") // the rule is read with the field, and its error beside it
		b.focusedOn("Email")                                                   // the first field with an error, not the last
		b.fill("Email", at("bill@initech.example"), "Password", "a fine long passphrase")
		b.press("Create account", http.StatusConflict)
		b.describedBy("Email", "An account with this email already exists.")
	})

	t.Run("CSRF token missing", func(t *testing.T) {
		admin := admin.in(t)
		b := w.tab(t)
		b.open("/signin")
		b.eval(`document.querySelector("input[name=csrf_token]").remove()`)
		b.fill("Email", at("bill@initech.example"), "Password", "yeah if you could just")
		b.press("Sign in", http.StatusForbidden)
		b.see("the form carried no valid token")
		// Signed in, a form whose token belongs to another session fails too.
		admin.open("/app")
		admin.eval(`document.querySelector("form[action='/app/users'] input[name=csrf_token]").value = "AAAA"`)
		admin.fill("Name", "Mallory", "Email", at("mallory@initech.example"))
		admin.press("Add user", http.StatusForbidden)
		admin.open("/app")
		if strings.Contains(admin.text(), at("mallory@initech.example")) {
			t.Fatal("a post without its token added a user")
		}
	})

	t.Run("disabled user's session ends", func(t *testing.T) {
		admin := admin.in(t)
		admin.open("/app")
		link := admin.addUser("Milton Waddams", at("milton@initech.example"), "member")
		milton := w.tab(t)
		milton.acceptInvite(link, "have you seen my stapler")
		milton.see("Milton Waddams · member")
		admin.open("/app")
		admin.disable(at("milton@initech.example"))
		admin.see("The user is disabled", "disabled")
		// Milton's next request finds his session over.
		milton.open("/app")
		milton.see("Your session has ended. Please sign in again.")
		milton.fill("Email", at("milton@initech.example"), "Password", "have you seen my stapler")
		milton.press("Sign in", http.StatusUnauthorized)
	})

	t.Run("seat limit", func(t *testing.T) {
		b := w.tab(t)
		b.signUp("Seats Inc", "Sam Seats", at("sam@seats.example"), "five seats and no more")
		for i := range 4 {
			b.addUser(fmt.Sprint("User ", i), at(fmt.Sprintf("u%d@seats.example", i)), "member")
		}
		b.see("Seats used 5 / 5")
		b.fill("Name", "One Too Many", "Email", at("more@seats.example"))
		b.press("Add user", http.StatusConflict)
		b.hasAlert("All 5 seats of the company are taken: disable a user or move to a plan with more seats.")
		b.screenshot("seat-limit")
		// Disabling frees a seat.
		b.open("/app")
		b.disable(at("u0@seats.example"))
		b.addUser("One More", at("more@seats.example"), "member")
		b.see("Seats used 5 / 5")
	})

	t.Run("seat limit in the API", func(t *testing.T) {
		var co struct {
			CompanyID string `json:"company_id"`
			Token     string `json:"token"`
		}
		api := func(path, token string, body any, out any) int {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(http.MethodPost, w.edge+path, strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if out != nil {
				json.NewDecoder(resp.Body).Decode(out)
			}
			return resp.StatusCode
		}
		if status := api("/v1/signup", "", map[string]any{"company": map[string]string{"name": "API Co"},
			"admin": map[string]string{"email": at("root@api.example"), "name": "Root"}}, &co); status != http.StatusAccepted {
			t.Fatalf("signup: %d", status)
		}
		users := "/v1/companies/" + co.CompanyID + "/users"
		var last struct {
			UserID string `json:"user_id"`
			Token  string `json:"token"`
		}
		for i := range 4 {
			if status := api(users, co.Token, map[string]string{"email": at(fmt.Sprintf("a%d@api.example", i)), "name": "A", "role": "member"}, &last); status != http.StatusAccepted {
				t.Fatalf("user %d: %d", i, status)
			}
		}
		var refusal struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if status := api(users, co.Token, map[string]string{"email": at("a9@api.example"), "name": "A", "role": "member"}, &refusal); status != http.StatusConflict || refusal.Error.Code != "seat_limit" {
			t.Fatalf("a sixth user: %d %+v", status, refusal)
		}
		// The last user's token works until the user is disabled, then at once not.
		if status := api("/v1/sessions", last.Token, nil, nil); status != http.StatusAccepted {
			t.Fatalf("session with a user's token: %d", status)
		}
		if status := api(users+"/"+last.UserID+"/disable", co.Token, nil, nil); status != http.StatusAccepted {
			t.Fatalf("disable: %d", status)
		}
		if status := api("/v1/sessions", last.Token, nil, &refusal); status != http.StatusUnauthorized || refusal.Error.Code != "token_revoked" {
			t.Fatalf("session with a disabled user's token: %d %+v", status, refusal)
		}
		if status := api(users, co.Token, map[string]string{"email": at("a9@api.example"), "name": "A", "role": "member"}, nil); status != http.StatusAccepted {
			t.Fatalf("after a seat was freed: %d", status)
		}
	})

	t.Run("cross-company URLs", func(t *testing.T) {
		// Initech's admin opens a session; another company's admin tries
		// its URL and Initech's users.
		admin := admin.in(t)
		admin.open("/app")
		admin.press("Open application", http.StatusOK)
		var loc string
		loc, err := chromedp.Run(admin.ctx, chromedp.Location())
		if err != nil || !strings.Contains(loc, "/app/sessions/ses_") {
			t.Fatalf("session page %q %v", loc, err)
		}
		w.hops.await(t, "accounts", "Session Requested", company)
		other := w.tab(t)
		other.signUp("Globex", "Hank Scorpio", at("hank@globex.example"), "the hammock district")
		if status := other.open(loc[len(w.edge):]); status != http.StatusNotFound {
			t.Fatalf("another company's session page: %d", status)
		}
		other.see("There is no such session in your company.")
		// A disable of Initech's user posted with Globex's own valid form.
		admin.open("/app")
		admin.addUser("Peter Gibbons", at("peter@initech.example"), "member")
		peter := admin.userID(at("peter@initech.example"))
		other.open("/app")
		other.eval(fmt.Sprintf(`document.querySelector("form[action='/app/users']").action = "/app/users/%s/disable"`, peter))
		other.fill("Name", "x", "Email", at("x@globex.example"))
		other.press("Add user", http.StatusNotFound)
		other.see("There is no such user in your company.")
		admin.open("/app")
		admin.see(at("peter@initech.example") + " member invited")
	})
}

// in is the same tab for a subtest t.
func (b *tab) in(t *testing.T) *tab { return &tab{t: t, ctx: b.ctx, w: b.w} }

// hasAlert fails unless an element with role=alert says msg.
func (b *tab) hasAlert(msg string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`//*[@role='alert' and contains(normalize-space(.), %q)]`, msg))
}

// describedBy fails unless the labelled field's aria-describedby names an
// element saying msg, which is announced (role=alert).
func (b *tab) describedBy(label, msg string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %q);
		const f = l && document.getElementById(l.htmlFor);
		const d = f && (f.getAttribute("aria-describedby") || "").split(/\s+/).map(id => document.getElementById(id)).find(e => e && e.getAttribute("role") === "alert");
		return d && d.getAttribute("role") === "alert" && f.getAttribute("aria-invalid") === "true" ? d.textContent.trim() : ""; })()`, label)
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil || got != msg {
		b.t.Fatalf("%s's error: %q %v, want %q", label, got, err, msg)
	}
}

// hinted fails unless the labelled field's aria-describedby also names a
// hint saying msg.
func (b *tab) hinted(label, msg string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %q);
		const f = l && document.getElementById(l.htmlFor);
		return f ? (f.getAttribute("aria-describedby") || "").split(/\s+/).map(id => document.getElementById(id)).filter(e => e && !e.getAttribute("role")).map(e => e.textContent.trim()).join("|") : ""; })()`, label)
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil || got != msg {
		b.t.Fatalf("%s's hint: %q %v, want %q", label, got, err, msg)
	}
}

// focusedOn fails unless the field with this label has the focus.
func (b *tab) focusedOn(label string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const e = document.activeElement; return e && e.labels && e.labels[0] ? e.labels[0].textContent.trim() : ""; })()`))
	if err != nil || got != label {
		b.t.Fatalf("focus on %q %v, want %q", got, err, label)
	}
}

// disable presses Disable in the row of the user with email.
func (b *tab) disable(email string) {
	b.t.Helper()
	sel := chromedp.Search(fmt.Sprintf(`//tr[td[normalize-space(.)=%q]]//button[normalize-space(.)='Disable']`, email))
	if resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel)); err != nil || resp.Status != http.StatusOK {
		b.t.Fatalf("disable %s: %v %v", email, resp, err)
	}
}

// userID is the id in the Disable form of the user with email.
func (b *tab) userID(email string) string {
	b.t.Helper()
	action, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`[...document.querySelectorAll("tr")].find(r => r.textContent.includes(%q)).querySelector("form").getAttribute("action")`, email)))
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(action, "/app/users/"), "/disable")
}
