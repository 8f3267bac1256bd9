package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/pipeline"
)

// servePart runs some parts of the pipeline as a long-running process
// against the endpoints of the SDK's environment (or a local default).
func servePart(cmd *cobra.Command, parts []string, data, httpAddr, appAddr string) error {
	ctx := cmd.Context()
	cfg, err := envConfig(ctx, parts, data)
	if err != nil {
		return err
	}
	cfg.Logger = newLogger(cmd)
	cfg.HTTPAddr, cfg.AppServerAddr = httpAddr, appAddr
	if !pipeline.ExternalEndpoint() && (len(parts) != 1 || parts[0] != pipeline.PartAppServer) {
		return fmt.Errorf("set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:4566 of `licenseflow localaws`) or run on AWS")
	}
	p, err := pipeline.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(cmd.OutOrStdout(), "licenseflow %s ready\n", strings.Join(parts, "+"))
	select {
	case <-ctx.Done():
		return p.Close()
	case <-p.Done():
		return p.Err()
	}
}

func newStageCmd() *cobra.Command {
	var data, httpAddr string
	cmd := &cobra.Command{
		Use:       "stage NAME",
		Short:     "Run one stage as a long-running poller: payment, accounts, licensepush, or edge (the HTTP API)",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{pipeline.PartPayment, pipeline.PartAccounts, pipeline.PartLicensePush, pipeline.PartEdge},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case pipeline.PartPayment, pipeline.PartAccounts, pipeline.PartLicensePush, pipeline.PartEdge:
			default:
				return fmt.Errorf("unknown stage %q: want payment, accounts, licensepush or edge", args[0])
			}
			return servePart(cmd, []string{args[0]}, data, httpAddr, "")
		},
	}
	cmd.Flags().StringVar(&data, "data", defaultDataDir, "directory for the default SQLite store and generated keys")
	cmd.Flags().StringVar(&httpAddr, "http", "127.0.0.1:8080", "address of the edge HTTP API (stage edge)")
	return cmd
}

func newLicensePushCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "licensepush",
		Short: "The in-VPC license-push poller: polls its queue, delivers to app servers; opens no port",
		Long: `licensepush polls the license-push queue (through the SQS interface endpoint on AWS) and
delivers verified licenses to application servers inside LICENSEFLOW_PUSH_ALLOWED_CIDRS. It
listens on no port.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return servePart(cmd, []string{pipeline.PartLicensePush}, data, "", "")
		},
	}
	cmd.Flags().StringVar(&data, "data", defaultDataDir, "directory for the default SQLite store and keys")
	return cmd
}

func newAppServerCmd() *cobra.Command {
	var data, addr string
	cmd := &cobra.Command{
		Use:   "appserver",
		Short: "The demo application server: accepts verified license deliveries, serves GET /v1/licenses/{company}",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return servePart(cmd, []string{pipeline.PartAppServer}, data, "", addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on")
	cmd.Flags().StringVar(&data, "data", defaultDataDir, "directory for held licenses and keys")
	return cmd
}
