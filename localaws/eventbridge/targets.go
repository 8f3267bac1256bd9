package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	sqsARNRE     = regexp.MustCompile(`^arn:aws[a-z\-]*:sqs:[a-z0-9\-]+:[0-9]{12}:[A-Za-z0-9_\-]{1,80}(\.fifo)?$`)
	busARNRE     = regexp.MustCompile(`^arn:aws[a-z\-]*:events:[a-z0-9\-]+:[0-9]{12}:event-bus/[\.\-_A-Za-z0-9]{1,256}$`)
	apiDestARNRE = regexp.MustCompile(`^arn:aws[a-z\-]*:events:[a-z0-9\-]+:[0-9]{12}:api-destination/[\.\-_A-Za-z0-9]{1,64}/[0-9a-f\-]{36}$`)
	pathsKeyRE   = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,256}$`)
	maxInputSize = 8192
)

// Target kinds, by ARN.
const (
	kindSQS = "sqs"
	kindBus = "event-bus"
	kindAPI = "api-destination"
)

func targetKind(arn string) string {
	switch {
	case sqsARNRE.MatchString(arn):
		return kindSQS
	case busARNRE.MatchString(arn):
		return kindBus
	case apiDestARNRE.MatchString(arn):
		return kindAPI
	}
	return ""
}

// prepareHTTP parses the JSON paths among the HttpParameters values.
func (pt *target) prepareHTTP() error {
	h := pt.wire.HttpParameters
	if h == nil {
		return nil
	}
	pt.httpPaths = map[string]jsonPath{}
	values := slices.Clone(h.PathParameterValues)
	for _, m := range []map[string]string{h.HeaderParameters, h.QueryStringParameters} {
		for _, v := range m {
			values = append(values, v)
		}
	}
	for _, v := range values {
		if !strings.HasPrefix(v, "$") {
			continue
		}
		p, err := parseJSONPath(v)
		if err != nil {
			return fmt.Errorf("target %s: HttpParameters value %q is not a valid JSON path: %v", pt.wire.Id, v, err)
		}
		pt.httpPaths[v] = p
	}
	return nil
}

// httpCall resolves the target's HttpParameters for an event: values
// that are JSON paths take the event's value there.
func (pt *target) httpCall(env []byte) *httpCall {
	h := pt.wire.HttpParameters
	if h == nil {
		return nil
	}
	resolve := func(v string) string {
		if p, ok := pt.httpPaths[v]; ok {
			val, found := p.eval(env)
			if !found {
				return ""
			}
			return textOf(val)
		}
		return v
	}
	c := &httpCall{}
	for _, v := range h.PathParameterValues {
		c.Path = append(c.Path, resolve(v))
	}
	each := func(m map[string]string) map[string]string {
		if len(m) == 0 {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = resolve(v)
		}
		return out
	}
	c.Headers, c.Query = each(h.HeaderParameters), each(h.QueryStringParameters)
	return c
}

// prepareTarget validates a target as PutTargets does and prepares its
// transformation.
func prepareTarget(t Target) (*target, error) {
	if !validName(t.Id, 64) {
		return nil, fmt.Errorf("target id %q must match [\\.\\-_A-Za-z0-9]+ and have length 1 to 64", t.Id)
	}
	kind := targetKind(t.Arn)
	switch {
	case kind == "":
		return nil, fmt.Errorf("target %s: localaws delivers to SQS queues, event buses and API destinations; %q is none of them", t.Id, t.Arn)
	case kind != kindSQS && t.SqsParameters != nil:
		return nil, fmt.Errorf("target %s: SqsParameters are for SQS queue targets", t.Id)
	case kind != kindAPI && t.HttpParameters != nil:
		return nil, fmt.Errorf("target %s: HttpParameters are for API destination targets", t.Id)
	case kind == kindBus && (t.Input != nil || t.InputPath != nil || t.InputTransformer != nil):
		return nil, fmt.Errorf("target %s: an event bus receives the event as it is: no Input, InputPath or InputTransformer", t.Id)
	}
	pt := &target{wire: t, fifo: kind == kindSQS && strings.HasSuffix(t.Arn, ".fifo")}
	if err := pt.prepareHTTP(); err != nil {
		return nil, err
	}
	n := 0
	if t.Input != nil {
		n++
		if len(*t.Input) > maxInputSize || !json.Valid([]byte(*t.Input)) {
			return nil, fmt.Errorf("target %s: Input must be valid JSON text of at most %d characters", t.Id, maxInputSize)
		}
	}
	if t.InputPath != nil {
		n++
		p, err := parseJSONPath(*t.InputPath)
		if err != nil || len(*t.InputPath) > 256 {
			return nil, fmt.Errorf("target %s: InputPath %q is not a valid JSON path: %v", t.Id, *t.InputPath, err)
		}
		pt.path = p
	}
	if it := t.InputTransformer; it != nil {
		n++
		if it.InputTemplate == "" || len(it.InputTemplate) > maxInputSize {
			return nil, fmt.Errorf("target %s: InputTemplate must have length 1 to %d", t.Id, maxInputSize)
		}
		if len(it.InputPathsMap) > 100 {
			return nil, fmt.Errorf("target %s: InputPathsMap has more than 100 entries", t.Id)
		}
		paths := make(map[string]jsonPath, len(it.InputPathsMap))
		for k, v := range it.InputPathsMap {
			if !pathsKeyRE.MatchString(k) {
				return nil, fmt.Errorf("target %s: InputPathsMap key %q must match [A-Za-z0-9_\\-]+ (the aws.* names are reserved)", t.Id, k)
			}
			p, err := parseJSONPath(v)
			if err != nil {
				return nil, fmt.Errorf("target %s: InputPathsMap %s: %q is not a valid JSON path: %v", t.Id, k, v, err)
			}
			paths[k] = p
		}
		pt.template = parseTemplate(it.InputTemplate, paths)
		if !pt.template.valid() {
			return nil, fmt.Errorf("target %s: InputTemplate is not valid JSON", t.Id)
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("target %s: only one of Input, InputPath, or InputTransformer must be provided", t.Id)
	}
	if pt.fifo && (t.SqsParameters == nil || t.SqsParameters.MessageGroupId == "") {
		return nil, fmt.Errorf("Parameter(s) SqsParameters must be specified for target: %s.", t.Id)
	}
	if d := t.DeadLetterConfig; d != nil && !sqsARNRE.MatchString(d.Arn) {
		return nil, fmt.Errorf("target %s: DeadLetterConfig Arn %q is not an SQS queue ARN", t.Id, d.Arn)
	}
	if rp := t.RetryPolicy; rp != nil {
		if a := rp.MaximumRetryAttempts; a != nil && (*a < 0 || *a > 185) {
			return nil, fmt.Errorf("target %s: MaximumRetryAttempts must be between 0 and 185", t.Id)
		}
		if a := rp.MaximumEventAgeInSeconds; a != nil && (*a < 60 || *a > 86400) {
			return nil, fmt.Errorf("target %s: MaximumEventAgeInSeconds must be between 60 and 86400", t.Id)
		}
	}
	return pt, nil
}

func (s *Service) putTargets(ctx context.Context, in *putTargetsInput) (*targetsResult, error) {
	bn, name := in.busAndRule()
	if err := checkRuleName("rule", name); err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 || len(in.Targets) > 10 {
		return nil, validation("1 validation error detected: Value at 'targets' failed to satisfy constraint: " +
			"Member must have length between 1 and 10")
	}
	seen := map[string]bool{}
	for _, t := range in.Targets {
		if _, err := prepareTarget(t); err != nil {
			return nil, validation("%v", err)
		}
		if targetKind(t.Arn) != kindSQS && !strings.HasPrefix(t.Arn, "arn:aws:events:"+s.cfg.Region+":"+s.cfg.AccountID+":") {
			return nil, validation("target %s: localaws delivers to the event buses and API destinations of its own account and region", t.Id)
		}
		if seen[t.Id] {
			return nil, validation("Targets must have distinct Ids; %s appears twice.", t.Id)
		}
		seen[t.Id] = true
	}
	return s.updateTargets(ctx, bn, name, func(r *rule) (*record, error) {
		total := len(r.targets)
		for _, t := range in.Targets {
			if _, ok := r.target(t.Id); !ok {
				total++
			}
		}
		if total > maxTargetsPerRule {
			return nil, limitExceeded("The requested resource exceeds the maximum number allowed: a rule has at most %d targets.", maxTargetsPerRule)
		}
		return &record{Op: opTargets, BusName: bn, Name: name, Targets: in.Targets}, nil
	})
}

// removeTargets removes targets by id; ids the rule does not have are
// ignored, as on AWS.
func (s *Service) removeTargets(ctx context.Context, in *removeTargetsInput) (*targetsResult, error) {
	bn, name := in.busAndRule()
	if len(in.Ids) == 0 || len(in.Ids) > 100 {
		return nil, validation("1 validation error detected: Value at 'ids' failed to satisfy constraint: " +
			"Member must have length between 1 and 100")
	}
	return s.updateTargets(ctx, bn, name, func(*rule) (*record, error) {
		return &record{Op: opUntarget, BusName: bn, Name: name, IDs: in.Ids}, nil
	})
}

// updateTargets records the change of change to the targets of the rule
// name on bus bn, unless the rule is missing or another service manages it.
func (s *Service) updateTargets(ctx context.Context, bn, name string, change func(r *rule) (*record, error)) (*targetsResult, error) {
	err := s.update(ctx, func() ([]*record, error) {
		r, err := s.findRule(bn, name)
		if err != nil {
			return nil, err
		}
		if err := managed(r); err != nil {
			return nil, err
		}
		rec, err := change(r)
		if err != nil {
			return nil, err
		}
		return []*record{rec}, nil
	})
	if err != nil {
		return nil, err
	}
	return &targetsResult{FailedEntries: []failedTarget{}}, nil
}

func (s *Service) listTargetsByRule(ctx context.Context, in *listTargetsInput) (*listOutput[Target], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.findRule(in.busAndRule())
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(r.targets))
	for i, t := range r.targets {
		ids[i] = t.wire.Id
	}
	pageIDs, next, err := in.page(ids, "")
	if err != nil {
		return nil, err
	}
	out := &listOutput[Target]{"Targets", []Target{}, next}
	for _, id := range pageIDs {
		i, _ := r.target(id)
		out.items = append(out.items, r.targets[i].wire)
	}
	return out, nil
}
