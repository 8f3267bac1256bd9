package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/services/webhook"
)

type runFlags struct {
	demo, exitAfterDemo bool
	data, http, app     string
	store               string
	noSync              bool
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the whole pipeline in one process (localaws, store, every stage, edge API, demo app server)",
		Long: `run starts the whole pipeline in one process. Without AWS_ENDPOINT_URL (or
AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_EVENTBRIDGE) it starts localaws in process, with its
state under --data; with them it uses those endpoints. It creates the queues, DLQs, bus and
rules, then serves the edge API on --http and the demo application server on --appserver.
With --demo it drives one scripted flow end to end and prints every hop.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPipeline(cmd, f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.demo, "demo", false, "drive the scripted end-to-end flow once the pipeline serves")
	fl.BoolVar(&f.exitAfterDemo, "exit-after-demo", false, "exit after the demo instead of serving until interrupted")
	fl.StringVar(&f.data, "data", defaultDataDir, "directory for durable state (store, localaws, keys, app server)")
	fl.StringVar(&f.http, "http", "127.0.0.1:8080", "address of the edge HTTP API")
	fl.StringVar(&f.app, "appserver", "127.0.0.1:8090", "address of the demo application server")
	fl.StringVar(&f.store, "store", "", "store URL: sqlite:PATH or postgres://... (default $DATABASE_URL, else sqlite under --data)")
	fl.BoolVar(&f.noSync, "no-sync", false, "localaws skips fsync (survives a crash of the process, not a power loss)")
	return cmd
}

func runPipeline(cmd *cobra.Command, f runFlags) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if f.demo && !cmd.Flags().Changed("log-level") {
		// The demo prints every hop itself; keep the logs to what needs attention.
		_ = cmd.Flags().Set("log-level", "warn")
	}
	log := newLogger(cmd)
	if f.data == "" {
		return errors.New("--data must name a directory")
	}
	cfg, err := envConfig(ctx, pipeline.AllParts, f.data)
	if err != nil {
		return err
	}
	if f.store != "" {
		cfg.StoreURL = f.store
	}
	var hops chan pipeline.Hop
	if f.demo {
		hops = make(chan pipeline.Hop, 1024)
	}
	cfg.HTTPAddr, cfg.AppServerAddr, cfg.Hops, cfg.Logger = f.http, f.app, hops, log
	cfg.LocalAWS, cfg.LocalAWSNoSync, cfg.ApplyTopology = !pipeline.ExternalEndpoint(), f.noSync, true
	p, err := pipeline.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()

	if p.LocalAWS != nil {
		fmt.Fprintf(out, "localaws listening on %s (state in %s)\n", p.LocalAWS.URL(), f.data)
	} else {
		fmt.Fprintln(out, "using the AWS endpoints from the environment")
	}
	if os.Getenv("LICENSEFLOW_WEBHOOK_SECRET") == "" && os.Getenv("LICENSEFLOW_WEBHOOK_SECRET_ARN") == "" {
		fmt.Fprintf(out, "webhook secret (generated, kept in %s/keys; set LICENSEFLOW_WEBHOOK_SECRET to choose): %s\n",
			f.data, cfg.WebhookSecrets[0])
	}
	fmt.Fprintf(out, "edge API on %s, app server on %s, metrics on %s/metrics\n", p.EdgeURL, p.AppServerURL, p.EdgeURL)
	fmt.Fprintln(out, "licenseflow ready")

	if f.demo {
		demo := &pipeline.Demo{
			EdgeURL: p.EdgeURL, AppServerURL: p.AppServerURL, PublicKey: cfg.PublicKey, Hops: hops, Out: out,
			SignWebhook: func(payload []byte, t time.Time) string {
				return webhook.Sign(cfg.WebhookSecrets[0], payload, t)
			},
		}
		res, err := demo.Run(ctx)
		if err != nil {
			return fmt.Errorf("demo failed: %w", err)
		}
		if f.exitAfterDemo {
			return p.Close()
		}
		printManual(out, p, f.data, res.CompanyID)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "licenseflow: shutting down")
		return p.Close()
	case <-p.Done():
		return p.Err()
	}
}

func printManual(out io.Writer, p *pipeline.Pipeline, data, company string) {
	fmt.Fprintf(out, `
Drive it by hand (Ctrl-C stops):
  # a company with its admin
  curl -s -X POST %[1]s/v1/signup -H 'Content-Type: application/json' -d '{"company":{"name":"Initech"},"admin":{"email":"bill@initech.example","name":"Bill"}}'
  # a signed provider event (the signature helper reads the secret from --data)
  body='{"id":"evt_manual_1","object":"event","type":"customer.subscription.updated","created":'$(date +%%s)',"livemode":false,"data":{"object":{"id":"sub_manual","object":"subscription","customer":"cus_manual","status":"active","metadata":{"company_id":"%[3]s"},"items":{"object":"list","data":[{"id":"si_1","object":"subscription_item","quantity":50,"price":{"id":"price_1","object":"price","lookup_key":"enterprise_yearly"}}]}}}}'
  curl -s -X POST %[1]s/v1/webhooks/payments -H 'Content-Type: application/json' -H "Stripe-Signature: $(printf '%%s' "$body" | %[6]s webhook-sign --data %[4]s)" -d "$body"
  # the license the app server holds
  curl -s %[2]s/v1/licenses/%[3]s
  # dead-letter queues
  AWS_ENDPOINT_URL=%[5]s %[6]s dlq list
`, p.EdgeURL, p.AppServerURL, company, data, localURL(p), os.Args[0])
}

func localURL(p *pipeline.Pipeline) string {
	if p.LocalAWS != nil {
		return p.LocalAWS.URL()
	}
	return "$AWS_ENDPOINT_URL"
}

func newWebhookSignCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "webhook-sign",
		Short: "Print a Stripe-Signature header for the payload on standard input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := envConfig(cmd.Context(), []string{pipeline.PartEdge}, data)
			if err != nil {
				return err
			}
			payload, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 2<<20))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), webhook.Sign(cfg.WebhookSecrets[0], payload, time.Now()))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", defaultDataDir, "data directory holding the generated secret ($LICENSEFLOW_WEBHOOK_SECRET wins)")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range splitList(s) {
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("LICENSEFLOW_PUSH_ALLOWED_CIDRS: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
