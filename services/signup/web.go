package signup

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/internal/webui"
	"github.com/licenseflow/licenseflow/services/accounts"
)

//go:embed pages
var pagesFS embed.FS

// sessionCookie holds a signed-in browser's token (HttpOnly, SameSite=Lax,
// Secure over TLS or through API Gateway).
const sessionCookie = "lf_session"

// The web pages. Every page works without JavaScript; every form carries a
// CSRF token (webui) bound to the browser and the signed-in session; every
// field has a label, and its error is announced next to it.
//
//	GET  /                               -> /app or /signin
//	GET  /signup, POST /signup           Company name, Your name, Email, Password: Create account
//	GET  /signin, POST /signin           Email, Password: Sign in
//	POST /signout                        Sign out (on every signed-in page)
//	GET  /app                            the company, plan, seats, license; Open application; users (admins)
//	POST /app/users                      Add user: Name, Email, Role -> a one-time invitation link
//	POST /app/users/{user_id}/disable    Disable
//	POST /app/open                       Open application -> /app/sessions/{id}
//	GET  /app/sessions/{id}              the app server and the license it holds (live)
//	GET  /app/sessions/{id}/live         the same, as server-sent events
//	GET  /invite/{token}, POST           Password: Set password
func (h *Handler) webRoutes() (http.Handler, error) {
	pages, err := fs.Sub(pagesFS, "pages")
	if err != nil {
		return nil, err
	}
	key := hmac.New(sha256.New, h.cfg.TokenSecret)
	key.Write([]byte("licenseflow web pages"))
	h.site, err = webui.New(webui.Config{Name: "licenseflow", Pages: pages, Partials: []string{"partials/*.html"},
		Funcs: webFuncs, Key: key.Sum(nil), CookiePrefix: "lfweb",
		CSRFBinding: func(r *http.Request) string {
			if c, err := r.Cookie(sessionCookie); err == nil {
				return c.Value
			}
			return ""
		}})
	if err != nil {
		return nil, err
	}
	handlers := map[string]http.HandlerFunc{
		"GET /{$}": func(w http.ResponseWriter, r *http.Request) {
			if _, ok := h.webUser(r); ok {
				webui.Redirect(w, r, "/app")
				return
			}
			webui.Redirect(w, r, "/signin")
		},
		"GET /signup":                       func(w http.ResponseWriter, r *http.Request) { h.render(w, r, 200, "signup", &pageData{}) },
		"POST /signup":                      h.limited(h.postSignup),
		"GET /signin":                       func(w http.ResponseWriter, r *http.Request) { h.render(w, r, 200, "signin", &pageData{}) },
		"POST /signin":                      h.limited(h.postSignin),
		"POST /signout":                     h.postSignout,
		"GET /app":                          h.signedInPage(h.getApp),
		"POST /app/users":                   h.limited(h.signedInPage(h.adminPage("add users", h.postAddUser))),
		"POST /app/users/{user_id}/disable": h.limited(h.signedInPage(h.adminPage("disable users", h.postDisable))),
		"POST /app/open":                    h.limited(h.signedInPage(h.postOpen)),
		"GET /app/sessions/{id}":            h.signedInPage(h.getSession),
		"GET /app/sessions/{id}/live":       h.signedInPage(h.liveSession),
		"GET /invite/{token}":               h.getInvite,
		"POST /invite/{token}":              h.limited(h.postInvite),
	}
	mux := http.NewServeMux()
	for pattern, fn := range handlers {
		mux.HandleFunc(pattern, fn)
		h.routes = append(h.routes, pattern)
	}
	h.routes = append(h.routes, "GET /static/{file}") // the site's own files
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.site.Error(w, r, http.StatusNotFound, "There is no such page.")
	})
	return h.site.Handler(mux), nil
}

// pageData is what every page of the application sees as .Data.
type pageData struct {
	// User is the signed-in user (nil before sign-in).
	User *login
	// Values refill a form; Errors are its fields' errors; Problem is
	// about the whole form.
	Values  map[string]string
	Errors  map[string]string
	Problem string

	Company   company
	Plan      string
	Seats     int
	License   *license.License
	Licensed  bool
	Users     []login
	Invite    *invitation
	Session   *sessionView
	InviteFor *login

	// focused is set once a field with an error took the focus.
	focused bool
}

