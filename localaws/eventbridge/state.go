package eventbridge

import (
	"sort"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/localaws/pattern"
)

// defaultBus is the bus every account has; it cannot be created or deleted.
const defaultBus = "default"

// maxTargetsPerRule is AWS's quota of targets on one rule.
const maxTargetsPerRule = 5

type bus struct {
	name        string
	description string
	created     time.Time
	modified    time.Time
	tags        map[string]string
	rules       map[string]*rule
}

type rule struct {
	name        string
	bus         string
	pattern     string // the EventPattern as given
	compiled    *pattern.Pattern
	enabled     bool
	state       string
	description string
	roleArn     string
	tags        map[string]string
	targets     []*target // sorted by Id
	// archive is set on the rule EventBridge manages for an archive: it
	// matches the events to archive and has no targets.
	archive *archive

	schedule string    // the ScheduleExpression as given
	sched    schedule  // parsed; nil without one
	created  time.Time // rate schedules tick whole periods after it
	// since is when the schedule last started ticking (created, changed,
	// enabled, or the engine started); lastTick is its last tick fired.
	since, lastTick time.Time
}

func (r *rule) record() ruleRecord {
	var created int64
	if !r.created.IsZero() {
		created = r.created.UnixMilli()
	}
	return ruleRecord{Name: r.name, Bus: r.bus, Pattern: r.pattern, Schedule: r.schedule, Created: created,
		State: r.state, Description: r.description, RoleArn: r.roleArn}
}

// managedBy is who manages the rule: EventBridge for an archive's rule.
func (r *rule) managedBy() string {
	if r.archive != nil {
		return managedByEvents
	}
	return ""
}

// target is a rule target with its transformation prepared for delivery.
type target struct {
	wire      Target
	fifo      bool
	template  *template           // from InputTransformer
	path      jsonPath            // from InputPath
	httpPaths map[string]jsonPath // the HttpParameters values that are JSON paths
}

// findBus returns the named bus or ResourceNotFoundException. The caller
// holds s.mu.
func (s *Service) findBus(name string) (*bus, error) {
	b := s.buses[name]
	if b == nil {
		return nil, busNotFound(name)
	}
	return b, nil
}

// findRule returns the named rule of the named bus or
// ResourceNotFoundException for whichever is missing. The caller holds
// s.mu.
func (s *Service) findRule(busName, name string) (*rule, error) {
	b, err := s.findBus(busName)
	if err != nil {
		return nil, err
	}
	r := b.rules[name]
	if r == nil {
		return nil, ruleNotFound(name, busName)
	}
	return r, nil
}

func (s *Service) busARN(name string) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":event-bus/" + name
}

func (s *Service) ruleARN(busName, name string) string {
	if busName == defaultBus {
		return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":rule/" + name
	}
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":rule/" + busName + "/" + name
}

// busName resolves an EventBusName parameter (a name or an ARN; empty means
// the default bus).
func busName(v string) string {
	if v == "" {
		return defaultBus
	}
	if strings.HasPrefix(v, "arn:") {
		if i := strings.Index(v, ":event-bus/"); i >= 0 {
			return v[i+len(":event-bus/"):]
		}
	}
	return v
}

// ruleName resolves a rule Name parameter that may be an ARN.
func ruleName(v string) string {
	if strings.HasPrefix(v, "arn:") {
		if i := strings.LastIndexByte(v, '/'); i >= 0 {
			return v[i+1:]
		}
	}
	return v
}

func (r *rule) target(id string) (int, bool) {
	i := sort.Search(len(r.targets), func(i int) bool { return r.targets[i].wire.Id >= id })
	return i, i < len(r.targets) && r.targets[i].wire.Id == id
}

func copyTags(tags []tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
