package eventbridge

import (
	"context"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

func (s *Service) createEventBus(ctx context.Context, in *createEventBusInput) (*createEventBusOutput, error) {
	if !validName(in.Name, 256) {
		return nil, validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1 to 256", in.Name)
	}
	if in.Name == defaultBus {
		return nil, alreadyExists("Event bus default already exists.")
	}
	if in.EventSourceName != "" {
		return nil, validation("localaws does not support partner event sources.")
	}
	if strings.HasPrefix(in.Name, "aws.") {
		return nil, validation("Event bus name must not start with 'aws.'.")
	}
	now := s.now()
	err := s.update(ctx, func() ([]*record, error) {
		if _, ok := s.buses[in.Name]; ok {
			return nil, alreadyExists("Event bus %s already exists.", in.Name)
		}
		recs := []*record{{Op: opBus, Bus: &busRecord{Name: in.Name, Description: in.Description,
			Created: now.UnixMilli(), Modified: now.UnixMilli()}}}
		if tags := copyTags(in.Tags); tags != nil {
			recs = append(recs, &record{Op: opTags, ARN: s.busARN(in.Name), Tags: tags})
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	return &createEventBusOutput{s.busARN(in.Name), in.Description}, nil
}

// deleteEventBus deletes a custom bus with its rules and their targets.
// Deleting a bus that does not exist succeeds, as on AWS.
func (s *Service) deleteEventBus(ctx context.Context, in *nameInput) (*awsapi.Empty, error) {
	name := busName(in.Name)
	if in.Name == "" {
		return nil, validation("Parameter Name is required.")
	}
	if name == defaultBus {
		return nil, validation("Cannot delete event bus default.")
	}
	return nil, s.update(ctx, func() ([]*record, error) {
		if _, ok := s.buses[name]; !ok {
			return nil, nil
		}
		return []*record{{Op: opDelBus, Name: name}}, nil
	})
}

func (s *Service) describeEventBus(ctx context.Context, in *nameInput) (*eventBusOutput, error) {
	name := busName(in.Name)
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.findBus(name)
	if err != nil {
		return nil, err
	}
	return s.busOutput(b), nil
}

func (s *Service) busOutput(b *bus) *eventBusOutput {
	return &eventBusOutput{Arn: s.busARN(b.name), Name: b.name, Description: b.description,
		resourceTimes: timesOf(b.created, b.modified)}
}

func (s *Service) listEventBuses(ctx context.Context, in *listInput) (*listOutput[*eventBusOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listPage("EventBuses", s.buses, in, s.busOutput)
}
