// Package replay replays a window of an EventBridge archive into the bus
// it archives: the operator's tool for a stage that handled events wrongly
// (a bad catalogue, a bug). After the fix, the events of the window go
// back through the rules (all of them, or the ones named), each with a
// "replay-name" field and its original id; the stages re-derive their
// effects from them (see docs/replay.md). It lists archives and replays
// too. It speaks only the EventBridge API through the SDK, so the same
// calls run on localaws and on AWS.
package replay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// Config configures a Tool.
type Config struct {
	// Client talks to EventBridge. Required.
	Client *eventbridge.Client
	// Poll is how often Follow reads a replay's state. Default 2s.
	Poll time.Duration
	// Now is the clock that checks a window is not in the future.
	// Default time.Now.
	Now func() time.Time
}

// Tool plans, starts and follows replays. It is safe for concurrent use.
type Tool struct{ cfg Config }

func (c *Config) setDefaults() {
	c.Poll = cmp.Or(c.Poll, 2*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.If(c.Client == nil, "client is required")
	errs.If(c.Poll < 0, "poll must not be negative")
	return errs.Err()
}

// New checks cfg and returns a Tool.
func New(cfg Config) (*Tool, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replay config: %w", err)
	}
	return &Tool{cfg: cfg}, nil
}

// Options say what to replay.
type Options struct {
	// Archive is the archive's name. Required.
	Archive string
	// From and To bound the window: events whose time is in [From, To).
	From, To time.Time
	// Rules are the names of the rules to replay to, on the archive's
	// bus; none means every rule of the bus.
	Rules []string
	// Name is the replay's name; default "replay-" and the time, to the
	// second.
	Name string
}

// Plan is a checked replay, ready to start.
type Plan struct {
	Name    string    `json:"name"`
	Archive Archive   `json:"archive"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Rules are the rules replayed to, with their ARNs; none means every
	// rule of the bus EventBridge does not manage.
	Rules []Rule `json:"rules,omitempty"`
	// Notes say what the operator should know (a window older than the
	// archive keeps, ...).
	Notes []string `json:"notes,omitempty"`
}

// Rule is a rule a replay delivers to.
type Rule struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// Archive describes an archive.
type Archive struct {
	Name          string    `json:"name"`
	ARN           string    `json:"arn,omitempty"`
	BusARN        string    `json:"bus_arn"`
	State         string    `json:"state"`
	Events        int64     `json:"events"`
	Bytes         int64     `json:"bytes"`
	RetentionDays int32     `json:"retention_days"`
	Created       time.Time `json:"created"`
}

// Plan checks opts against the archive and the bus: the window is not
// empty and not in the future, every rule exists on the archive's bus.
func (t *Tool) Plan(ctx context.Context, opts Options) (Plan, error) {
	now := t.cfg.Now()
	switch {
	case opts.Archive == "":
		return Plan{}, errors.New("an archive is required")
	case !opts.From.Before(opts.To):
		return Plan{}, fmt.Errorf("the window is empty: --from %s is not before --to %s", stamp(opts.From), stamp(opts.To))
	case opts.To.After(now):
		return Plan{}, fmt.Errorf("--to %s is in the future: replay up to now at the latest", stamp(opts.To))
	}
	d, err := t.cfg.Client.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(opts.Archive)})
	if err != nil {
		return Plan{}, fmt.Errorf("archive %s: %w", opts.Archive, err)
	}
	p := Plan{Name: cmp.Or(opts.Name, "replay-"+now.UTC().Format("20060102-150405")), From: opts.From, To: opts.To,
		Archive: Archive{Name: opts.Archive, ARN: aws.ToString(d.ArchiveArn), BusARN: aws.ToString(d.EventSourceArn),
			State: string(d.State), Events: d.EventCount, Bytes: d.SizeBytes, RetentionDays: aws.ToInt32(d.RetentionDays),
			Created: aws.ToTime(d.CreationTime)}}
	for _, name := range opts.Rules {
		r, err := t.cfg.Client.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name), EventBusName: aws.String(p.Archive.BusARN)})
		if err != nil {
			return Plan{}, fmt.Errorf("rule %s on %s: %w", name, p.Archive.BusARN, err)
		}
		if aws.ToString(r.ManagedBy) != "" {
			return Plan{}, fmt.Errorf("rule %s is managed by %s: a replay cannot go to it", name, aws.ToString(r.ManagedBy))
		}
		p.Rules = append(p.Rules, Rule{Name: name, ARN: aws.ToString(r.Arn)})
	}
	if days := p.Archive.RetentionDays; days > 0 && opts.From.Before(now.Add(-time.Duration(days)*24*time.Hour)) {
		p.Notes = append(p.Notes, fmt.Sprintf("the archive keeps events %d days: the window starts before the oldest it still has", days))
	}
	if opts.From.Before(p.Archive.Created) {
		p.Notes = append(p.Notes, "the window starts before the archive was created "+stamp(p.Archive.Created)+": nothing older is in it")
	}
	return p, nil
}

// Start starts the planned replay and returns its first status.
func (t *Tool) Start(ctx context.Context, p Plan) (Status, error) {
	dest := &types.ReplayDestination{Arn: aws.String(p.Archive.BusARN)}
	for _, r := range p.Rules {
		dest.FilterArns = append(dest.FilterArns, r.ARN)
	}
	out, err := t.cfg.Client.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String(p.Name),
		EventSourceArn: aws.String(p.Archive.ARN), EventStartTime: aws.Time(p.From), EventEndTime: aws.Time(p.To),
		Destination: dest, Description: aws.String("licenseflow events replay")})
	if err != nil {
		return Status{}, fmt.Errorf("starting replay %s: %w", p.Name, err)
	}
	return Status{Name: p.Name, Archive: p.Archive.Name, State: string(out.State), Reason: aws.ToString(out.StateReason),
		From: p.From, To: p.To, Started: aws.ToTime(out.ReplayStartTime)}, nil
}
