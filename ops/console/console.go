// Package console is the operator's console: a web view of the pipeline
// on any SQS/EventBridge endpoint (localaws, ElasticMQ with localaws's
// EventBridge, AWS). It shows the stages as the README draws them with
// their queues' counts, the age of each queue's oldest message, the DLQs
// and, where metrics are reachable, each stage's handled and failed rates
// and lag; lists every queue and peeks at messages without consuming
// them; dry-runs, replays and purges dead-letter queues with the engine of
// `licenseflow dlq` (package dlq, so with its guarantee that a replay
// interrupted at any moment loses nothing); tails the bus with the rules
// each event matched and where it went; and follows an event's path by
// its correlation id.
//
// Pages are rendered on the server (package webui) and work without
// JavaScript; live parts update by server-sent events with webui's small
// script. Every POST carries a CSRF token; with Config.Token set every
// route needs the token (a login form sets a signed session cookie; scripts
// may send it as a Bearer token); without one the console answers only
// requests addressed to a loopback name, so a web page elsewhere cannot
// reach it through DNS rebinding. No credential is ever rendered.
//
// On localaws the console uses localaws's own operations (PeekMessages,
// TailEvents): a peek that changes nothing and sees in-flight and delayed
// messages, and a tail of every event with the rules it matched and the
// outcome of each delivery. Elsewhere it peeks as `dlq show` does (receive,
// then visibility back to zero; the receive count goes up by one) and
// tails through a temporary rule and queue of its own, named
// licenseflow-console-tail-*, which it deletes when it stops; the rules an
// event matched come from TestEventPattern against each rule's pattern.
package console

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/webui"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/ops/dlq"
)

//go:embed templates
var templates embed.FS

// Config configures a Console. New calls setDefaults and Validate.
type Config struct {
	// SQS and Events talk to the endpoint the console shows. Required.
	SQS    *sqs.Client
	Events *eventbridge.Client
	// SQSEndpoint and EventsEndpoint are the endpoints' base URLs when they
	// are not AWS's ("" on AWS). The console asks them for localaws's own
	// operations and does without them where they are not served.
	SQSEndpoint, EventsEndpoint string
	// Bus is the event bus the pipeline uses. Default infra.BusName.
	Bus string
	// Stages are the pipeline's stages, in the picture's order. Default
	// DefaultStages().
	Stages []Stage
	// Metrics are the Prometheus metrics of the pipeline's processes
	// (optional): the handled and failed rates and the lag come from
	// them.
	Metrics []MetricsSource
	// Token, when set, is required on every route. At least 16
	// characters.
	Token string
	// Path is where the console is mounted. Default "/console".
	Path string
	// SecureCookies marks its cookies Secure (served over HTTPS).
	SecureCookies bool
	// TailRule makes the live tail use a temporary rule and queue even
	// where localaws's TailEvents is served.
	TailRule bool
	// DLQ tunes the dead-letter engine (its Client is the console's SQS;
	// AllowMoveTask lets an unfiltered replay on AWS use
	// StartMessageMoveTask, as `dlq replay` does there).
	DLQ dlq.Config
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	c.Bus = cmp.Or(c.Bus, infra.BusName)
	if len(c.Stages) == 0 {
		c.Stages = DefaultStages()
	}
	c.Path = cmp.Or(c.Path, "/console")
	c.Logger = cmp.Or(c.Logger, slog.Default())
	c.DLQ.Client = c.SQS
	c.DLQ.Logger = cmp.Or(c.DLQ.Logger, c.Logger)
}

// MinTokenLength is the shortest console token accepted.
const MinTokenLength = 16

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.If(c.SQS == nil || c.Events == nil, "console: SQS and EventBridge clients are required")
	errs.If(c.Token != "" && len(c.Token) < MinTokenLength, "console: the token must be at least %d characters", MinTokenLength)
	errs.If(!strings.HasPrefix(c.Path, "/") || strings.HasSuffix(c.Path, "/"), "console: path %q must start with / and not end with one", c.Path)
	return errs.Err()
}

// Stage is one stage of the pipeline picture.
type Stage struct {
	// Name is the stage's name in the metrics' "stage" label.
	Name string
	// Title is what the picture calls it.
	Title string
	// Does says what it keeps or does, under its title.
	Does string
	// Queue is the queue it consumes.
	Queue string
}

