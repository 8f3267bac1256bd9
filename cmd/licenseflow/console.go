package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/ops/console"
	"github.com/licenseflow/licenseflow/ops/dlq"
	"github.com/licenseflow/licenseflow/pipeline"
)

// consoleTokenVar names the console's token.
const consoleTokenVar = "LICENSEFLOW_CONSOLE_TOKEN"

type consoleFlags struct {
	addr     string
	metrics  []string
	tailRule bool
}

func newConsoleCmd() *cobra.Command {
	var f consoleFlags
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the operator's console (pipeline, queues, dead letters, live events) against the SDK's endpoints",
		Long: `console serves the operator's console in a browser, against whatever the AWS SDK
configuration points at: localaws, ElasticMQ (with localaws's EventBridge) or AWS (AWS_REGION,
the default credential chain, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS,
AWS_ENDPOINT_URL_EVENTBRIDGE; LICENSEFLOW_EVENT_BUS names the bus).

It listens on 127.0.0.1:8081 by default. On any address other than loopback it requires a token
in ` + consoleTokenVar + ` (at least 16 characters) and refuses to start without one; with the token
set, every page asks for it (once per browser session). It never shows a credential.

Where the endpoints are not localaws, the live tail creates a rule and a queue named
` + console.TailPrefix + `* on the bus and deletes them when the console stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e := newEnviron(os.Getenv, "")
			return servePart(cmd, "console", e, false, func(ctx context.Context, _ pipeline.Clients, log *slog.Logger) (pipeline.Part, error) {
				return consoleServer(ctx, cmd, e, f, log)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8081", "address to listen on (other than loopback: "+consoleTokenVar+" required)")
	fl.StringArrayVar(&f.metrics, "metrics", nil, "a /metrics URL of the pipeline (licenseflow run's, a stage's) for rates and lag (repeatable)")
	fl.BoolVar(&f.tailRule, "tail-rule", false, "tail the bus through a temporary rule and queue even on localaws")
	return cmd
}

// consoleServer builds the console's server from the environment.
func consoleServer(ctx context.Context, cmd *cobra.Command, e *environ, f consoleFlags, log *slog.Logger) (*pipeline.Server, error) {
	token := e.getenv(consoleTokenVar)
	if err := console.CheckAddr(f.addr, token); err != nil {
		if errors.Is(err, console.ErrTokenRequired) {
			return nil, fmt.Errorf("%w: set %s (at least %d characters), or listen on 127.0.0.1", err, consoleTokenVar, console.MinTokenLength)
		}
		return nil, err
	}
	var metrics []console.MetricsSource
	for _, u := range f.metrics {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("--metrics %q: want an http:// or https:// URL, e.g. http://127.0.0.1:8080/metrics", u)
		}
		metrics = append(metrics, console.Scrape(u))
	}
	clients, err := pipeline.NewClients(ctx, e.aws())
	if err != nil {
		return nil, err
	}
	cc := console.Config{SQS: clients.SQS, Events: clients.Events, Bus: e.bus(), Token: token, TailRule: f.tailRule, Logger: log, Metrics: metrics,
		SQSEndpoint:    aws.ToString(clients.SQS.Options().BaseEndpoint),
		EventsEndpoint: aws.ToString(clients.Events.Options().BaseEndpoint)}
	cc.DLQ = dlq.Config{AllowMoveTask: cc.SQSEndpoint == ""}
	srv, err := pipeline.NewConsoleServer(ctx, pipeline.ConsoleServerConfig{Addr: f.addr, Console: cc})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "console on %s%s\n", srv.URL(), pipeline.ConsolePath)
	return srv, nil
}
