package infra

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// TopologyFromTemplate derives the bus, queues (with their redrive
// policies), enabled rules (with their SQS targets) and the bus's archives
// from a template,
// resolved under stackName ("" keeps the template's). Every rule must be on
// the template's one custom bus and target the template's queues.
func TopologyFromTemplate(t *Template, stackName string) (Topology, error) {
	if stackName != "" && stackName != t.Options.StackName {
		opts := t.Options
		opts.StackName = stackName
		var err error
		if t, err = t.WithOptions(opts); err != nil {
			return Topology{}, err
		}
	}
	var (
		top  Topology
		errs []error
	)
	buses := t.OfType("AWS::Events::EventBus")
	if len(buses) != 1 {
		return Topology{}, fmt.Errorf("topology: want exactly one AWS::Events::EventBus, the template has %d", len(buses))
	}
	top.Bus, _ = buses[0].Properties["Name"].(string)
	queueNames := map[string]string{} // logical id -> queue name
	for _, q := range t.OfType("AWS::SQS::Queue") {
		queueNames[q.LogicalID] = t.queueName(q)
	}
	queueOf := func(arn any, what string) string {
		id, ok := t.LogicalID(arn)
		name, isQueue := queueNames[id]
		if !ok || !isQueue {
			errs = append(errs, fmt.Errorf("%s: %v is not a queue of the template", what, arn))
		}
		return name
	}
	for _, res := range t.OfType("AWS::SQS::Queue") {
		p := res.Properties
		q := Queue{Name: queueNames[res.LogicalID], FIFO: truthy(p["FifoQueue"]),
			ContentBasedDeduplication: truthy(p["ContentBasedDeduplication"]),
			VisibilityTimeout:         intOf(p["VisibilityTimeout"]),
			MessageRetentionPeriod:    intOf(p["MessageRetentionPeriod"]),
			DelaySeconds:              intOf(p["DelaySeconds"])}
		if rp, ok := redrivePolicy(p["RedrivePolicy"]); ok {
			q.DLQ = queueOf(rp["deadLetterTargetArn"], "queue "+res.LogicalID+" RedrivePolicy")
			q.MaxReceiveCount = intOf(rp["maxReceiveCount"])
		}
		top.Queues = append(top.Queues, q)
	}
	for _, res := range t.OfType("AWS::Events::Rule") {
		p := res.Properties
		if s, _ := p["State"].(string); s != "" && s != "ENABLED" {
			continue
		}
		bus, _ := p["EventBusName"].(string)
		if strings.HasPrefix(bus, "aws.partner/") {
			// A partner bus (Stripe's native delivery) exists only on AWS;
			// local runs never see its events.
			continue
		}
		if bus != top.Bus && !strings.HasSuffix(bus, ":event-bus/"+top.Bus) {
			errs = append(errs, fmt.Errorf("rule %s: on bus %q, not %q", res.LogicalID, bus, top.Bus))
			continue
		}
		pattern, err := patternJSON(p["EventPattern"])
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %s: %w", res.LogicalID, err))
			continue
		}
		rule := Rule{Name: stringOf(p["Name"]), EventPattern: pattern}
		targets, _ := p["Targets"].([]any)
		for _, tv := range targets {
			tm, _ := tv.(map[string]any)
			what := "rule " + res.LogicalID + " target " + stringOf(tm["Id"])
			tg := Target{ID: stringOf(tm["Id"]), Queue: queueOf(tm["Arn"], what)}
			if dl, ok := tm["DeadLetterConfig"].(map[string]any); ok {
				tg.DLQ = queueOf(dl["Arn"], what+" DeadLetterConfig")
			}
			if rp, ok := tm["RetryPolicy"].(map[string]any); ok {
				tg.MaxRetryAttempts = intOf(rp["MaximumRetryAttempts"])
				tg.MaxEventAgeSeconds = intOf(rp["MaximumEventAgeInSeconds"])
			}
			if sp, ok := tm["SqsParameters"].(map[string]any); ok {
				tg.MessageGroupID = stringOf(sp["MessageGroupId"])
			}
			rule.Targets = append(rule.Targets, tg)
		}
		top.Rules = append(top.Rules, rule)
	}
	for _, res := range t.OfType("AWS::Events::Archive") {
		p := res.Properties
		if id, _ := t.LogicalID(p["SourceArn"]); id != buses[0].LogicalID {
			errs = append(errs, fmt.Errorf("archive %s: its SourceArn %v is not the template's bus", res.LogicalID, p["SourceArn"]))
			continue
		}
		a := Archive{Name: stringOf(p["ArchiveName"]), RetentionDays: intOf(p["RetentionDays"])}
		if p["EventPattern"] != nil {
			pattern, err := patternJSON(p["EventPattern"])
			if err != nil {
				errs = append(errs, fmt.Errorf("archive %s: %w", res.LogicalID, err))
				continue
			}
			a.EventPattern = pattern
		}
		top.Archives = append(top.Archives, a)
	}
	if len(errs) > 0 {
		return Topology{}, fmt.Errorf("topology: %w", errors.Join(errs...))
	}
	sort.Slice(top.Archives, func(i, j int) bool { return top.Archives[i].Name < top.Archives[j].Name })
	sort.Slice(top.Queues, func(i, j int) bool { return top.Queues[i].Name < top.Queues[j].Name })
	sort.Slice(top.Rules, func(i, j int) bool { return top.Rules[i].Name < top.Rules[j].Name })
	if err := top.Validate(); err != nil {
		return Topology{}, fmt.Errorf("topology: %w", err)
	}
	return top, nil
}

// queueName is the name of a resolved queue, as its ARN ends.
func (t *Template) queueName(q Resource) string {
	name := stringOf(q.Properties["QueueName"])
	if name == "" {
		name = t.Options.StackName + "-" + q.LogicalID
	}
	if truthy(q.Properties["FifoQueue"]) && !strings.HasSuffix(name, ".fifo") {
		name += ".fifo"
	}
	return name
}

// redrivePolicy reads a RedrivePolicy given as a mapping or a JSON string.
func redrivePolicy(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case string:
		var m map[string]any
		if json.Unmarshal([]byte(x), &m) == nil {
			return m, true
		}
	}
	return nil, false
}

// patternJSON renders an EventPattern (mapping or JSON string) as JSON.
func patternJSON(v any) (string, error) {
	switch x := v.(type) {
	case map[string]any:
		b, err := json.Marshal(x)
		return string(b), err
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(x), &m); err != nil {
			return "", fmt.Errorf("event pattern: %w", err)
		}
		return x, nil
	}
	return "", errors.New("no event pattern")
}

func intOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
