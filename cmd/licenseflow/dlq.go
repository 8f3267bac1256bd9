package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/licenseflow/licenseflow/ops/dlq"
	"github.com/licenseflow/licenseflow/pipeline"
)

// operatorFlags are the flags every subcommand of an operator command (dlq,
// events) shares: the endpoint of its service, the region and the output
// format.
type operatorFlags struct {
	endpoint string
	region   string
	output   string
	// service names the endpoint in --endpoint-url's usage; serviceVar is
	// its own endpoint variable (AWS_ENDPOINT_URL_SQS, ...).
	service, serviceVar string
}

// command gives cmd, an operator command, the flags f holds.
func (f *operatorFlags) command(cmd *cobra.Command) *cobra.Command {
	p := cmd.PersistentFlags()
	p.StringVar(&f.endpoint, "endpoint-url", "", f.service+" endpoint (default from "+f.serviceVar+" / AWS_ENDPOINT_URL; unset means AWS)")
	p.StringVar(&f.region, "region", "", "AWS region (default from AWS_REGION / the shared config)")
	p.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	return cmd
}

// clients checks --output and builds the SDK clients from the
// environment and the flags, with the same SDK configuration as every
// other command: against a local endpoint named without credentials,
// static local ones, so the credential chain never reaches for the
// instance-metadata address. onAWS reports that no endpoint override is in
// effect.
func (f *operatorFlags) clients(cmd *cobra.Command) (c pipeline.Clients, onAWS bool, err error) {
	if f.output != "text" && f.output != "json" {
		return c, false, fmt.Errorf("--output %q: want text or json", f.output)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, onAWS := newEnviron(os.Getenv, "").operatorAWS(f.endpoint, f.region, f.serviceVar)
	c, err = pipeline.NewClients(ctx, cfg)
	return c, onAWS, err
}

// dlqFlags are the flags every dlq subcommand shares.
type dlqFlags struct{ operatorFlags }

func newDLQCmd() *cobra.Command {
	f := &dlqFlags{operatorFlags{service: "SQS", serviceVar: "AWS_ENDPOINT_URL_SQS"}}
	cmd := f.command(&cobra.Command{
		Use:   "dlq",
		Short: "List, show, replay and purge SQS dead-letter queues",
		Long: `dlq inspects and replays dead-letter queues on localaws, ElasticMQ or AWS. It uses the
AWS SDK configuration: AWS_REGION, the default credential chain, AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_SQS; --endpoint-url and --region override them. With an endpoint set and no
credentials anywhere, static dummy credentials are used (local endpoints do not check them).

Progress goes to stderr (a bar with rate and ETA on a terminal, one line per message
otherwise); results and the summary go to stdout, as JSON with --output json. The exit code is
non-zero when anything failed.`,
	})
	cmd.AddCommand(newDLQListCmd(f), newDLQShowCmd(f), newDLQReplayCmd(f), newDLQPurgeCmd(f))
	return cmd
}

func newDLQListCmd(f *dlqFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every queue that is some queue's dead-letter queue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tool, err := f.tool(cmd, nil)
			if err != nil {
				return err
			}
			infos, err := tool.List(cmd.Context())
			if err != nil {
				return err
			}
			return table[dlq.QueueInfo]{key: "queues", noun: "dead-letter queues", header: "NAME\tSOURCES\tMESSAGES\tIN FLIGHT\tOLDEST",
				row: func(q dlq.QueueInfo) string {
					return fmt.Sprintf("%s\t%s\t%d\t%d\t%s", q.Name, strings.Join(q.Sources, ","), q.Messages, q.InFlight, dlq.FormatAge(q.OldestAge))
				}}.print(cmd.OutOrStdout(), f.output, infos)
		},
	}
}

func newDLQShowCmd(f *dlqFlags) *cobra.Command {
	var queue string
	var max int
	cmd := &cobra.Command{
		Use:   "show --queue Q [--max N]",
		Short: "Print a dead-letter queue's messages without consuming them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.operate(cmd, nil, "showing", func(tool *dlq.Tool, obs dlq.Observer) (any, []dlq.Message, dlq.Summary, error) {
				msgs, sum, err := tool.Show(cmd.Context(), queue, max, obs)
				return map[string]any{"messages": msgs, "summary": sum}, msgs, sum, err
			})
		},
	}
	cmd.Flags().StringVar(&queue, "queue", "", "dead-letter queue: name, URL or ARN (required)")
	cmd.Flags().IntVar(&max, "max", 10, "most messages to show")
	_ = cmd.MarkFlagRequired("queue")
	return cmd
}

