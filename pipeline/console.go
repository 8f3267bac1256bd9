package pipeline

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/ops/console"
	"github.com/licenseflow/licenseflow/ops/dlq"
)

// ConsoleConfig configures the operator's console (package console) that
// Start serves on the edge API's address, under /console.
type ConsoleConfig struct {
	// Off serves no console.
	Off bool
	// Token, when set, is required on every console route. Without one the
	// console is served only when the edge API listens on loopback.
	Token string
}

// ConsolePath is where the pipeline serves the console.
const ConsolePath = "/console"

// buildConsole builds the console on the pipeline's clients, metrics and
// hops, unless it is off or may not be served on the edge API's address
// (p.ConsoleOff says why).
func (p *Pipeline) buildConsole(ctx context.Context, cfg *Config, obs *Observer) error {
	if cfg.Console.Off {
		return nil
	}
	addr := cmp.Or(cfg.Edge.Addr, "127.0.0.1:8080")
	if err := console.CheckAddr(addr, cfg.Console.Token); err != nil {
		if errors.Is(err, console.ErrTokenRequired) {
			p.ConsoleOff = err
			return nil
		}
		return err
	}
	cc := console.Config{SQS: p.Clients.SQS, Events: p.Clients.Events, Bus: cfg.Topology.Bus, Token: cfg.Console.Token,
		Path: ConsolePath, Metrics: []console.MetricsSource{obs.Gatherer()}, Logger: cfg.Logger.With("part", "console")}
	if p.LocalAWS != nil {
		cc.SQSEndpoint, cc.EventsEndpoint = p.LocalAWS.URL(), p.LocalAWS.URL()
	} else {
		cc.SQSEndpoint = aws.ToString(p.Clients.SQS.Options().BaseEndpoint)
		cc.EventsEndpoint = aws.ToString(p.Clients.Events.Options().BaseEndpoint)
		cc.DLQ = dlq.Config{AllowMoveTask: cc.SQSEndpoint == ""}
	}
	c, err := console.New(ctx, cc)
	if err != nil {
		return err
	}
	p.Console = c
	obs.OnHop(func(h Hop) {
		ch := console.Hop{Stage: h.Stage, DetailType: h.DetailType, EventID: h.EventID, CompanyID: h.CompanyID,
			CorrelationID: cmp.Or(h.CorrelationID, events.DetailCorrelationID(h.Detail)), At: h.At}
		if h.Err != nil {
			ch.Err = h.Err.Error()
		}
		c.ObserveHop(ch)
	})
	return nil
}

// consoleRoutes are the console's routes on the edge API, if it is served.
func (p *Pipeline) consoleRoutes() []Route {
	if p.Console == nil {
		return nil
	}
	h := p.Console.Handler()
	return []Route{{Pattern: ConsolePath, Name: "console", Handler: h}, {Pattern: ConsolePath + "/", Name: "console", Handler: h}}
}

// ConsoleServerConfig configures the console served on an address of its
// own (`licenseflow console`). NewConsoleServer calls setDefaults.
type ConsoleServerConfig struct {
	// Addr is the address to listen on. Default 127.0.0.1:8081. Any
	// address other than loopback needs Console.Token.
	Addr string
	// Console is the console's configuration (clients, endpoints, bus,
	// token, metrics). Its Path defaults to /console.
	Console console.Config
}

func (c *ConsoleServerConfig) setDefaults() {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8081")
	c.Console.Path = cmp.Or(c.Console.Path, ConsolePath)
}

// NewConsoleServer serves the console alone: under Console.Path, with /
// leading there. It refuses an address other than loopback without a
// token (console.ErrTokenRequired). The server owns the console: stopping
// it ends the console's live pages first, and Close removes the console's
// temporary tail rule and queue.
func NewConsoleServer(ctx context.Context, cfg ConsoleServerConfig) (*Server, error) {
	cfg.setDefaults()
	if err := console.CheckAddr(cfg.Addr, cfg.Console.Token); err != nil {
		return nil, err
	}
	c, err := console.New(ctx, cfg.Console)
	if err != nil {
		return nil, err
	}
	p := c.Path()
	mux := http.NewServeMux()
	mux.Handle(p, c.Handler())
	mux.Handle(p+"/", c.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p, http.StatusFound) })
	s, err := listen("console", cfg.Addr, mux, cmp.Or(cfg.Console.Logger, slog.Default()))
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	// Shutdown waits for open responses: the live pages' streams end
	// when the console closes.
	s.srv.RegisterOnShutdown(func() { _ = c.Close() })
	s.closers = append(s.closers, c.Close)
	return s, nil
}