// DefaultStages are licenseflow's three stages, as the README draws them.
func DefaultStages() []Stage {
	return []Stage{
		{Name: "payment", Title: "payment stage", Does: "subscriptions, license issuing", Queue: infra.QueuePayment},
		{Name: "accounts", Title: "user-signup stage", Does: "companies, users, sessions", Queue: infra.QueueSignup},
		{Name: "licensepush", Title: "license-push stage", Does: "delivers licenses to the app servers", Queue: infra.QueueLicensePush},
	}
}

// Console is a running console. Its goroutines (the tail, replays) run
// until Close.
type Console struct {
	cfg     Config
	site    *webui.Site
	tool    *dlq.Tool
	ext     *extensions
	journal *journal
	rates   *rates
	jobs    *jobs
	auth    *auth
	topo    *topology
	tail    tailSource
	handler http.Handler

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// New builds the console and starts its live tail (on an endpoint without
// localaws's TailEvents it creates the temporary rule and queue now).
func New(ctx context.Context, cfg Config) (*Console, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tool, err := dlq.New(cfg.DLQ)
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, tool: tool, journal: newJournal(), rates: newRates(cfg.Metrics),
		ext: newExtensions(cfg.SQSEndpoint, cfg.EventsEndpoint)}
	c.topo = &topology{c: c}
	c.jobs = &jobs{c: c, byID: map[string]*job{}}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	c.auth = &auth{token: cfg.Token, path: cfg.Path}
	if c.site, err = newSite(cfg, key, c.auth.binding); err != nil {
		return nil, err
	}
	c.auth.site = c.site
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if c.tail, err = c.startTail(ctx); err != nil {
		c.cancel()
		return nil, err
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.follow(c.ctx)
	}()
	c.handler = c.site.Handler(c.auth.guard(c.routes()))
	return c, nil
}

func newSite(cfg Config, key []byte, binding func(*http.Request) string) (*webui.Site, error) {
	pages, err := fs.Sub(templates, "templates")
	if err != nil {
		return nil, err
	}
	p := cfg.Path
	return webui.New(webui.Config{Name: "licenseflow console", Path: p, Pages: pages, Patterns: []string{"*.html"},
		Partials: []string{"*.tmpl"}, Funcs: funcs(p), CookiePrefix: "lfconsole", Key: key, SecureCookies: cfg.SecureCookies,
		CSRFBinding: binding, Logger: cfg.Logger,
		Nav: []webui.Link{{Text: "Pipeline", URL: p}, {Text: "Queues", URL: p + "/queues"}, {Text: "Live events", URL: p + "/events"},
			{Text: "Event path", URL: p + "/path"}}})
}

// Handler serves the console under Config.Path.
func (c *Console) Handler() http.Handler { return c.handler }

// Path is where the console is mounted.
func (c *Console) Path() string { return c.cfg.Path }

// Close stops the tail (deleting its temporary rule and queue, if any) and
// any replay still running (what it moved stays moved; the messages it
// held come back to the DLQ). It is safe to call more than once.
func (c *Console) Close() error {
	c.once.Do(func() {
		c.cancel()
		c.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c.err = c.tail.close(ctx)
	})
	return c.err
}

// goOwned runs f in a goroutine the console owns: f's context ends at
// Close, which waits for f to return.
func (c *Console) goOwned(f func(ctx context.Context)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f(c.ctx)
	}()
}

// funcs are the console templates' helpers.
func funcs(path string) template.FuncMap {
	return template.FuncMap{
		"p":      func(parts ...string) string { return path + strings.Join(parts, "") },
		"age":    formatAge,
		"clock":  func(t time.Time) string { return t.Local().Format("15:04:05.000") },
		"when":   func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
		"pretty": pretty,
		"rate":   formatRate,
		"qname":  queueName,
	}
}

// extensions is how the console reaches localaws's own operations.
type extensions struct {
	sqs, events *localaws.ExtensionsClient // nil: not a localaws (AWS)
	mu          sync.Mutex
	noPeek      bool // the SQS endpoint answered that it serves none
}

func newExtensions(sqsEndpoint, eventsEndpoint string) *extensions {
	e := &extensions{}
	if sqsEndpoint != "" {
		e.sqs = &localaws.ExtensionsClient{Endpoint: sqsEndpoint}
	}
	if eventsEndpoint != "" {
		e.events = &localaws.ExtensionsClient{Endpoint: eventsEndpoint}
	}
	return e
}
