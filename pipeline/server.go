package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an HTTP part: it listens when built, so its URL is known
// before Run, and serves until Run's context ends.
type Server struct {
	name    string
	ln      net.Listener
	srv     *http.Server
	closers []func() error
	// background runs beside serving while Run runs (its edges' work).
	background []func(context.Context) error
	served     atomic.Bool
	once       sync.Once
	err        error
}

// listen binds addr and returns a Server for h.
func listen(name, addr string, h http.Handler, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return &Server{name: name, ln: ln, srv: srv}, nil
}

// Name is the server's name ("edge API", "app server").
func (s *Server) Name() string { return s.name }

// URL is the server's base URL, e.g. "http://127.0.0.1:8080".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Handler is what the server serves.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// Run serves until ctx ends, then stops taking requests and lets running
// ones finish (for up to 10 s); the edges' background work (the signup
// edge's outbox flush) runs beside it. It returns nil after a stop caused
// by ctx.
func (s *Server) Run(ctx context.Context) error {
	if s.served.Swap(true) {
		return fmt.Errorf("%s: Run called twice", s.name)
	}
	return runTogether(ctx, append([]func(context.Context) error{s.serve}, s.background...))
}

// serve serves until ctx ends, then shuts the server down.
func (s *Server) serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(s.ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("%s: %w", s.name, err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(stop)
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

// Close closes the listener if Run never served it, and what the server
// owns (the edges it serves). It is safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		var errs []error
		if s.served.Swap(true) {
			errs = append(errs, s.srv.Close())
		} else {
			errs = append(errs, s.ln.Close())
		}
		for _, c := range s.closers {
			errs = append(errs, c())
		}
		s.err = errors.Join(errs...)
	})
	return s.err
}

// EdgeServerConfig configures the edge HTTP API. NewEdgeServer calls
// setDefaults and Validate.
type EdgeServerConfig struct {
	// Addr is the address to listen on. Default 127.0.0.1:8080.
	Addr string
	// Observer counts requests and serves GET /metrics. Default one of
	// its own.
	Observer *Observer
	// Extra are routes served beside the edges' (the console's).
	Extra []Route
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *EdgeServerConfig) setDefaults() {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8080")
	if c.Observer == nil { // built only when needed: each has a registry
		c.Observer = NewObserver(nil)
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c *EdgeServerConfig) Validate() error { return nil }

// NewEdgeServer serves the edges' routes on one address, with GET
// /metrics and GET /healthz. The server owns the edges: its Run runs
// their background work, its Close closes them.
func NewEdgeServer(cfg EdgeServerConfig, edges ...*Edge) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(edges) == 0 {
		return nil, errors.New("edge API: no edge to serve")
	}
	mux := http.NewServeMux()
	routes := cfg.Extra
	for _, e := range edges {
		routes = append(routes, e.Routes()...)
	}
	for _, r := range routes {
		mux.Handle(r.Pattern, cfg.Observer.Route(r.Name, r.Handler))
	}
	mux.Handle("GET /metrics", cfg.Observer.Metrics())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	s, err := listen("edge API", cfg.Addr, mux, cfg.Logger)
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		s.closers = append(s.closers, e.Close)
		s.background = append(s.background, e.background...)
	}
	return s, nil
}