// invitation is a just-made invitation link, shown once.
type invitation struct {
	For     login
	URL     string
	Expires time.Time
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, d *pageData) {
	title := map[string]string{"signup": "Create an account", "signin": "Sign in", "app": d.Company.Name,
		"session": "Your application", "invite": "Set your password"}[page]
	v := webui.View{Title: title, Data: d}
	if page == "session" && d.Session != nil && !d.Session.Done {
		v.Refresh = 2
	}
	h.site.Render(w, r, status, page, v)
}

// webUser is the signed-in user of the request's session cookie.
func (h *Handler) webUser(r *http.Request) (login, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return login{}, false
	}
	u, err := h.signedIn(r.Context(), c.Value, kindWeb)
	return u, err == nil
}

// signedInPage runs page for the signed-in user, or sends the browser to
// sign in (saying its session ended when it had one).
func (h *Handler) signedInPage(page func(http.ResponseWriter, *http.Request, login)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.webUser(r)
		if !ok {
			if _, err := r.Cookie(sessionCookie); err == nil {
				h.site.SetCookie(w, sessionCookie, "", -1)
				h.site.SetFlash(w, webui.FlashError, "Your session has ended. Please sign in again.")
			}
			webui.Redirect(w, r, "/signin")
			return
		}
		page(w, r, u)
	}
}

// limited applies the per-client rate limit to a form's post.
func (h *Handler) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := h.clients.allow(h.clientAddr(r), h.cfg.Now()); !ok {
			w.Header().Set("Retry-After", fmt.Sprint(int(wait/time.Second)+1))
			h.site.Error(w, r, http.StatusTooManyRequests, "Too many requests from your address. Wait a few seconds and try again.")
			return
		}
		next(w, r)
	}
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, u login, flash string) {
	tok, err := h.startSession(r.Context(), u, kindWeb, h.cfg.SessionTTL)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.enterApp(w, r, tok, flash)
}

// enterApp hands the browser tok, a stored web session's token, and
// takes it to the application's home page saying flash.
func (h *Handler) enterApp(w http.ResponseWriter, r *http.Request, tok, flash string) {
	h.site.SetCookie(w, sessionCookie, tok, h.cfg.SessionTTL)
	h.site.SetFlash(w, webui.FlashOK, flash)
	webui.Redirect(w, r, "/app")
}

// unavailable logs err and answers 503. It logs the route's pattern, not
// the path: an invitation's path is its secret.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.cfg.Logger.Error("signup edge: page failed", "route", r.Pattern, "err", err)
	h.site.Error(w, r, http.StatusServiceUnavailable, "Something went wrong on our side; nothing was changed. Please try again.")
}

// found reports whether a store read succeeded; otherwise it answers 404
// with notFound for ErrNoAccount, and 503 for any other error.
func (h *Handler) found(w http.ResponseWriter, r *http.Request, err error, notFound string) bool {
	if errors.Is(err, ErrNoAccount) {
		h.site.Error(w, r, http.StatusNotFound, notFound)
		return false
	}
	if err != nil {
		h.unavailable(w, r, err)
		return false
	}
	return true
}

// apiProblem renders an operation's refusal on page: a field's error when
// it is about one, else the form's problem.
func (h *Handler) apiProblem(w http.ResponseWriter, r *http.Request, page string, d *pageData, e *apiError) {
	if e.status >= 500 {
		h.unavailable(w, r, e.cause)
		return
	}
	switch e.code {
	case "email_taken":
		d.Errors = map[string]string{"email": "An account with this email already exists."}
	default:
		d.Problem = strings.ToUpper(e.msg[:1]) + e.msg[1:] + "."
	}
	h.render(w, r, e.status, page, d)
}

func form(r *http.Request, names ...string) map[string]string {
	v := map[string]string{}
	for _, n := range names {
		v[n] = r.PostFormValue(n)
	}
	return v
}

