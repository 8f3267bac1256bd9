package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/ops/console"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/plans"
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

// runConfig is every part's configuration from the flags and the
// environment; generated reports that the webhook secret came from --data.
func runConfig(ctx context.Context, e *environ, f runFlags) (cfg pipeline.Config, generated bool, err error) {
	// A bad plans file stops the start before anything is created.
	if _, _, err := e.plans(); err != nil {
		return cfg, false, err
	}
	cfg = pipeline.Config{DataDir: f.data, Store: f.store,
		Edge: pipeline.EdgeServerConfig{Addr: f.http}, AppServer: pipeline.AppServerConfig{Addr: f.app},
		Console: pipeline.ConsoleConfig{Token: e.getenv(consoleTokenVar)}}
	if e.externalEndpoint() {
		clients, err := pipeline.NewClients(ctx, e.aws())
		if err != nil {
			return cfg, false, err
		}
		cfg.AWS = &clients
	} else {
		cfg.LocalAWS.NoSync = f.noSync
	}
	t := infra.Default()
	if bus := e.bus(); bus != "" {
		t.Bus = bus
	}
	cfg.Topology = &t
	if cfg.Store == "" {
		if cfg.Store, err = e.store(ctx); err != nil {
			return cfg, false, err
		}
	}
	if cfg.Payment, err = paymentConfig(ctx, e); err != nil {
		return cfg, false, err
	}
	pub := cfg.Payment.SigningKey.Public().(ed25519.PublicKey)
	if e.getenv("LICENSEFLOW_LICENSE_PUBLIC_KEY") != "" {
		if pub, err = e.publicKey(); err != nil {
			return cfg, false, err
		}
	}
	cfg.AppServer.PublicKey = pub
	cfg.Accounts = accountsConfig(e, pub)
	if cfg.LicensePush, err = licensePushConfig(e, pub); err != nil {
		return cfg, false, err
	}
	if cfg.Signup, err = signupConfig(ctx, e); err != nil {
		return cfg, false, err
	}
	if cfg.Webhook, generated, err = webhookConfig(ctx, e); err != nil {
		return cfg, false, err
	}
	return cfg, generated, nil
}

func runPipeline(cmd *cobra.Command, f runFlags) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if f.demo && !cmd.Flags().Changed("log-level") {
		// The demo prints every hop itself; keep the logs to what needs attention.
		_ = cmd.Flags().Set("log-level", "warn")
	}
	if f.data == "" {
		return errors.New("--data must name a directory")
	}
	e := newEnviron(os.Getenv, f.data)
	cfg, generated, err := runConfig(ctx, e, f)
	if err != nil {
		return err
	}
	var hops chan pipeline.Hop
	if f.demo {
		hops = make(chan pipeline.Hop, 1024)
	}
	cfg.Hops, cfg.Logger = hops, newLogger(cmd)
	p, err := pipeline.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	_, plansSource, _ := e.plans() // read, and checked, by runConfig
	printPlans(out, cfg.Payment.Plans, plansSource)
	printReady(out, p, f.data, generated, cfg.Webhook.Secrets[0])
	if f.demo {
		if err := runDemo(ctx, out, p, cfg, hops, f); err != nil || f.exitAfterDemo {
			return errors.Join(err, p.Close())
		}
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "licenseflow: shutting down")
		return p.Close()
	case <-p.Done():
		return p.Err()
	}
}

// printPlans says which plans the pipeline licenses with.
func printPlans(out io.Writer, c plans.Catalogue, source string) {
	names := planNames(c)
	if source == "" {
		fmt.Fprintf(out, "plans: the built-in catalogue (%s); set %s to a plans file of your own\n",
			strings.Join(names, ", "), plansVar)
		return
	}
	fmt.Fprintf(out, "plans: %s of %s (%s) from %s\n", counted(len(c.Plans), "price"), counted(len(names), "plan"),
		strings.Join(names, ", "), source)
}

func printReady(out io.Writer, p *pipeline.Pipeline, data string, generated bool, secret string) {
	if p.LocalAWS != nil {
		fmt.Fprintf(out, "localaws listening on %s (state in %s)\n", p.LocalAWS.URL(), data)
	} else {
		fmt.Fprintln(out, "using the AWS endpoints from the environment")
	}
	if generated {
		fmt.Fprintf(out, "webhook secret (generated, kept in %s/keys; set LICENSEFLOW_WEBHOOK_SECRET to choose): %s\n",
			data, secret)
	}
	fmt.Fprintf(out, "edge API on %s, app server on %s, metrics on %s/metrics\n", p.Edge.URL(), p.AppServer.URL(), p.Edge.URL())
	switch {
	case p.Console != nil:
		fmt.Fprintf(out, "console on %s%s\n", p.Edge.URL(), pipeline.ConsolePath)
	case p.ConsoleOff != nil:
		fmt.Fprintf(out, "console not served: %v; set %s (at least %d characters) or serve --http on 127.0.0.1\n",
			p.ConsoleOff, consoleTokenVar, console.MinTokenLength)
	}
	fmt.Fprintf(out, "web application on %s/ (create an account at %s/signup)\n", p.Edge.URL(), p.Edge.URL())
	fmt.Fprintln(out, "licenseflow ready")
}

