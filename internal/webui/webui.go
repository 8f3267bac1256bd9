// Package webui is what licenseflow's server-rendered web pages share: a
// base layout and stylesheet, rendering with html/template (contextual
// auto-escaping: a value from a message or a request can never become
// markup), CSRF tokens on every form, flash messages, security headers with
// a strict Content-Security-Policy, server-sent events, and one small
// self-hosted script for the live parts of a page. Pages work without the
// script; it only makes them update by themselves.
//
// A Site is one web application mounted at a path (the operator's console
// at /console, the user application at /). Its pages are html/template
// files that each define "content" (and may define other blocks, rendered
// alone with Fragment); the layout wraps them. Site.Handler wraps the
// application's handler with the security headers, the static files and
// the CSRF check, so no POST reaches the application without a valid token.
package webui

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/licenseflow/licenseflow/internal/problems"
)

//go:embed assets templates
var builtin embed.FS

// Config configures a Site.
type Config struct {
	// Name is the application's name, in every page's title and header.
	// Required.
	Name string
	// Path is where the site is mounted, without a trailing slash ("" for
	// the root, "/console"). Cookies are scoped to it; static files are
	// served under Path+"/static/".
	Path string
	// Pages holds the site's page templates. Required.
	Pages fs.FS
	// Patterns select the page files in Pages. Default "*.html".
	Patterns []string
	// Partials select files of Pages every page may use (shared blocks);
	// they are not pages themselves.
	Partials []string
	// Funcs are extra template functions.
	Funcs template.FuncMap
	// Nav is the header's links.
	Nav []Link
	// CookiePrefix names the site's cookies (PREFIX_csrf, PREFIX_flash),
	// so two sites on one host keep theirs apart. Default "lf".
	CookiePrefix string
	// Key signs CSRF tokens and flash messages; at least 32 bytes.
	// Default random, for the life of the process.
	Key []byte
	// SecureCookies marks the cookies Secure (a site served over HTTPS);
	// they are anyway on a request that came over TLS or through API
	// Gateway.
	SecureCookies bool
	// CSRFBinding, when set, names what a request's CSRF token is bound to
	// besides the browser's CSRF cookie: a signed-in session, say (its
	// cookie), "" before sign-in. See Handler.
	CSRFBinding func(*http.Request) string
	// Logger receives rendering failures. Default slog.Default().
	Logger *slog.Logger
}

// Link is a link of the header's navigation.
type Link struct {
	Text string
	// URL is the link's path; the link is current on it and below it
	// (the site's home only on itself).
	URL string
}

