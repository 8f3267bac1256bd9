package dlq

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Filter selects messages by one KEY=VALUE: "detail-type" and "source"
// match the EventBridge envelope of the body; any other key matches the
// message attribute of that name (its String or Number value). A message
// must match every filter of a replay.
type Filter struct {
	Key, Value string
}

// ParseFilter reads KEY=VALUE.
func ParseFilter(s string) (Filter, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return Filter{}, fmt.Errorf("filter %q: want KEY=VALUE (detail-type, source or a message attribute)", s)
	}
	return Filter{Key: k, Value: v}, nil
}

// String returns KEY=VALUE.
func (f Filter) String() string { return f.Key + "=" + f.Value }

// matches reports whether m passes f.
func (f Filter) matches(m sqstypes.Message) bool {
	switch f.Key {
	case "detail-type", "source":
		e := ParseEvent(aws.ToString(m.Body))
		if e == nil {
			return false
		}
		if f.Key == "source" {
			return e.Source == f.Value
		}
		return e.DetailType == f.Value
	}
	a, ok := m.MessageAttributes[f.Key]
	return ok && a.StringValue != nil && *a.StringValue == f.Value
}

// matchAll reports whether m passes every filter.
func matchAll(fs []Filter, m sqstypes.Message) bool {
	for _, f := range fs {
		if !f.matches(m) {
			return false
		}
	}
	return true
}
