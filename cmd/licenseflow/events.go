package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/ops/replay"
)

// eventsFlags are the flags every events subcommand shares.
type eventsFlags struct {
	operatorFlags
	poll time.Duration
}

func newEventsCmd() *cobra.Command {
	f := &eventsFlags{operatorFlags: operatorFlags{service: "EventBridge", serviceVar: "AWS_ENDPOINT_URL_EVENTBRIDGE"}}
	cmd := f.command(&cobra.Command{
		Use:   "events",
		Short: "List the bus's archives and replays, and replay a window of an archive",
		Long: `events replays a time window of an EventBridge archive into the bus it archives, on
localaws or AWS alike (the same SDK calls). It uses the AWS SDK configuration: AWS_REGION, the
default credential chain, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_EVENTBRIDGE; --endpoint-url and
--region override them. Against an endpoint without credentials, static local ones are used.

Replayed events carry a "replay-name" field and their original ids; every stage re-derives its
effect from them, so a fix applies and nothing already right happens twice (docs/replay.md).`,
	})
	cmd.AddCommand(newEventsArchivesCmd(f), newEventsReplaysCmd(f), newEventsReplayCmd(f))
	return cmd
}

// tool builds the replay tool from the SDK configuration and the flags.
func (f *eventsFlags) tool(cmd *cobra.Command) (*replay.Tool, error) {
	clients, _, err := f.clients(cmd)
	if err != nil {
		return nil, err
	}
	return replay.New(replay.Config{Client: clients.Events, Poll: f.poll})
}

func newEventsArchivesCmd(f *eventsFlags) *cobra.Command {
	return newEventsListCmd(f, "archives [--bus ARN]", "List the archives: events kept, size, retention, bus",
		"bus", "only the archives of this bus (ARN)", (*replay.Tool).Archives, table[replay.Archive]{
			key: "archives", noun: "archives", header: "NAME\tSTATE\tEVENTS\tBYTES\tRETENTION\tBUS",
			row: func(a replay.Archive) string {
				retention := "for ever"
				if a.RetentionDays > 0 {
					retention = strconv.Itoa(int(a.RetentionDays)) + " days"
				}
				return fmt.Sprintf("%s\t%s\t%d\t%d\t%s\t%s", a.Name, a.State, a.Events, a.Bytes, retention, a.BusARN)
			}})
}

func newEventsReplaysCmd(f *eventsFlags) *cobra.Command {
	return newEventsListCmd(f, "replays [--archive ARN]", "List the replays with their state and progress",
		"archive", "only the replays of this archive (ARN)", (*replay.Tool).Replays, table[replay.Status]{
			key: "replays", noun: "replays", header: "NAME\tARCHIVE\tSTATE\tFROM\tTO\tPROGRESS\tSTARTED\tREASON",
			row: func(r replay.Status) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%.0f%%\t%s\t%s", r.Name, r.Archive, r.State, stampOf(r.From), stampOf(r.To),
					100*r.Progress(), stampOf(r.Started), r.Reason)
			}})
}

// newEventsListCmd is a subcommand that prints what list returns, given the
// value of its one filter flag ("" for all).
func newEventsListCmd[T any](f *eventsFlags, use, short, filter, filterUsage string,
	list func(*replay.Tool, context.Context, string) ([]T, error), tb table[T]) *cobra.Command {
	var value string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tool, err := f.tool(cmd)
			if err != nil {
				return err
			}
			items, err := list(tool, cmd.Context(), value)
			if err != nil {
				return err
			}
			return tb.print(cmd.OutOrStdout(), f.output, items)
		},
	}
	cmd.Flags().StringVar(&value, filter, "", filterUsage)
	return cmd
}