// fieldErrors turns validation errors into field errors (nil if none).
func fieldErrors(checks map[string]error) map[string]string {
	out := map[string]string{}
	for field, err := range checks {
		if err != nil {
			out[field] = strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + "."
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (h *Handler) postSignup(w http.ResponseWriter, r *http.Request) {
	d := &pageData{Values: form(r, "company", "name", "email")}
	pw := r.PostFormValue("password")
	d.Errors = fieldErrors(map[string]error{"company": validName("company name", d.Values["company"]),
		"name": validName("your name", d.Values["name"]), "email": validEmail("email", d.Values["email"])})
	if msg := checkPassword(pw, h.cfg.MinPasswordLength, d.Values["email"], d.Values["name"], d.Values["company"]); msg != "" {
		d.Errors = mergeErr(d.Errors, "password", msg)
	}
	if d.Errors != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "signup", d)
		return
	}
	_, tok, e := h.admitCompany(r, d.Values["company"], d.Values["name"], d.Values["email"], h.hash.hash(pw), kindWeb, h.cfg.SessionTTL)
	if e != nil {
		h.apiProblem(w, r, "signup", d, e)
		return
	}
	h.enterApp(w, r, tok, "Welcome! Your company is set up and you are its admin.")
}

func mergeErr(m map[string]string, field, msg string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[field] = msg
	return m
}

func (h *Handler) postSignin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := &pageData{Values: form(r, "email")}
	email, pw := strings.TrimSpace(d.Values["email"]), r.PostFormValue("password")
	if email == "" || pw == "" {
		d.Errors = fieldErrors(map[string]error{"email": need(email, "email"), "password": need(pw, "password")})
		h.render(w, r, http.StatusUnprocessableEntity, "signin", d)
		return
	}
	now := h.cfg.Now()
	account, client := "account:"+emailKey(email), "client:"+h.clientAddr(r)
	byAccount, err1 := h.store.failures(ctx, now, h.cfg.LoginWindow, account)
	byClient, err2 := h.store.failures(ctx, now, h.cfg.LoginWindow, client)
	if err := errors.Join(err1, err2); err != nil {
		h.unavailable(w, r, err)
		return
	}
	minutes := int(h.cfg.LoginWindow / time.Minute)
	switch {
	case byAccount >= h.cfg.LoginFailures:
		d.Problem = fmt.Sprintf("Too many failed sign-ins for this account. Wait %d minutes and try again.", minutes)
	case byClient >= h.cfg.ClientLoginFailures:
		d.Problem = fmt.Sprintf("Too many failed sign-ins from your address. Wait %d minutes and try again.", minutes)
	}
	if d.Problem != "" {
		w.Header().Set("Retry-After", fmt.Sprint(int(h.cfg.LoginWindow/time.Second)))
		h.render(w, r, http.StatusTooManyRequests, "signin", d)
		return
	}
	u, err := h.store.loginByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNoAccount) {
		h.unavailable(w, r, err)
		return
	}
	// Verified even without an account (against a dummy hash): the answer
	// takes as long either way.
	if !h.hash.verify(pw, u.PasswordHash) || u.Status != statusActive {
		if err := h.store.recordFailure(ctx, now, h.cfg.LoginWindow, account, client); err != nil {
			h.unavailable(w, r, err)
			return
		}
		d.Problem = "Wrong email or password."
		h.render(w, r, http.StatusUnauthorized, "signin", d)
		return
	}
	if err := h.store.clearFailures(ctx, account); err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.signIn(w, r, u, "Signed in as "+u.Email+".")
}

func need(v, field string) error {
	if v == "" {
		return fmt.Errorf("%s is required", field)
	}
	return nil
}

func (h *Handler) postSignout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if claims, err := h.tokens.Verify(c.Value, h.cfg.Now()); err == nil {
			if err := h.store.endSession(r.Context(), claims.SessionID); err != nil {
				h.unavailable(w, r, err)
				return
			}
		}
	}
	h.site.SetCookie(w, sessionCookie, "", -1)
	h.site.SetFlash(w, webui.FlashOK, "You are signed out.")
	webui.Redirect(w, r, "/signin")
}