// runDemo drives the scripted flow and, unless the run ends after it,
// prints how to drive the pipeline by hand.
func runDemo(ctx context.Context, out io.Writer, p *pipeline.Pipeline, cfg pipeline.Config, hops chan pipeline.Hop, f runFlags) error {
	demo := &pipeline.Demo{
		EdgeURL: p.Edge.URL(), AppServerURL: p.AppServer.URL(), PublicKey: cfg.AppServer.PublicKey, Hops: hops, Out: out,
		LookupKey: lookupKeyOr(cfg.Payment.Plans, "team_monthly"),
		SignWebhook: func(payload []byte, t time.Time) string {
			return webhook.Sign(cfg.Webhook.Secrets[0], payload, t)
		},
	}
	res, err := demo.Run(ctx)
	if err != nil {
		return fmt.Errorf("demo failed: %w", err)
	}
	if !f.exitAfterDemo {
		printManual(out, p, f.data, res.CompanyID, lookupKeyOr(cfg.Payment.Plans, "enterprise_yearly"))
	}
	return nil
}

// lookupKeyOr is the price the demo and the printed example buy: key when
// the plans have it (the built-in ones do), else their first lookup key.
func lookupKeyOr(c plans.Catalogue, key string) string {
	if _, ok := c.Lookup(key); ok || c.IsZero() {
		return key
	}
	return c.Keys()[0]
}

func printManual(out io.Writer, p *pipeline.Pipeline, data, company, lookupKey string) {
	fmt.Fprintf(out, `
Drive it by hand (Ctrl-C stops):
  # a company with its admin
  curl -s -X POST %[1]s/v1/signup -H 'Content-Type: application/json' -d '{"company":{"name":"Initech"},"admin":{"email":"bill@initech.example","name":"Bill"}}'
  # a signed provider event (the signature helper reads the secret from --data)
  body='{"id":"evt_manual_1","object":"event","type":"customer.subscription.updated","created":'$(date +%%s)',"livemode":false,"data":{"object":{"id":"sub_manual","object":"subscription","customer":"cus_manual","status":"active","metadata":{"company_id":"%[3]s"},"items":{"object":"list","data":[{"id":"si_1","object":"subscription_item","quantity":50,"price":{"id":"price_1","object":"price","lookup_key":"%[7]s"}}]}}}}'
  curl -s -X POST %[1]s/v1/webhooks/payments -H 'Content-Type: application/json' -H "Stripe-Signature: $(printf '%%s' "$body" | %[6]s webhook-sign --data %[4]s)" -d "$body"
  # the license the app server holds
  curl -s %[2]s/v1/licenses/%[3]s
  # dead-letter queues
  AWS_ENDPOINT_URL=%[5]s %[6]s dlq list
`, p.Edge.URL(), p.AppServer.URL(), company, data, localURL(p), os.Args[0], lookupKey)
}

func localURL(p *pipeline.Pipeline) string {
	if p.LocalAWS != nil {
		return p.LocalAWS.URL()
	}
	return "$AWS_ENDPOINT_URL"
}

func newWebhookSignCmd() *cobra.Command {
	return withEnviron(&cobra.Command{
		Use:   "webhook-sign",
		Short: "Print a Stripe-Signature header for the payload on standard input",
		Args:  cobra.NoArgs,
	}, "data directory holding the generated secret ($LICENSEFLOW_WEBHOOK_SECRET wins)", func(cmd *cobra.Command, _ []string, e *environ) error {
		// It signs with the secret the pipeline checks: one it would
		// generate here no running pipeline knows.
		e.keys.readOnly = true
		secrets, _, err := e.webhookSecrets(cmd.Context())
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no webhook secret: set LICENSEFLOW_WEBHOOK_SECRET, or pass --data of the run that generated one (%s has none)",
				filepath.Join(e.data, "keys"))
		}
		if err != nil {
			return err
		}
		payload, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 2<<20))
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), webhook.Sign(secrets[0], payload, time.Now()))
		return nil
	})
}
