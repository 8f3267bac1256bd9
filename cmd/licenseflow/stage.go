package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/pipeline"
)

// servePart runs one part as a long-running process until interrupted.
// Parts that talk to SQS and EventBridge use the endpoints of the SDK's
// environment and refuse to start without one off AWS.
func servePart(cmd *cobra.Command, name string, e *environ, needsAWS bool,
	build func(ctx context.Context, c pipeline.Clients, log *slog.Logger) (pipeline.Part, error)) error {
	ctx := cmd.Context()
	if needsAWS && !e.externalEndpoint() && !e.onAWS() {
		return errors.New("set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:4566 of `licenseflow localaws`) or run on AWS")
	}
	var clients pipeline.Clients
	if needsAWS {
		var err error
		if clients, err = pipeline.NewClients(ctx, e.aws()); err != nil {
			return err
		}
	}
	part, err := build(ctx, clients, newLogger(cmd))
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "licenseflow %s ready\n", name)
	return errors.Join(part.Run(ctx), part.Close())
}

func newStageCmd() *cobra.Command {
	var httpAddr string
	stages := []string{pipeline.StagePayment, pipeline.StageAccounts, pipeline.StageLicensePush}
	cmd := withEnviron(&cobra.Command{
		Use:       "stage NAME",
		Short:     "Run one stage as a long-running poller: payment, accounts, licensepush, or edge (the HTTP API)",
		Args:      cobra.ExactArgs(1),
		ValidArgs: append(stages, "edge"),
	}, "directory for the default SQLite store and generated keys",
		func(cmd *cobra.Command, args []string, e *environ) error {
			name := args[0]
			if name == pipeline.StagePayment || name == "edge" {
				// A bad plans file stops the start before any key is generated.
				if _, _, err := e.plans(); err != nil {
					return err
				}
			}
			switch name {
			case pipeline.StagePayment, pipeline.StageAccounts, pipeline.StageLicensePush:
				return servePart(cmd, name, e, true, func(ctx context.Context, c pipeline.Clients, log *slog.Logger) (pipeline.Part, error) {
					return buildStage(ctx, name, e, c, log)
				})
			case "edge":
				return servePart(cmd, name, e, true, func(ctx context.Context, c pipeline.Clients, log *slog.Logger) (pipeline.Part, error) {
					return edgeServer(ctx, e, c, httpAddr, log)
				})
			}
			return fmt.Errorf("unknown stage %q: want payment, accounts, licensepush or edge", name)
		})
	cmd.Flags().StringVar(&httpAddr, "http", "127.0.0.1:8080", "address of the edge HTTP API (stage edge)")
	return cmd
}

// edgeServer is the edge HTTP API: both edges on one address.
func edgeServer(ctx context.Context, e *environ, c pipeline.Clients, addr string, log *slog.Logger) (*pipeline.Server, error) {
	hook, err := buildEdge(ctx, "webhook", e, c, log)
	if err != nil {
		return nil, err
	}
	sign, err := buildEdge(ctx, "signup", e, c, log)
	if err != nil {
		return nil, errors.Join(err, hook.Close())
	}
	srv, err := pipeline.NewEdgeServer(pipeline.EdgeServerConfig{Addr: addr, Logger: log}, hook, sign)
	if err != nil {
		return nil, errors.Join(err, hook.Close(), sign.Close())
	}
	return srv, nil
}

func newLicensePushCmd() *cobra.Command {
	return withEnviron(&cobra.Command{
		Use:   "licensepush",
		Short: "The in-VPC license-push poller: polls its queue, delivers to app servers; opens no port",
		Long: `licensepush polls the license-push queue (through the SQS interface endpoint on AWS) and
delivers verified licenses to application servers inside LICENSEFLOW_PUSH_ALLOWED_CIDRS. It
listens on no port.`,
		Args: cobra.NoArgs,
	}, "directory for the default SQLite store and keys", func(cmd *cobra.Command, _ []string, e *environ) error {
		return servePart(cmd, pipeline.StageLicensePush, e, true, func(ctx context.Context, c pipeline.Clients, log *slog.Logger) (pipeline.Part, error) {
			return buildStage(ctx, pipeline.StageLicensePush, e, c, log)
		})
	})
}

func newAppServerCmd() *cobra.Command {
	var addr string
	cmd := withEnviron(&cobra.Command{
		Use:   "appserver",
		Short: "The demo application server: accepts verified license deliveries, serves GET /v1/licenses/{company}",
		Args:  cobra.NoArgs,
	}, "directory for held licenses and keys", func(cmd *cobra.Command, _ []string, e *environ) error {
		return servePart(cmd, "appserver", e, false, func(_ context.Context, _ pipeline.Clients, log *slog.Logger) (pipeline.Part, error) {
			pub, err := e.publicKey()
			if err != nil {
				return nil, err
			}
			return pipeline.NewAppServer(pipeline.AppServerConfig{Addr: addr, Dir: filepath.Join(e.data, "appserver"),
				PublicKey: pub, Logger: log})
		})
	})
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on")
	return cmd
}