func newDLQReplayCmd(f *dlqFlags) *cobra.Command {
	var (
		opts        dlq.ReplayOptions
		filters     []string
		concurrency int
		visibility  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "replay --queue Q [--to QUEUE] [--filter KEY=VALUE ...] [--max N] [--rate PER_SECOND] [--dry-run]",
		Short: "Move a dead-letter queue's messages back to their source queue (or --to)",
		Long: `replay moves messages back, unchanged (body, message attributes, FIFO group and
deduplication ids). A message is deleted from the dead-letter queue only after its copy was
accepted, so a replay killed at any moment loses nothing (the batch in flight may arrive twice).
Filters: detail-type=..., source=... (EventBridge envelopes) or ATTRIBUTE=VALUE (message
attributes); all must match. Messages that do not match stay, visible again when the replay ends.
On AWS (no endpoint set), a replay with no filter, no --max and no --dry-run is done by SQS
itself with StartMessageMoveTask; the output says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range filters {
				flt, err := dlq.ParseFilter(s)
				if err != nil {
					return err
				}
				opts.Filters = append(opts.Filters, flt)
			}
			// Bad options are refused before anything is asked or printed,
			// not with an empty summary ahead of the error.
			if err := opts.Validate(); err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			verb := "replaying"
			if opts.DryRun {
				verb = "dry run"
			}
			tune := func(c *dlq.Config) { c.Concurrency, c.HoldVisibility = concurrency, visibility }
			return f.operate(cmd, tune, verb, func(tool *dlq.Tool, obs dlq.Observer) (any, []dlq.Message, dlq.Summary, error) {
				sum, err := tool.Replay(cmd.Context(), opts, obs)
				return sum, nil, sum, err
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Queue, "queue", "", "dead-letter queue: name, URL or ARN (required)")
	fl.StringVar(&opts.To, "to", "", "destination queue (default: the source queue)")
	fl.StringArrayVar(&filters, "filter", nil, "KEY=VALUE a message must match (repeatable)")
	fl.IntVar(&opts.Max, "max", 0, "most messages to move (0 = all)")
	fl.Float64Var(&opts.Rate, "rate", 0, "most messages moved per second (0 = no limit)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "move nothing; say what would move")
	fl.IntVar(&concurrency, "concurrency", dlq.DefaultConcurrency,
		fmt.Sprintf("parallel receive/copy/delete loops; 0 means the default (%d)", dlq.DefaultConcurrency))
	fl.DurationVar(&visibility, "visibility", 2*time.Minute, "how long messages being replayed stay hidden; a killed replay's messages reappear after it")
	_ = cmd.MarkFlagRequired("queue")
	return cmd
}

func newDLQPurgeCmd(f *dlqFlags) *cobra.Command {
	var queue string
	var yes bool
	cmd := &cobra.Command{
		Use:   "purge --queue Q --yes",
		Short: "Delete every message of a dead-letter queue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !yes {
				return errors.New("purge deletes every message of " + queue + " for good: add --yes")
			}
			return f.operate(cmd, nil, "purging", func(tool *dlq.Tool, obs dlq.Observer) (any, []dlq.Message, dlq.Summary, error) {
				sum, err := tool.Purge(cmd.Context(), queue, obs)
				return sum, nil, sum, err
			})
		},
	}
	cmd.Flags().StringVar(&queue, "queue", "", "queue: name, URL or ARN (required)")
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete every message")
	_ = cmd.MarkFlagRequired("queue")
	return cmd
}

// tool builds the dlq.Tool from the SDK configuration and the flags (mod,
// when set, adjusts its configuration).
func (f *dlqFlags) tool(cmd *cobra.Command, mod func(*dlq.Config)) (*dlq.Tool, error) {
	clients, onAWS, err := f.clients(cmd)
	if err != nil {
		return nil, err
	}
	dc := dlq.Config{Client: clients.SQS, AllowMoveTask: onAWS, LocalEndpoint: !onAWS, Logger: newLogger(cmd)}
	if mod != nil {
		mod(&dc)
	}
	return dlq.New(dc)
}

// operate builds the tool (tune, when set, adjusts its configuration),
// runs op with progress on stderr named by what, and reports its outcome
// (result); when op did not start (a queue that does not exist, a replay
// with no destination to choose), only the error.
func (f *dlqFlags) operate(cmd *cobra.Command, tune func(*dlq.Config), what string,
	op func(*dlq.Tool, dlq.Observer) (asJSON any, msgs []dlq.Message, sum dlq.Summary, err error)) error {
	tool, err := f.tool(cmd, tune)
	if err != nil {
		return err
	}
	obs := newProgress(cmd, what)
	asJSON, msgs, sum, err := op(tool, obs)
	if errors.Is(err, dlq.ErrNotStarted) {
		return err // a summary of what never started would mislead
	}
	obs.finish()
	return f.result(cmd, asJSON, msgs, sum, err)
}

// result writes an operation's outcome to stdout, asJSON with --output json,
// else msgs and the summary as text; then it turns an error or a summary
// with failures into an error (non-zero exit).
func (f *dlqFlags) result(cmd *cobra.Command, asJSON any, msgs []dlq.Message, sum dlq.Summary, err error) error {
	if f.output == "json" {
		if jerr := writeJSON(cmd.OutOrStdout(), asJSON); jerr != nil {
			return jerr
		}
	} else {
		printMessages(cmd.OutOrStdout(), msgs)
		printSummary(cmd.OutOrStdout(), sum)
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%s: %d failed", sum.Operation, sum.Failed)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table is how a list command prints its items: as {key: items} with
// --output json, else under header, a tab-separated row each, and a count
// of noun.
type table[T any] struct {
	key, noun, header string
	row               func(T) string
}

func (tb table[T]) print(w io.Writer, output string, items []T) error {
	if output == "json" {
		return writeJSON(w, map[string]any{tb.key: items})
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, tb.header)
	for _, it := range items {
		fmt.Fprintln(tw, tb.row(it))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d %s\n", len(items), tb.noun)
	return nil
}

// isTerminal reports whether w is a terminal (for a bar or a line
// rewritten in place rather than one line per change).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func printSummary(w io.Writer, s dlq.Summary) {
	switch s.Operation {
	case "show":
		fmt.Fprintf(w, "%s: shown %d (not consumed), failed %d\n", s.Queue, s.Shown, s.Failed)
	case "purge":
		fmt.Fprintf(w, "%s: purged %d, failed %d\n", s.Queue, s.Purged, s.Failed)
	default:
		if s.DryRun {
			fmt.Fprintf(w, "%s -> %s: would move %d, skipped %d, failed %d (dry run: nothing moved)\n", s.Queue, s.Destination, s.WouldMove, s.Skipped, s.Failed)
		} else {
			fmt.Fprintf(w, "%s -> %s: moved %d, skipped %d, failed %d\n", s.Queue, s.Destination, s.Moved, s.Skipped, s.Failed)
		}
	}
	for _, n := range s.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, e := range s.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

func printMessages(w io.Writer, msgs []dlq.Message) {
	for _, m := range msgs {
		fmt.Fprintf(w, "--- %s  received %d  sent %s\n", m.ID, m.ReceiveCount, m.SentAt.Format(time.RFC3339))
		if m.Event != nil {
			fmt.Fprintf(w, "event:  %s / %s  id %s\n", m.Event.Source, m.Event.DetailType, m.Event.ID)
		}
		if m.GroupID != "" {
			fmt.Fprintf(w, "group:  %s  dedup %s\n", m.GroupID, m.DeduplicationID)
		}
		if m.SourceARN != "" {
			fmt.Fprintf(w, "source: %s\n", m.SourceARN)
		}
		for _, k := range slices.Sorted(maps.Keys(m.Reason)) {
			fmt.Fprintf(w, "why:    %s = %s\n", k, m.Reason[k])
		}
		for _, k := range slices.Sorted(maps.Keys(m.Attributes)) {
			if _, ok := m.Reason[k]; !ok {
				fmt.Fprintf(w, "attr:   %s = %s\n", k, m.Attributes[k])
			}
		}
		fmt.Fprintf(w, "body:   %s\n", m.Body)
	}
}

// progress is a dlq.Observer: a progress bar with rate and ETA when stderr
// is a terminal, one line per message otherwise.
type progress struct {
	w   io.Writer
	bar *progressbar.ProgressBar // nil: plain lines

	mu sync.Mutex
}

func newProgress(cmd *cobra.Command, what string) *progress {
	w := cmd.ErrOrStderr()
	p := &progress{w: w}
	if isTerminal(w) {
		p.bar = newBar(w, what)
	}
	return p
}

// newBar is a bar of unknown length until Planned: count, rate and ETA.
func newBar(w io.Writer, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("msg"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetWidth(30))
}

func (p *progress) Planned(n int64) {
	if p.bar != nil && n > 0 {
		p.mu.Lock()
		p.bar.ChangeMax64(n)
		p.mu.Unlock()
	}
}

func (p *progress) Done(o dlq.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := max(o.Count, 1)
	if p.bar != nil {
		if p.bar.GetMax64() >= 0 && p.bar.State().CurrentNum+n > p.bar.GetMax64() {
			p.bar.ChangeMax64(p.bar.State().CurrentNum + n)
		}
		_ = p.bar.Add64(n)
		return
	}
	line := string(o.Action)
	if o.Count > 1 {
		line += fmt.Sprintf(" %d messages", o.Count)
	}
	if o.MessageID != "" {
		line += " " + o.MessageID
	}
	if o.Destination != "" {
		line += " -> " + o.Destination
	}
	if o.Error != "" {
		line += ": " + o.Error
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.mu.Lock()
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		p.mu.Unlock()
	}
}