func (c *Config) setDefaults() error {
	if len(c.Patterns) == 0 {
		c.Patterns = []string{"*.html"}
	}
	c.CookiePrefix = cmp.Or(c.CookiePrefix, "lf")
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Key == nil {
		c.Key = make([]byte, 32)
		if _, err := rand.Read(c.Key); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.If(c.Name == "", "webui: name is required")
	errs.If(c.Pages == nil, "webui: pages are required")
	errs.If(c.Path != "" && (!strings.HasPrefix(c.Path, "/") || strings.HasSuffix(c.Path, "/")), "webui: path %q must start with / and not end with one", c.Path)
	errs.If(len(c.Key) < 32, "webui: key must be at least 32 bytes")
	return errs.Err()
}

// Site renders one web application's pages. It is safe for concurrent use.
type Site struct {
	cfg    Config
	pages  map[string]*template.Template
	static map[string]asset // by file name
}

type asset struct {
	body        []byte
	contentType string
	url         string // with a content hash, cached for good
}

// New parses the layout and cfg's pages; a page that does not parse is an
// error here, not at request time.
func New(cfg Config) (*Site, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Site{cfg: cfg, pages: map[string]*template.Template{}, static: map[string]asset{}}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	base, err := template.New("layout").Funcs(s.cfg.Funcs).ParseFS(builtin, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("webui: layout: %w", err)
	}
	for _, p := range cfg.Partials {
		if base, err = base.ParseFS(cfg.Pages, p); err != nil {
			return nil, fmt.Errorf("webui: partials %s: %w", p, err)
		}
	}
	if err := s.addPage(base, builtin, "templates/error.html"); err != nil {
		return nil, err
	}
	for _, pat := range cfg.Patterns {
		files, err := fs.Glob(cfg.Pages, pat)
		if err != nil {
			return nil, fmt.Errorf("webui: pages %s: %w", pat, err)
		}
		for _, f := range files {
			if err := s.addPage(base, cfg.Pages, f); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// addPage parses file on a copy of base, as the page named after the file
// ("queue.html" is "queue").
func (s *Site) addPage(base *template.Template, fsys fs.FS, file string) error {
	t, err := base.Clone()
	if err == nil {
		t, err = t.ParseFS(fsys, file)
	}
	if err != nil {
		return fmt.Errorf("webui: page %s: %w", file, err)
	}
	s.pages[strings.TrimSuffix(path.Base(file), path.Ext(file))] = t
	return nil
}

func (s *Site) loadAssets() error {
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	return fs.WalkDir(builtin, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := builtin.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		s.static[name] = asset{body: b, contentType: types[path.Ext(p)],
			url: s.cfg.Path + "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])}
		return nil
	})
}

// View is what a handler hands to Render: the page's title and data.
type View struct {
	Title string
	// Data is the page's own data, {{.Data}} in its template.
	Data any
	// Refresh, when positive, reloads the page every Refresh seconds in a
	// browser without JavaScript (pages with live parts: with it, the
	// script updates them instead).
	Refresh int
}

// Page is what a page template sees as ".".
type Page struct {
	Site    string
	Title   string
	Home    string
	Nav     []NavLink
	Flash   *Flash
	CSRF    string
	Refresh int
	Data    any
	static  map[string]asset
}

// NavLink is a header link as rendered.
type NavLink struct {
	Text, URL string
	Current   bool
}

// With is p with other data: a page hands a block what Fragment would
// ({{template "rows" (.With .Data.Rows)}} renders the same rows a live
// update sends).
func (p Page) With(data any) Page {
	p.Data = data
	return p
}

// Static is the URL of a built-in static file ("base.css", "live.js").
func (p Page) Static(name string) string { return p.static[name].url }

// Render writes the page named page (its file name without ".html") with
// status. The page is rendered to memory first: a template failure is a
// 500 page, never half a page. It takes the request's flash message.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, page string, v View) {
	var buf bytes.Buffer
	if err := s.execute(&buf, w, r, page, "layout", v); err != nil {
		s.cfg.Logger.Error("rendering a page", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// Fragment writes block (a template the page file defines) of page with
// v's data, without the layout: the HTML a live update sends.
func (s *Site) Fragment(w io.Writer, r *http.Request, page, block string, v View) error {
	return s.execute(w, nil, r, page, block, v)
}

func (s *Site) execute(out io.Writer, w http.ResponseWriter, r *http.Request, page, block string, v View) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("no page %q", page)
	}
	p := Page{Site: s.cfg.Name, Title: v.Title, Home: cmp.Or(s.cfg.Path, "/"), CSRF: csrfToken(r),
		Refresh: v.Refresh, Data: v.Data, static: s.static}
	if w != nil {
		p.Flash = s.takeFlash(w, r)
	}
	for _, l := range s.cfg.Nav {
		cur := r.URL.Path == l.URL || (l.URL != p.Home && strings.HasPrefix(r.URL.Path, l.URL+"/"))
		p.Nav = append(p.Nav, NavLink{Text: l.Text, URL: l.URL, Current: cur})
	}
	return t.ExecuteTemplate(out, block, p)
}

// Error renders the built-in error page: the status's text and msg.
func (s *Site) Error(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.Render(w, r, status, "error", View{Title: http.StatusText(status),
		Data: struct{ Status, Message string }{http.StatusText(status), msg}})
}

// Redirect answers a form's POST with 303 See Other to url (a path of
// this site), so reloading the next page does not post again.
func Redirect(w http.ResponseWriter, r *http.Request, url string) {
	http.Redirect(w, r, url, http.StatusSeeOther)
}
