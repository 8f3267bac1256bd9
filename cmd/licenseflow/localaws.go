package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/pipeline"
)

// defaultDataDir is where state lives unless --data says otherwise.
const defaultDataDir = ".licenseflow"

func newLocalAWSCmd() *cobra.Command {
	var (
		cfg        localaws.Config
		dataSet    bool
		topology   string
		clockSpeed float64
	)
	cmd := &cobra.Command{
		Use:   "localaws",
		Short: "Serve SQS and EventBridge on one port, durably, to SDKs old and new",
		Long: `localaws serves the SQS (AWS JSON 1.0, and the query protocol of SDKs from before
late 2023) and EventBridge (AWS JSON 1.1) APIs on one port. Point any AWS SDK or the aws CLI at
it with AWS_ENDPOINT_URL (--endpoint-url for clients too old to read it) and any static
credentials.
State is durable in --data (what a send or PutEvents acknowledged survives kill -9);
--data "" keeps everything in memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dataSet {
				cfg.DataDir = filepath.Join(defaultDataDir, "localaws")
			}
			cfg.Logger = newLogger(cmd)
			if clockSpeed < 1 {
				return fmt.Errorf("--clock-speed %v: must be 1 or more", clockSpeed)
			}
			cfg.Clock = clock.Scaled(clockSpeed)
			srv, err := localaws.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if topology != "" {
				if err := applyTopology(cmd.Context(), srv, cfg.SQSEndpoint, topology); err != nil {
					srv.Close()
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "localaws listening on %s\n", srv.URL())
			<-srv.Done()
			return srv.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:4566", "address to listen on")
	f.StringVar(&cfg.DataDir, "data", "", `directory for durable state (default "`+filepath.Join(defaultDataDir, "localaws")+`"; "" = in memory)`)
	f.StringVar(&cfg.Region, "region", "us-east-1", "region used in ARNs")
	f.StringVar(&cfg.AccountID, "account", "000000000000", "account id used in ARNs and queue URLs")
	f.StringVar(&cfg.SQSEndpoint, "sqs-endpoint", "", "deliver EventBridge targets to the SQS of this endpoint (e.g. ElasticMQ) instead of our own")
	f.StringVar(&topology, "topology", "", `create the queues, DLQs, bus and rules of this SAM template ("embedded" = the built-in infra/template.yaml)`)
	f.BoolVar(&cfg.NoSync, "no-sync", false, "skip fsync: survive a process crash but not a power loss")
	f.Float64Var(&clockSpeed, "clock-speed", 1, "run EventBridge's clock (event times, schedules, retries, archive retention) this many times faster than real time, e.g. 60 to see rate(1 hour) fire every minute")
	cmd.PreRun = func(cmd *cobra.Command, _ []string) { dataSet = cmd.Flags().Changed("data") }
	return cmd
}

// applyTopology creates the template's topology on the running endpoint
// (its SQS part on sqsEndpoint when that is set).
func applyTopology(ctx context.Context, srv *localaws.Server, sqsEndpoint, path string) error {
	_, top, err := loadTopology(path, infra.Options{})
	if err != nil {
		return err
	}
	clients, err := pipeline.LocalClients(ctx, srv.URL())
	if err != nil {
		return err
	}
	queues := clients.SQS
	if sqsEndpoint != "" {
		ext, err := pipeline.LocalClients(ctx, sqsEndpoint)
		if err != nil {
			return err
		}
		queues = ext.SQS
	}
	if _, err := infra.Apply(ctx, queues, clients.Events, top); err != nil {
		return fmt.Errorf("creating topology: %w", err)
	}
	return nil
}