func newEventsReplayCmd(f *eventsFlags) *cobra.Command {
	var (
		opts     replay.Options
		from, to string
		dryRun   bool
	)
	cmd := &cobra.Command{
		Use:   "replay --archive NAME --from TIME [--to TIME] [--rule NAME ...] [--dry-run]",
		Short: "Replay a window of an archive into its bus and follow it to the end",
		Long: `replay sends the archived events whose time lies in [--from, --to) back to the archive's
bus: to the rules named by --rule, or to every rule of the bus. It follows the replay with a
progress line on stderr until it completes, and exits non-zero unless it did. TIME is RFC 3339
(2026-03-01T12:00:00Z), a date (2026-03-01, UTC midnight), "now", or "-" and a duration before
now (-90m, -36h, -7d). --dry-run checks the archive, the rules and the window and starts nothing.
Interrupted, it stops following; the replay goes on (licenseflow events replays).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if opts.From, err = parseWhen(from, now); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			if opts.To, err = parseWhen(to, now); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			tool, err := f.tool(cmd)
			if err != nil {
				return err
			}
			plan, err := tool.Plan(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if dryRun {
				return f.printPlan(cmd.OutOrStdout(), plan)
			}
			return f.runReplay(cmd, tool, plan)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Archive, "archive", "", "archive to replay from (required; the template's is STACK-bus, licenseflow-bus locally)")
	fl.StringVar(&from, "from", "", "start of the window, included (required)")
	fl.StringVar(&to, "to", "now", "end of the window, excluded")
	fl.StringArrayVar(&opts.Rules, "rule", nil, "a rule of the archive's bus to replay to (repeatable; default every rule)")
	fl.StringVar(&opts.Name, "name", "", `the replay's name (default "replay-" and the time)`)
	fl.BoolVar(&dryRun, "dry-run", false, "check and say what would be replayed; start nothing")
	fl.DurationVar(&f.poll, "poll", 2*time.Second, "how often the replay's progress is read")
	_ = cmd.MarkFlagRequired("archive")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

func (f *eventsFlags) printPlan(w io.Writer, p replay.Plan) error {
	if f.output == "json" {
		return writeJSON(w, map[string]any{"dry_run": true, "plan": p})
	}
	a := p.Archive
	fmt.Fprintf(w, "dry run: would replay archive %s (%d events archived, %d bytes) from %s to %s\n",
		a.Name, a.Events, a.Bytes, stampOf(p.From), stampOf(p.To))
	if len(p.Rules) == 0 {
		fmt.Fprintf(w, "  to every rule of %s\n", a.BusARN)
	}
	for _, r := range p.Rules {
		fmt.Fprintf(w, "  to rule %s (%s)\n", r.Name, r.ARN)
	}
	fmt.Fprintf(w, "  as replay %s; nothing started\n", p.Name)
	for _, n := range p.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// runReplay starts the replay and follows it: a progress line on stderr
// (rewritten in place on a terminal, one line per change otherwise), the
// outcome on stdout.
func (f *eventsFlags) runReplay(cmd *cobra.Command, tool *replay.Tool, p replay.Plan) error {
	for _, n := range p.Notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
	}
	if _, err := tool.Start(cmd.Context(), p); err != nil {
		return err
	}
	errw := cmd.ErrOrStderr()
	tty := isTerminal(errw)
	last := ""
	final, err := tool.Follow(cmd.Context(), p.Name, func(s replay.Status) {
		line := s.Line()
		switch {
		case tty:
			fmt.Fprintf(errw, "\r\033[K%s", line)
		case line != last:
			fmt.Fprintln(errw, line)
		}
		last = line
	})
	if tty {
		fmt.Fprintln(errw)
	}
	if err != nil {
		return fmt.Errorf("%w (see licenseflow events replays)", err)
	}
	if f.output == "json" {
		if err := writeJSON(cmd.OutOrStdout(), final); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(cmd.OutOrStdout(), "replay %s %s: archive %s, %s .. %s, took %s\n", final.Name, final.State, final.Archive,
			stampOf(final.From), stampOf(final.To), final.Ended.Sub(final.Started).Round(time.Millisecond))
	}
	if !final.Succeeded() {
		return fmt.Errorf("replay %s ended %s: %s", final.Name, final.State, final.Reason)
	}
	return nil
}

// parseWhen reads a time of the command line: RFC 3339, a date (UTC), "now",
// or "-" and a duration before now ("-90m", "-36h", "-7d").
func parseWhen(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "-"):
		if days, ok := strings.CutSuffix(s[1:], "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil || n < 0 {
				return time.Time{}, fmt.Errorf("%q: want -Nd, a whole number of days", s)
			}
			return now.AddDate(0, 0, -n), nil
		}
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", s, err)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if s == "" {
		return time.Time{}, errors.New("a time is required")
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want RFC 3339, a date, now, or -DURATION", s)
}

func stampOf(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
