package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/ops/console"
)

// LocalAWSConfig configures the in-process localaws of the whole pipeline.
type LocalAWSConfig struct {
	// Addr is its address. Default 127.0.0.1:0 (a free port).
	Addr string
	// NoSync trades power-loss durability for speed.
	NoSync bool
}

// Config configures the whole pipeline in one process, as `licenseflow
// run` runs it: every stage, both edges behind one edge API, the demo app
// server, and (unless AWS is given) localaws. Each part's own
// configuration is its builder's; what parts share and leave zero (their
// bus and queue clients, store, observer, logger, the signup edge's app
// servers) Start fills in. Start calls setDefaults and Validate.
type Config struct {
	// DataDir holds localaws's state, the app server's licenses and the
	// default SQLite store. Required.
	DataDir string
	// AWS are the clients of endpoints that already run (the
	// environment's). When nil, Start runs localaws in process (LocalAWS).
	AWS *Clients
	// LocalAWS configures the in-process localaws; it must be zero when
	// AWS is set.
	LocalAWS LocalAWSConfig
	// Topology is created at start (idempotent). Default infra.Default().
	Topology *infra.Topology
	// Store is the stages' store URL unless a stage names its own.
	// Default sqlite:DataDir/licenseflow.db.
	Store string

	Payment PaymentConfig
	// Accounts's PublicKey defaults to LicensePush's.
	Accounts    AccountsConfig
	LicensePush LicensePushConfig
	Webhook     WebhookConfig
	// Signup's AppServers default to the demo app server's address.
	Signup SignupConfig
	// AppServer's Dir defaults to DataDir/appserver.
	AppServer AppServerConfig
	Edge      EdgeServerConfig
	// Console is served on Edge's address under /console.
	Console ConsoleConfig

	// Hops receives every handled event (optional; never blocks).
	Hops chan<- Hop
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.LocalAWS.Addr == "" && c.AWS == nil {
		c.LocalAWS.Addr = "127.0.0.1:0"
	}
	if c.Topology == nil {
		t := infra.Default()
		c.Topology = &t
	}
	c.Store = cmp.Or(c.Store, "sqlite:"+filepath.Join(c.DataDir, "licenseflow.db"))
	c.AppServer.Dir = cmp.Or(c.AppServer.Dir, filepath.Join(c.DataDir, "appserver"))
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration the parts'
// builders do not check themselves.
func (c *Config) Validate() error {
	var errs problems.List
	errs.If(c.DataDir == "", "data directory is required")
	errs.If(c.AWS != nil && c.LocalAWS != (LocalAWSConfig{}), "localaws is configured, but AWS clients are given: choose one")
	return errs.Err()
}

// Pipeline is the whole pipeline, running.
type Pipeline struct {
	// LocalAWS is the in-process localaws (nil when Config.AWS was given).
	LocalAWS *localaws.Server
	// Clients talk to the endpoint the parts use.
	Clients Clients
	// Edge serves the edge API, AppServer the demo application server.
	Edge, AppServer *Server
	// The stages.
	Payment               *Payment
	Accounts, LicensePush *Stage
	// Console is the operator's console on the edge API's address (nil
	// when off); ConsoleOff says why it is not served when it should be.
	Console    *console.Console
	ConsoleOff error

	parts           []Part // built, in the order Close closes them
	store           *sqlstore.DB
	servers, stages group
	done            chan struct{}
	errOnce         sync.Once
	err             error
	closeOnce       sync.Once
}

// Start builds every part and runs it; it returns once the HTTP servers
// listen. Stop it with Close; Done is closed if a part fails.
func Start(ctx context.Context, cfg Config) (*Pipeline, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	p := &Pipeline{done: make(chan struct{})}
	if err := p.build(ctx, &cfg); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	p.servers.start(p.fail, p.AppServer, p.Edge)
	p.stages.start(p.fail, p.Payment, p.Accounts, p.LicensePush)
	return p, nil
}

func (p *Pipeline) build(ctx context.Context, cfg *Config) error {
	if err := p.startAWS(ctx, cfg); err != nil {
		return err
	}
	obs := NewObserver(cfg.Hops)
	if err := p.buildConsole(ctx, cfg, obs); err != nil {
		return err
	}
	bus := Bus{Client: p.Clients.Events, Name: cfg.Topology.Bus}
	app := cfg.AppServer
	app.Logger = cmp.Or(app.Logger, cfg.Logger)
	var err error
	if p.AppServer, err = NewAppServer(app); err != nil {
		return err
	}
	p.parts = append(p.parts, p.AppServer)
	// The parts on the pipeline's store share one open store: one SQLite
	// writer whose group commits carry every part's transactions.
	if p.store, err = openStore(ctx, cfg.Store); err != nil {
		return err
	}
	if err := p.buildEdge(ctx, cfg, bus, obs); err != nil {
		return err
	}
	p.parts = append(p.parts, p.Edge)
	return p.buildStages(ctx, cfg, bus, obs)
}

// buildStages builds the three stages on the shared store, bus, queues'
// client and observer (where their configurations leave them zero).
func (p *Pipeline) buildStages(ctx context.Context, cfg *Config, bus Bus, obs *Observer) error {
	var err error
	c := cfg.Payment
	p.fillStage(cfg, &c.StageConfig, &c.Bus, bus, obs)
	if p.Payment, err = NewPayment(ctx, c); err != nil {
		return err
	}
	p.parts = append(p.parts, p.Payment)
	a := cfg.Accounts
	p.fillStage(cfg, &a.StageConfig, &a.Bus, bus, obs)
	if a.PublicKey == nil {
		a.PublicKey = cfg.LicensePush.PublicKey
	}
	if p.Accounts, err = NewAccounts(ctx, a); err != nil {
		return err
	}
	p.parts = append(p.parts, p.Accounts)
	l := cfg.LicensePush
	p.fillStage(cfg, &l.StageConfig, &l.Bus, bus, obs)
	if p.LicensePush, err = NewLicensePush(ctx, l); err != nil {
		return err
	}
	p.parts = append(p.parts, p.LicensePush)
	return nil
}

// startAWS starts localaws unless clients are given, and creates the
// topology.
func (p *Pipeline) startAWS(ctx context.Context, cfg *Config) error {
	if cfg.AWS != nil {
		p.Clients = *cfg.AWS
	} else {
		// Not a run context: localaws must outlive the consumers' drain;
		// Close closes it last.
		var srv *localaws.Server
		var err error
		// Its goroutines carry the profiler label part=localaws.
		pprof.Do(context.WithoutCancel(ctx), pprof.Labels("part", "localaws"), func(ctx context.Context) {
			srv, err = localaws.Start(ctx, localaws.Config{Addr: cfg.LocalAWS.Addr,
				DataDir: filepath.Join(cfg.DataDir, "localaws"), NoSync: cfg.LocalAWS.NoSync,
				// Every consumer of these queues lives and dies with this process.
				ReleaseInFlight: true,
				Logger:          cfg.Logger.With("part", "localaws")})
		})
		if err != nil {
			return fmt.Errorf("starting localaws: %w", err)
		}
		p.LocalAWS = srv
		if p.Clients, err = LocalClients(ctx, srv.URL()); err != nil {
			return err
		}
	}
	if _, err := infra.Apply(ctx, p.Clients.SQS, p.Clients.Events, *cfg.Topology); err != nil {
		return fmt.Errorf("creating the topology: %w", err)
	}
	return nil
}

// buildEdge builds both edges behind one edge API; sessions go to the
// demo app server unless the signup configuration names servers.
func (p *Pipeline) buildEdge(ctx context.Context, cfg *Config, bus Bus, obs *Observer) error {
	w := cfg.Webhook
	fillEdge(cfg, &w.EdgeConfig, bus)
	hook, err := NewWebhook(w)
	if err != nil {
		return err
	}
	s := cfg.Signup
	fillEdge(cfg, &s.EdgeConfig, bus)
	s.Store = cmp.Or(s.Store, cfg.Store)
	if s.Store == cfg.Store {
		s.db = p.store
	}
	if len(s.AppServers) == 0 {
		s.AppServers = []string{p.AppServer.Addr()}
	}
	sign, err := NewSignup(ctx, s)
	if err != nil {
		return errors.Join(err, hook.Close())
	}
	e := cfg.Edge
	if e.Observer == nil {
		e.Observer = obs
	}
	e.Extra = append(e.Extra, p.consoleRoutes()...)
	e.Logger = cmp.Or(e.Logger, cfg.Logger)
	p.Edge, err = NewEdgeServer(e, hook, sign)
	if err != nil {
		return errors.Join(err, hook.Close(), sign.Close())
	}
	return nil
}

// fillStage fills what a stage's configuration and its bus b left zero
// with what the pipeline shares.
func (p *Pipeline) fillStage(cfg *Config, c *StageConfig, b *Bus, bus Bus, obs *Observer) {
	fillBus(b, bus)
	c.Store = cmp.Or(c.Store, cfg.Store)
	if c.Store == cfg.Store {
		c.db = p.store
	}
	if c.Queue.Client == nil {
		c.Queue.Client = p.Clients.SQS
	}
	if c.Observer == nil {
		c.Observer = obs
	}
	c.Logger = cmp.Or(c.Logger, cfg.Logger)
}

// fillEdge fills what an edge's configuration left zero with what the
// pipeline shares.
func fillEdge(cfg *Config, c *EdgeConfig, bus Bus) {
	fillBus(&c.Bus, bus)
	c.Logger = cmp.Or(c.Logger, cfg.Logger)
}

func fillBus(b *Bus, shared Bus) {
	b.Client = cmp.Or(b.Client, shared.Client)
	b.Name = cmp.Or(b.Name, shared.Name)
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

// Close stops every part: the console ends its live pages and replays,
// the HTTP servers stop taking requests, the stages drain (running
// handlers finish, acknowledgements are flushed), then the parts' stores
// close and localaws closes last.
func (p *Pipeline) Close() error {
	var errs []error
	p.closeOnce.Do(func() {
		if p.Console != nil {
			errs = append(errs, p.Console.Close())
		}
		p.servers.stop()
		p.stages.stop()
		for _, part := range p.parts {
			errs = append(errs, part.Close())
		}
		if p.store != nil {
			errs = append(errs, p.store.Close())
		}
		if p.LocalAWS != nil {
			errs = append(errs, p.LocalAWS.Close())
		}
		errs = append(errs, p.Err())
	})
	return errors.Join(errs...)
}
