package eventbridge

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/pattern"
)

func invalidPattern(err error) *awsapi.Error {
	return awsapi.Errorf("InvalidEventPatternException", "Event pattern is not valid. Reason: %v", err)
}

// putRule creates a rule or updates it in place (its targets stay).
func (s *Service) putRule(ctx context.Context, in *putRuleInput) (*putRuleOutput, error) {
	if err := checkRuleName("name", in.Name); err != nil {
		return nil, err
	}
	if err := checkRuleTrigger(in); err != nil {
		return nil, err
	}
	switch in.State {
	case "":
		in.State = "ENABLED"
	case "ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]", in.State)
	}
	bn := busName(in.EventBusName)
	rr := &ruleRecord{Name: in.Name, Bus: bn, Pattern: optional(in.EventPattern), Schedule: in.ScheduleExpression,
		State: in.State, Created: s.now().UnixMilli()}
	if rr.Schedule != "" && bn != defaultBus {
		return nil, validation("ScheduleExpression is supported only on the default event bus.")
	}
	if in.Description != nil {
		rr.Description = *in.Description
	}
	if in.RoleArn != nil {
		rr.RoleArn = *in.RoleArn
	}
	arn := s.ruleARN(bn, in.Name)
	err := s.update(ctx, func() ([]*record, error) {
		b, err := s.findBus(bn)
		if err != nil {
			return nil, err
		}
		if err := managed(b.rules[in.Name]); err != nil {
			return nil, err
		}
		if r := b.rules[in.Name]; r != nil && !r.created.IsZero() {
			rr.Created = r.created.UnixMilli() // rate schedules keep their phase
		}
		recs := []*record{{Op: opRule, Rule: rr}}
		if len(in.Tags) > 0 {
			tags := map[string]string{}
			if r := b.rules[in.Name]; r != nil {
				for k, v := range r.tags {
					tags[k] = v
				}
			}
			for k, v := range copyTags(in.Tags) {
				tags[k] = v
			}
			recs = append(recs, &record{Op: opTags, ARN: arn, Tags: tags})
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return &putRuleOutput{arn}, nil
}

// checkRuleTrigger checks the rule's event pattern and schedule: one of
// them at least, each valid.
func checkRuleTrigger(in *putRuleInput) error {
	if optional(in.EventPattern) == "" && in.ScheduleExpression == "" {
		return validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if p := optional(in.EventPattern); p != "" {
		if _, err := pattern.Compile([]byte(p)); err != nil {
			return invalidPattern(err)
		}
	}
	if in.ScheduleExpression != "" {
		if _, err := parseSchedule(in.ScheduleExpression, time.Time{}); err != nil {
			return validation("Parameter ScheduleExpression is not valid: %v", err)
		}
	}
	return nil
}

// optional is the value of an optional string member, "" when absent.
func optional(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Service) ruleOutput(r *rule) *ruleOutput {
	return &ruleOutput{Arn: s.ruleARN(r.bus, r.name), Name: r.name, EventBusName: r.bus, EventPattern: r.pattern,
		ScheduleExpression: r.schedule, State: r.state, Description: r.description, RoleArn: r.roleArn, ManagedBy: r.managedBy()}
}

func (s *Service) describeRule(ctx context.Context, in *ruleRef) (*ruleOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.findRule(busName(in.EventBusName), ruleName(in.Name))
	if err != nil {
		return nil, err
	}
	out := s.ruleOutput(r)
	out.CreatedBy = s.cfg.AccountID
	return out, nil
}

// deleteRule deletes a rule without targets. Deleting a rule that does not
// exist succeeds, as on AWS.
func (s *Service) deleteRule(ctx context.Context, in *ruleRef) (*awsapi.Empty, error) {
	name, bn := ruleName(in.Name), busName(in.EventBusName)
	if err := checkRuleName("name", name); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func() ([]*record, error) {
		b, err := s.findBus(bn)
		if err != nil {
			return nil, err
		}
		r, ok := b.rules[name]
		if !ok {
			return nil, nil
		}
		if err := managed(r); err != nil {
			return nil, err
		}
		if len(r.targets) > 0 {
			return nil, validation("Rule can't be deleted since it has targets.")
		}
		return []*record{{Op: opDelRule, BusName: bn, Name: name}}, nil
	})
}

func (s *Service) listRules(ctx context.Context, in *listInput) (*listOutput[*ruleOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.findBus(busName(in.EventBusName))
	if err != nil {
		return nil, err
	}
	return listPage("Rules", b.rules, in, s.ruleOutput)
}

func (s *Service) enableRule(ctx context.Context, in *ruleRef) (*awsapi.Empty, error) {
	return nil, s.setRuleState(ctx, in, "ENABLED")
}

func (s *Service) disableRule(ctx context.Context, in *ruleRef) (*awsapi.Empty, error) {
	return nil, s.setRuleState(ctx, in, "DISABLED")
}

func (s *Service) setRuleState(ctx context.Context, in *ruleRef, state string) error {
	name, bn := ruleName(in.Name), busName(in.EventBusName)
	return s.update(ctx, func() ([]*record, error) {
		r, err := s.findRule(bn, name)
		if err != nil {
			return nil, err
		}
		if err := managed(r); err != nil {
			return nil, err
		}
		if r.state == state {
			return nil, nil
		}
		rr := r.record()
		rr.State = state
		return []*record{{Op: opRule, Rule: &rr}}, nil
	})
}

func (s *Service) listRuleNamesByTarget(ctx context.Context, in *listRuleNamesByTargetInput) (*listOutput[string], error) {
	if in.TargetArn == "" {
		return nil, validation("Parameter TargetArn is required.")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.findBus(busName(in.EventBusName))
	if err != nil {
		return nil, err
	}
	var matching []string
	for _, rn := range slices.Sorted(maps.Keys(b.rules)) {
		for _, t := range b.rules[rn].targets {
			if t.wire.Arn == in.TargetArn {
				matching = append(matching, rn)
				break
			}
		}
	}
	names, next, err := in.page(matching, "")
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &listOutput[string]{"RuleNames", names, next}, nil
}