// appPage is the signed-in home of u.
func (h *Handler) appPage(ctx context.Context, u login) (*pageData, error) {
	d := &pageData{User: &u}
	var err error
	if d.Company, err = h.store.company(ctx, u.CompanyID); err != nil {
		return nil, err
	}
	if d.Seats, d.License, err = h.allowance(ctx, u.CompanyID); err != nil {
		return nil, err
	}
	d.Plan = "Trial"
	if d.License != nil {
		d.Plan, d.Licensed = d.License.Plan, d.License.Licensed(h.cfg.Now())
	}
	if u.Role == events.RoleAdmin {
		if d.Users, err = h.store.users(ctx, u.CompanyID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request, u login) {
	d, err := h.appPage(r.Context(), u)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "app", d)
}

// adminPage runs page for a signed-in admin, with the app page's data.
func (h *Handler) adminPage(what string, page func(http.ResponseWriter, *http.Request, login, *pageData)) func(http.ResponseWriter, *http.Request, login) {
	return func(w http.ResponseWriter, r *http.Request, u login) {
		if u.Role != events.RoleAdmin {
			h.site.Error(w, r, http.StatusForbidden, "Only an admin of your company can "+what+".")
			return
		}
		d, err := h.appPage(r.Context(), u)
		if err != nil {
			h.unavailable(w, r, err)
			return
		}
		page(w, r, u, d)
	}
}

func (h *Handler) postAddUser(w http.ResponseWriter, r *http.Request, admin login, d *pageData) {
	d.Values = form(r, "name", "email", "role")
	d.Errors = fieldErrors(map[string]error{"name": validName("name", d.Values["name"]), "email": validEmail("email", d.Values["email"]),
		"role": validRole(d.Values["role"])})
	if d.Errors != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "app", d)
		return
	}
	u, secret, _, e := h.admitUser(r, admin, d.Values["email"], d.Values["name"], d.Values["role"], statusInvited)
	if e != nil {
		h.apiProblem(w, r, "app", d, e)
		return
	}
	d, err := h.appPage(r.Context(), admin)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	d.Invite = &invitation{For: u, URL: invitationURL(r, secret), Expires: h.cfg.Now().Add(h.cfg.InvitationTTL)}
	h.render(w, r, http.StatusOK, "app", d)
}

func (h *Handler) postDisable(w http.ResponseWriter, r *http.Request, admin login, d *pageData) {
	if e := h.disableUser(r, admin, r.PathValue("user_id")); e != nil {
		if e.status == http.StatusNotFound {
			h.site.Error(w, r, http.StatusNotFound, "There is no such user in your company.")
			return
		}
		h.apiProblem(w, r, "app", d, e)
		return
	}
	h.site.SetFlash(w, webui.FlashOK, "The user is disabled: their sessions have ended and their seat is free.")
	webui.Redirect(w, r, "/app")
}

func (h *Handler) postOpen(w http.ResponseWriter, r *http.Request, u login) {
	d, e := h.openApp(r, u)
	if e != nil {
		h.unavailable(w, r, e.cause)
		return
	}
	webui.Redirect(w, r, "/app/sessions/"+d.SessionID)
}

// sessionView is what the session page shows of an application session.
type sessionView struct {
	ID        string
	AppServer string
	Started   bool
	License   *license.License
	Held      int64
	// Done: nothing more will change (the license is on the server, or
	// there is none to deliver).
	Done bool
}

// sessionFor is u's view of session id; ErrNoAccount when it is another
// company's.
func (h *Handler) sessionFor(ctx context.Context, u login, id string) (*sessionView, error) {
	v := &sessionView{ID: id}
	se, err := h.dir.GetSession(ctx, id)
	switch {
	case errors.Is(err, accounts.ErrNotFound):
		return v, nil // not stored yet: starting
	case err != nil:
		return nil, err
	case se.CompanyID != u.CompanyID:
		return nil, ErrNoAccount
	}
	v.Started, v.AppServer = true, se.AppServer
	lic, ok, err := h.dir.License(ctx, u.CompanyID)
	if err != nil {
		return nil, err
	}
	if !ok {
		v.Done = true
		return v, nil
	}
	v.License = &lic
	dl, ok, err := h.dir.Delivery(ctx, u.CompanyID, se.AppServer)
	if err != nil {
		return nil, err
	}
	if ok {
		v.Held = dl.Serial
	}
	v.Done = v.Held >= lic.Serial
	return v, nil
}

// pathSession is u's view of the session the path names; it answers 404
// itself for an id that is malformed or another company's, and 503 when the
// store fails.
func (h *Handler) pathSession(w http.ResponseWriter, r *http.Request, u login) (*sessionView, bool) {
	id := r.PathValue("id")
	var v *sessionView
	err := ErrNoAccount
	if validID(id, prefixSession) {
		v, err = h.sessionFor(r.Context(), u, id)
	}
	return v, h.found(w, r, err, "There is no such session in your company.")
}

func (h *Handler) getSession(w http.ResponseWriter, r *http.Request, u login) {
	if v, ok := h.pathSession(w, r, u); ok {
		h.render(w, r, http.StatusOK, "session", &pageData{User: &u, Session: v})
	}
}

