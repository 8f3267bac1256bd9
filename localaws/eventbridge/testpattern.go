package eventbridge

import (
	"context"
	"encoding/json"

	"github.com/licenseflow/licenseflow/localaws/pattern"
)

// eventRequiredFields are the fields TestEventPattern requires of an event.
var eventRequiredFields = []string{"id", "account", "source", "time", "region", "resources", "detail-type"}

func (s *Service) testEventPattern(ctx context.Context, in *testEventPatternInput) (*testEventPatternOutput, error) {
	if in.EventPattern == nil || *in.EventPattern == "" {
		return nil, validation("Parameter EventPattern is required.")
	}
	if in.Event == nil || *in.Event == "" {
		return nil, validation("Parameter Event is required.")
	}
	p, err := pattern.Compile([]byte(*in.EventPattern))
	if err != nil {
		return nil, invalidPattern(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*in.Event), &fields); err != nil {
		return nil, validation("Parameter Event is not valid. Reason: the event is not a JSON object.")
	}
	for _, f := range eventRequiredFields {
		if _, ok := fields[f]; !ok {
			return nil, validation("Parameter Event is not valid. Reason: Provided Event is missing required field %s.", f)
		}
	}
	ok, err := p.Match([]byte(*in.Event))
	if err != nil {
		return nil, validation("Parameter Event is not valid. Reason: %v", err)
	}
	return &testEventPatternOutput{ok}, nil
}
