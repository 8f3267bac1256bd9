package eventbridge

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// tagsOf returns a pointer to the tag map of the bus or rule with the
// given ARN, or nil when there is none. The caller holds s.mu.
func (s *Service) tagsOf(arn string) *map[string]string {
	if name, ok := strings.CutPrefix(arn, s.busARN("")); ok {
		if b := s.buses[name]; b != nil {
			return &b.tags
		}
		return nil
	}
	if r := s.ruleOfARN(arn); r != nil {
		return &r.tags
	}
	return nil
}

// ruleOfARN is the rule arn names, or nil. The caller holds s.mu.
func (s *Service) ruleOfARN(arn string) *rule {
	path, ok := strings.CutPrefix(arn, "arn:aws:events:"+s.cfg.Region+":"+s.cfg.AccountID+":rule/")
	if !ok {
		return nil
	}
	bn, name, found := strings.Cut(path, "/")
	if !found {
		bn, name = defaultBus, path
	}
	return s.rule(bn, name)
}

func (s *Service) setTags(arn string, tags map[string]string) {
	if p := s.tagsOf(arn); p != nil {
		*p = tags
	}
}

func (s *Service) tagResource(ctx context.Context, in *tagResourceInput) (*awsapi.Empty, error) {
	return nil, s.changeTags(ctx, in.ResourceARN, func(tags map[string]string) {
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
	})
}

func (s *Service) untagResource(ctx context.Context, in *tagResourceInput) (*awsapi.Empty, error) {
	return nil, s.changeTags(ctx, in.ResourceARN, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
}

func (s *Service) changeTags(ctx context.Context, arn string, change func(map[string]string)) error {
	return s.update(ctx, func() ([]*record, error) {
		p := s.tagsOf(arn)
		if p == nil {
			return nil, notFound("Resource %s does not exist.", arn)
		}
		if err := managed(s.ruleOfARN(arn)); err != nil {
			return nil, err
		}
		tags := maps.Clone(*p)
		if tags == nil {
			tags = map[string]string{}
		}
		change(tags)
		return []*record{{Op: opTags, ARN: arn, Tags: tags}}, nil
	})
}

func (s *Service) listTagsForResource(ctx context.Context, in *tagResourceInput) (*listTagsOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.tagsOf(in.ResourceARN)
	if p == nil {
		return nil, notFound("Resource %s does not exist.", in.ResourceARN)
	}
	out := &listTagsOutput{Tags: []tag{}}
	for _, k := range slices.Sorted(maps.Keys(*p)) {
		out.Tags = append(out.Tags, tag{Key: k, Value: (*p)[k]})
	}
	return out, nil
}
