package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/services/stage"
)

// StageConfig is what every stage is built on: its store, the queue it
// consumes, its observer and its logger.
type StageConfig struct {
	// Store is the store URL: "sqlite:PATH" or a postgres:// URL. Required.
	Store string
	// Queue is the queue Run consumes. Its name defaults to the stage's
	// queue of the default topology.
	Queue Queue
	// Observer sees every handled event. Default one of its own.
	Observer *Observer
	// Logger. Default slog.Default().
	Logger *slog.Logger

	// db, when set, is the open store at Store, shared with other parts
	// of the process and closed by its owner, not by the stage.
	db *sqlstore.DB
}

func (c *StageConfig) setDefaults(queue string) {
	c.Queue.Name = cmp.Or(c.Queue.Name, queue)
	if c.Observer == nil { // built only when needed: each has a registry
		c.Observer = NewObserver(nil)
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

func (c *StageConfig) validate(stage string) error {
	if c.Store == "" {
		return fmt.Errorf("%s: a store is required", stage)
	}
	return nil
}

// EdgeConfig is what every edge is built on: the bus it publishes to and
// its logger.
type EdgeConfig struct {
	// Bus receives the edge's events. Required.
	Bus Bus
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *EdgeConfig) setDefaults() {
	c.Bus.setDefaults()
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// stageDeps is what buildStage hands a stage's constructor: the open
// store, a publisher on the stage's bus, the stage's logger, and a way to
// run work beside the consumer, all released by the Stage's Close.
type stageDeps struct {
	db    *sqlstore.DB
	pub   events.Publisher
	log   *slog.Logger
	stage *Stage
}

// deps is what every stage's Config embeds.
func (d *stageDeps) deps() stage.Deps {
	return stage.Deps{DB: d.db, Publisher: d.pub, Logger: d.log}
}

func (d *stageDeps) background(fn func(context.Context) error) {
	d.stage.background = append(d.stage.background, fn)
}

// stageSpec is a stage's own configuration (PaymentConfig, ...): its
// defaults and checks, and the StageConfig and Bus it is built on.
type stageSpec interface {
	setDefaults()
	Validate() error
	base() (StageConfig, Bus)
}

// buildStage fills in spec's defaults and checks it, then opens the store
// and a publisher on its bus and builds the named stage around the handler
// build returns; on failure it releases what it opened.
func buildStage(ctx context.Context, name string, spec stageSpec, build func(*stageDeps) (events.Handler, error)) (*Stage, error) {
	spec.setDefaults()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cfg, bus := spec.base()
	log := cfg.Logger.With("part", name)
	s := &Stage{name: name, queue: cfg.Queue, log: log}
	db := cfg.db
	if db == nil {
		var err error
		if db, err = openStore(ctx, cfg.Store); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.closers = append(s.closers, db.Close)
	}
	pub, closePub, err := bus.Publisher(log)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s stage: %w", name, err), s.Close())
	}
	s.closers = append(s.closers, closePub)
	h, err := build(&stageDeps{db: db, pub: pub, log: log, stage: s})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s stage: %w", name, err), s.Close())
	}
	s.handler = cfg.Observer.Stage(name, h)
	return s, nil
}

// service is what a stage's service offers: its handler.
type service interface {
	Handle(ctx context.Context, e events.Envelope) error
}

// handler is the Handle method of a stage's service just built, or the
// error that building it returned.
func handler(s service, err error) (events.Handler, error) {
	if err != nil {
		return nil, err
	}
	return s.Handle, nil
}
