package pipeline

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/services/accounts"
	"github.com/licenseflow/licenseflow/services/appserver"
	"github.com/licenseflow/licenseflow/services/licensepush"
	"github.com/licenseflow/licenseflow/services/payment"
	"github.com/licenseflow/licenseflow/services/signup"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// Parts of the pipeline a process can run.
const (
	PartEdge        = "edge"        // webhook + signup HTTP API
	PartPayment     = "payment"     // payment stage
	PartAccounts    = "accounts"    // user-signup stage
	PartLicensePush = "licensepush" // in-VPC license push
	PartAppServer   = "appserver"   // demo application server
)

// AllParts is what `licenseflow run` starts.
var AllParts = []string{PartEdge, PartPayment, PartAccounts, PartLicensePush, PartAppServer}

// Config configures a pipeline process.
type Config struct {
	// Parts to run. Default AllParts.
	Parts []string
	// DataDir holds the store, localaws's state and the app server's
	// licenses. Required.
	DataDir string
	// StoreURL is "sqlite:PATH" or a postgres:// URL. Default
	// sqlite:DataDir/licenseflow.db.
	StoreURL string
	// HTTPAddr is the edge API's address. Default 127.0.0.1:8080.
	HTTPAddr string
	// AppServerAddr is the demo app server's address. Default 127.0.0.1:8090.
	AppServerAddr string
	// LocalAWS starts an in-process localaws (on LocalAWSAddr) and points
	// the clients at it; otherwise the SDK's environment decides.
	LocalAWS     bool
	LocalAWSAddr string
	// Endpoint, when LocalAWS is false, points both clients at this URL
	// with static local credentials (another process's localaws).
	Endpoint string
	// LocalAWSNoSync trades power-loss durability for speed in localaws.
	LocalAWSNoSync bool
	// ApplyTopology creates the queues, DLQs, bus and rules (idempotent).
	ApplyTopology bool
	// Topology is the bus, queues and rules. Default infra.Default().
	Topology *infra.Topology
	// SigningKey signs licenses (payment). PublicKey verifies them
	// (license push, app server).
	SigningKey ed25519.PrivateKey
	PublicKey  ed25519.PublicKey
	// WebhookSecrets verify provider signatures (edge).
	WebhookSecrets []string
	// TokenSecret signs bearer tokens (edge).
	TokenSecret []byte
	// AppServers is the pool sessions are assigned to. Default the demo
	// app server's address.
	AppServers []string
	// AllowedCIDRs bound license-push deliveries. Default 127.0.0.0/8.
	AllowedCIDRs []netip.Prefix
	// Queues overrides a part's queue (name or URL); default the
	// topology's queue of that part.
	Queues map[string]string
	// HandlersOnly builds the parts without consuming queues or serving
	// HTTP: the Lambda entry points take Handlers and Webhook/Signup.
	HandlersOnly bool
	// Hops receives every handled event (optional; never blocks).
	Hops chan<- Hop
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if len(c.Parts) == 0 {
		c.Parts = AllParts
	}
	if c.StoreURL == "" {
		c.StoreURL = "sqlite:" + filepath.Join(c.DataDir, "licenseflow.db")
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if c.AppServerAddr == "" {
		c.AppServerAddr = "127.0.0.1:8090"
	}
	if c.LocalAWSAddr == "" {
		c.LocalAWSAddr = "127.0.0.1:0"
	}
	if c.Topology == nil {
		t := infra.Default()
		c.Topology = &t
	}
	if len(c.AllowedCIDRs) == 0 {
		c.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every problem with the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data directory is required"))
	}
	for _, p := range c.Parts {
		if !slices.Contains(AllParts, p) {
			errs = append(errs, fmt.Errorf("unknown part %q (want one of %s)", p, strings.Join(AllParts, ", ")))
		}
	}
	if c.has(PartPayment) && c.SigningKey == nil {
		errs = append(errs, errors.New("payment needs a signing key"))
	}
	if (c.has(PartLicensePush) || c.has(PartAppServer)) && c.PublicKey == nil {
		errs = append(errs, errors.New("license push and the app server need the public key"))
	}
	if c.has(PartEdge) && (len(c.WebhookSecrets) == 0 || len(c.TokenSecret) == 0) {
		errs = append(errs, errors.New("the edge needs webhook secrets and a token secret"))
	}
	return errors.Join(errs...)
}

func (c *Config) has(part string) bool { return slices.Contains(c.Parts, part) }

// Pipeline is a running pipeline process.
type Pipeline struct {
	cfg      Config
	LocalAWS *localaws.Server
	Clients  Clients
	// EdgeURL and AppServerURL are the HTTP servers' base URLs ("" when
	// the part is not running).
	EdgeURL      string
	AppServerURL string
	// Payment is the payment stage, when running (for queries).
	Payment *payment.Stage
	// Handlers are the stage handlers by part, as consumers run them.
	Handlers map[string]events.Handler
	// Webhook and Signup are the edge handlers, when the edge runs.
	Webhook *webhook.Handler
	Signup  *signup.Handler

	db        *sqlstore.DB
	publisher *events.BusPublisher
	ebPub     *events.EventBridgePublisher
	metrics   *metrics
	servers   []*http.Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	errOnce   sync.Once
	err       error
	done      chan struct{}
	closeOnce sync.Once
}

// Start starts the configured parts and returns once they serve. Stop it
// with Close; Done is closed if a part fails.
func Start(ctx context.Context, cfg Config) (*Pipeline, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	p := &Pipeline{cfg: cfg, cancel: cancel, metrics: newMetrics(), done: make(chan struct{}),
		Handlers: map[string]events.Handler{}}
	if err := p.start(ctx, runCtx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Pipeline) start(ctx, runCtx context.Context) error {
	cfg := p.cfg
	log := cfg.Logger
	endpoint := cfg.Endpoint
	if cfg.LocalAWS {
		// Not runCtx: localaws must outlive the consumers' drain; Close
		// closes it last.
		srv, err := localaws.Start(context.WithoutCancel(ctx), localaws.Config{Addr: cfg.LocalAWSAddr,
			DataDir: filepath.Join(cfg.DataDir, "localaws"), NoSync: cfg.LocalAWSNoSync,
			// Every consumer of these queues lives and dies with this process.
			ReleaseInFlight: true,
			Logger:          log.With("part", "localaws")})
		if err != nil {
			return fmt.Errorf("starting localaws: %w", err)
		}
		p.LocalAWS, endpoint = srv, srv.URL()
	}
	var err error
	if p.Clients, err = NewClients(ctx, endpoint); err != nil {
		return err
	}
	if cfg.ApplyTopology {
		if _, err := infra.Apply(ctx, p.Clients.SQS, p.Clients.Events, *cfg.Topology); err != nil {
			return fmt.Errorf("creating the topology: %w", err)
		}
	}
	if p.ebPub, err = events.NewEventBridgePublisher(events.EventBridgePublisherConfig{
		Client: p.Clients.Events, Logger: log.With("part", "publisher")}); err != nil {
		return err
	}
	if p.publisher, err = events.NewBusPublisher(events.BusPublisherConfig{Publisher: p.ebPub, Bus: cfg.Topology.Bus}); err != nil {
		return err
	}
	if cfg.has(PartPayment) || cfg.has(PartAccounts) || cfg.has(PartLicensePush) {
		if dir, ok := strings.CutPrefix(cfg.StoreURL, "sqlite:"); ok {
			if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
				return fmt.Errorf("creating store directory: %w", err)
			}
		}
		if p.db, err = sqlstore.Open(ctx, cfg.StoreURL); err != nil {
			return fmt.Errorf("opening the store: %w", err)
		}
	}
	if cfg.has(PartAppServer) {
		app, err := appserver.New(appserver.Config{PublicKey: cfg.PublicKey,
			Dir: filepath.Join(cfg.DataDir, "appserver"), Logger: log.With("part", "appserver")})
		if err != nil {
			return fmt.Errorf("app server: %w", err)
		}
		if cfg.HandlersOnly {
			return errors.New("the app server has no Lambda entry")
		}
		if p.AppServerURL, err = p.serve(cfg.AppServerAddr, app); err != nil {
			return fmt.Errorf("app server: %w", err)
		}
	}
	if cfg.has(PartPayment) {
		stage, err := payment.New(ctx, payment.Config{DB: p.db, Publisher: p.publisher,
			SigningKey: cfg.SigningKey, Logger: log.With("part", "payment")})
		if err != nil {
			return fmt.Errorf("payment stage: %w", err)
		}
		p.Payment = stage
		if !cfg.HandlersOnly {
			p.goRun(func() error { return ignoreCanceled(stage.Run(runCtx, 5*time.Second)) })
		}
		p.consume(runCtx, PartPayment, infra.QueuePayment, stage.Handle)
	}
	if cfg.has(PartAccounts) {
		stage, err := accounts.New(ctx, accounts.Config{DB: p.db, Publisher: p.publisher, Logger: log.With("part", "accounts")})
		if err != nil {
			return fmt.Errorf("user-signup stage: %w", err)
		}
		p.consume(runCtx, PartAccounts, infra.QueueSignup, stage.Handle)
	}
	if cfg.has(PartLicensePush) {
		stage, err := licensepush.New(ctx, licensepush.Config{DB: p.db, PublicKey: cfg.PublicKey,
			AllowedCIDRs: cfg.AllowedCIDRs, Logger: log.With("part", "licensepush")})
		if err != nil {
			return fmt.Errorf("license-push stage: %w", err)
		}
		p.consume(runCtx, PartLicensePush, infra.QueueLicensePush, stage.Handle)
	}
	if cfg.has(PartEdge) {
		if err := p.startEdge(); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pipeline) startEdge() error {
	cfg := p.cfg
	servers := cfg.AppServers
	if len(servers) == 0 {
		servers = []string{cfg.AppServerAddr}
		if p.AppServerURL != "" {
			servers = []string{strings.TrimPrefix(p.AppServerURL, "http://")}
		}
	}
	hook, err := webhook.New(webhook.Config{Secrets: cfg.WebhookSecrets, Publisher: p.publisher,
		Logger: cfg.Logger.With("part", "webhook")})
	if err != nil {
		return fmt.Errorf("webhook edge: %w", err)
	}
	sign, err := signup.New(signup.Config{Publisher: p.publisher, TokenSecret: cfg.TokenSecret,
		AppServers: servers, Logger: cfg.Logger.With("part", "signup")})
	if err != nil {
		return fmt.Errorf("signup edge: %w", err)
	}
	p.Webhook, p.Signup = hook, sign
	if cfg.HandlersOnly {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+webhook.Path, p.metrics.instrument("webhook", hook))
	mux.Handle("/v1/signup", p.metrics.instrument("signup", sign))
	mux.Handle("/v1/companies/", p.metrics.instrument("users", sign))
	mux.Handle("/v1/sessions", p.metrics.instrument("sessions", sign))
	mux.Handle("GET /metrics", p.metrics.handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	p.EdgeURL, err = p.serve(cfg.HTTPAddr, mux)
	if err != nil {
		return fmt.Errorf("edge API: %w", err)
	}
	return nil
}

// consume runs a stage's handler on its queue until the pipeline stops.
func (p *Pipeline) consume(ctx context.Context, stage, queue string, h events.Handler) {
	handler := observe(stage, h, p.cfg.Hops, p.metrics)
	p.Handlers[stage] = handler
	if q := p.cfg.Queues[stage]; q != "" {
		queue = q
	}
	if p.cfg.HandlersOnly {
		return
	}
	log := p.cfg.Logger.With("part", stage)
	sub, err := events.NewSQSSubscriber(events.SQSSubscriberConfig{Client: p.Clients.SQS, Logger: log})
	if err != nil {
		p.fail(err)
		return
	}
	p.goRun(func() error {
		defer sub.Close()
		return events.Run(ctx, sub, queue, handler, events.WithName(stage), events.WithLogger(log))
	})
}

func (p *Pipeline) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(p.cfg.Logger.Handler(), slog.LevelWarn)}
	p.servers = append(p.servers, srv)
	p.goRun(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	return "http://" + ln.Addr().String(), nil
}

func (p *Pipeline) goRun(fn func() error) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := fn(); err != nil {
			p.fail(err)
		}
	}()
}

func (p *Pipeline) fail(err error) {
	p.errOnce.Do(func() {
		p.err = err
		close(p.done)
	})
}

// Done is closed when a part failed; Err then says why.
func (p *Pipeline) Done() <-chan struct{} { return p.done }

// Err is the first part's failure, or nil.
func (p *Pipeline) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Close stops every part: HTTP servers stop taking requests, consumers
// drain (running handlers finish, acknowledgements are flushed), then the
// store and localaws close.
func (p *Pipeline) Close() error {
	var errs []error
	p.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, s := range p.servers {
			if err := s.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		p.cancel()
		p.wg.Wait()
		if p.ebPub != nil {
			errs = append(errs, p.ebPub.Close())
		}
		if p.db != nil {
			errs = append(errs, p.db.Close())
		}
		if p.LocalAWS != nil {
			errs = append(errs, p.LocalAWS.Close())
		}
		errs = append(errs, p.Err())
	})
	return errors.Join(errs...)
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
