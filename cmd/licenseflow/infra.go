package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/infra"
)

// newInfraCmd is "licenseflow infra": the template's posture checks and
// what local runs derive from it.
func newInfraCmd() *cobra.Command {
	var (
		path   string
		params []string
		opts   infra.Options
	)
	load := func() (*infra.Template, error) {
		if err := parseParameters(params, &opts); err != nil {
			return nil, err
		}
		return loadTemplate(path, opts)
	}
	// derived is a subcommand that prints what print derives from the
	// template and its topology.
	derived := func(use, short string, print func(w io.Writer, t *infra.Template, top infra.Topology) error) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := parseParameters(params, &opts); err != nil {
					return err
				}
				t, top, err := loadTopology(path, opts)
				if err != nil {
					return err
				}
				return print(cmd.OutOrStdout(), t, top)
			},
		}
	}
	cmd := &cobra.Command{
		Use:   "infra",
		Short: "Check the AWS template's security posture and derive local configuration from it",
		Long: `The AWS SAM template (infra/template.yaml, carried by this binary) is the single source
of the topology: bus, rules, queues and dead-letter queues. These commands check its
security posture and generate what local runs need from it.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&path, "template", "", "template to read (default: the embedded infra/template.yaml)")
	pf.StringVar(&opts.StackName, "stack-name", infra.DefaultStackName, "AWS::StackName to resolve the template with")
	pf.StringVar(&opts.Region, "region", "us-east-1", "AWS::Region to resolve the template with")
	pf.StringVar(&opts.AccountID, "account", "000000000000", "AWS::AccountId to resolve the template with")
	pf.StringArrayVar(&params, "parameter", nil, "NAME=VALUE: a template parameter's value instead of its default, as deployed (repeatable), e.g. Plans=\"$(licenseflow plans check --json plans.yaml)\"")

	check := &cobra.Command{
		Use:   "check",
		Short: "Check the template's security posture; exit non-zero when a rule fails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := load()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			failedRules := 0
			for _, r := range infra.CheckPosture(t, infra.PostureConfig{LambdaEntries: lambdaEntries, PlansEntries: plansEntries}) {
				status := "PASS"
				if !r.Passed() {
					status = "FAIL"
					failedRules++
				}
				fmt.Fprintf(out, "%s  %-24s %s\n", status, r.ID, r.Title)
				for _, p := range r.Problems {
					fmt.Fprintf(out, "      - %s\n", p)
				}
			}
			if failedRules > 0 {
				return fmt.Errorf("posture: %d of %d rules failed", failedRules, len(infra.Checks()))
			}
			fmt.Fprintf(out, "all %d rules pass\n", len(infra.Checks()))
			return nil
		},
	}
	elasticmq := derived("elasticmq-conf", "Print the ElasticMQ configuration (queues and DLQs) generated from the template",
		func(w io.Writer, t *infra.Template, top infra.Topology) error {
			_, err := fmt.Fprint(w, infra.ElasticMQConfig(top, t.Options.Region, t.Options.AccountID))
			return err
		})
	topology := derived("topology", "Print the topology (bus, queues, rules, targets) derived from the template, as JSON",
		func(w io.Writer, _ *infra.Template, top infra.Topology) error { return writeJSON(w, top) })
	cmd.AddCommand(check, elasticmq, topology)
	return cmd
}

// parseParameters puts the NAME=VALUE pairs into opts.Parameters.
func parseParameters(pairs []string, opts *infra.Options) error {
	for _, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return fmt.Errorf("--parameter %q: want NAME=VALUE", p)
		}
		if opts.Parameters == nil {
			opts.Parameters = map[string]string{}
		}
		opts.Parameters[name] = value
	}
	return nil
}

// loadTemplate reads the template at path ("" or "embedded": the one this
// binary carries) and resolves it with opts.
func loadTemplate(path string, opts infra.Options) (*infra.Template, error) {
	if path == "" || path == "embedded" {
		return infra.LoadEmbedded(opts)
	}
	t, err := infra.Load(path)
	if err != nil {
		return nil, err
	}
	return t.WithOptions(opts)
}

// loadTopology is loadTemplate and the topology derived from it.
func loadTopology(path string, opts infra.Options) (*infra.Template, infra.Topology, error) {
	t, err := loadTemplate(path, opts)
	if err != nil {
		return nil, infra.Topology{}, fmt.Errorf("loading template: %w", err)
	}
	top, err := infra.TopologyFromTemplate(t, "")
	if err != nil {
		return nil, infra.Topology{}, fmt.Errorf("topology: %w", err)
	}
	return t, top, nil
}