// liveSession streams the session's status: the current one at once, then
// each change, until it is done or LiveWait passes (0 through API
// Gateway, which answers whole): then the browser is told to come back.
func (h *Handler) liveSession(w http.ResponseWriter, r *http.Request, u login) {
	ctx := r.Context()
	v, ok := h.pathSession(w, r, u)
	if !ok {
		return
	}
	es, err := webui.NewEventStream(w, r)
	if err != nil {
		h.cfg.Logger.Error("signup edge: cannot stream", "path", r.URL.Path, "err", err)
		return
	}
	wait := h.cfg.LiveWait
	if httpapi.ViaAPIGateway(r) {
		wait = 0
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		var b strings.Builder
		if err := h.site.Fragment(&b, r, "session", "status", webui.View{Data: &pageData{User: &u, Session: v}}); err != nil {
			h.cfg.Logger.Error("signup edge: live fragment", "err", err)
			return
		}
		if b.String() != last {
			if es.Send("replace", b.String()) != nil {
				return
			}
			last = b.String()
		}
		if v.Done {
			_ = es.Send("done", "")
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			_ = es.Retry(time.Second)
			return
		case <-tick.C:
		}
		if v, err = h.sessionFor(ctx, u, v.ID); err != nil {
			return
		}
	}
}

// invited is the user of the path's invitation; it answers 404 itself when
// the link cannot be used.
func (h *Handler) invited(w http.ResponseWriter, r *http.Request) (login, bool) {
	u, err := h.store.invitation(r.Context(), r.PathValue("token"), h.cfg.Now())
	return u, h.found(w, r, err, "This invitation link cannot be used: it was used already, it expired, or the user was disabled. Ask your admin for a new one.")
}

func (h *Handler) getInvite(w http.ResponseWriter, r *http.Request) {
	if u, ok := h.invited(w, r); ok {
		h.render(w, r, http.StatusOK, "invite", &pageData{InviteFor: &u})
	}
}

func (h *Handler) postInvite(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secret := r.PathValue("token")
	u, ok := h.invited(w, r)
	if !ok {
		return
	}
	pw := r.PostFormValue("password")
	if msg := checkPassword(pw, h.cfg.MinPasswordLength, u.Email, u.Name); msg != "" {
		h.render(w, r, http.StatusUnprocessableEntity, "invite", &pageData{InviteFor: &u, Errors: map[string]string{"password": msg}})
		return
	}
	g, tok, err := h.newGrant(u, kindWeb, h.cfg.SessionTTL)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	if _, err := h.store.acceptInvitation(ctx, secret, h.hash.hash(pw), g); !h.found(w, r, err, "This invitation link was used meanwhile.") {
		return
	}
	h.enterApp(w, r, tok, "Your password is set and you are signed in.")
}

// fieldView is one labelled input for the "field" partial: its hint and
// its error (announced, role=alert) stand next to it, and aria-describedby
// names both.
type fieldView struct {
	Name, Label, Type, Autocomplete, Value, Hint, Error string
	Options                                             []string
	Focus                                               bool
}

// DescribedBy is the field's aria-describedby: the ids of its hint and its
// error, those it has.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "f-"+f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, "f-"+f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

var webFuncs = map[string]any{
	// field NAME LABEL TYPE [AUTOCOMPLETE]: an input of the page's form;
	// TYPE "select:a,b" is a select of a and b.
	"field": func(p webui.Page, name, label, typ string, autocomplete ...string) fieldView {
		f := fieldView{Name: name, Label: label, Type: typ}
		if d, ok := p.Data.(*pageData); ok {
			f.Value, f.Error = d.Values[name], d.Errors[name]
			// The first field with an error, in the page's order, takes
			// the focus: a keyboard user lands on it and a screen reader
			// reads its label and then its error.
			if f.Error != "" && !d.focused {
				f.Focus, d.focused = true, true
			}
		}
		if opts, ok := strings.CutPrefix(typ, "select:"); ok {
			f.Type, f.Options = "select", strings.Split(opts, ",")
		}
		if len(autocomplete) > 0 {
			f.Autocomplete = autocomplete[0]
		}
		return f
	},
	// hint FIELD TEXT: FIELD with a hint shown under it and read with it.
	"hint": func(f fieldView, text string) fieldView { f.Hint = text; return f },
	"date": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	// user is the signed-in user of a page (nil on built-in pages).
	"user": func(p webui.Page) *login {
		if d, ok := p.Data.(*pageData); ok {
			return d.User
		}
		return nil
	},
}
