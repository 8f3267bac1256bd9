package eventbridge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// page returns the slice of sorted names with prefix after the NextToken,
// at most Limit long, and the token for the next page ("" at the end).
func (p *pageInput) page(names []string, prefix string) ([]string, string, error) {
	n := 100
	if p.Limit != nil {
		if *p.Limit < 1 || *p.Limit > 100 {
			return nil, "", validation("Limit must be between 1 and 100.")
		}
		n = int(*p.Limit)
	}
	start := 0
	if p.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(p.NextToken)
		if err != nil {
			return nil, "", validation("The NextToken is not valid.")
		}
		start = sort.SearchStrings(names, string(after))
		if start < len(names) && names[start] == string(after) {
			start++
		}
	}
	var out []string
	for _, name := range names[start:] {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if len(out) == n {
			return out, base64.RawURLEncoding.EncodeToString([]byte(out[n-1])), nil
		}
		out = append(out, name)
	}
	return out, "", nil
}

// listOutput is a List operation's answer: a page of items under the
// member the operation names them by ("Rules", "Archives", ...), and the
// token for the next page, left out at the end.
type listOutput[T any] struct {
	member string
	items  []T
	next   string
}

func (o *listOutput[T]) MarshalJSON() ([]byte, error) {
	m := map[string]any{o.member: o.items}
	if o.next != "" {
		m["NextToken"] = o.next
	}
	return json.Marshal(m)
}

// listPage is a page of m's values in name order, each as out makes it,
// under member, for a List operation's input; its items are never nil
// (the SDK expects the member).
func listPage[V, O any](member string, m map[string]V, in *listInput, out func(V) O) (*listOutput[O], error) {
	return listPageOf(member, m, in, nil, out)
}

// listPageOf is listPage over the values keep accepts (nil: all).
func listPageOf[V, O any](member string, m map[string]V, in *listInput, keep func(V) bool, out func(V) O) (*listOutput[O], error) {
	all := slices.Sorted(maps.Keys(m))
	if keep != nil {
		all = slices.DeleteFunc(all, func(n string) bool { return !keep(m[n]) })
	}
	names, next, err := in.page(all, in.NamePrefix)
	if err != nil {
		return nil, err
	}
	items := make([]O, len(names))
	for i, n := range names {
		items[i] = out(m[n])
	}
	return &listOutput[O]{member, items, next}, nil
}

// updateNamed records the change change makes to the resource name of m
// (see update), or fails with notFound's error when m has none of that
// name.
func updateNamed[V any](ctx context.Context, s *Service, m map[string]*V, name string, notFound func(string) *awsapi.Error,
	change func(*V) ([]*record, error)) error {
	return s.update(ctx, func() ([]*record, error) {
		v := m[name]
		if v == nil {
			return nil, notFound(name)
		}
		return change(v)
	})
}

// describeOf returns what out makes of the resource name of m, read under
// s.mu, or notFound's error when m has none of that name.
func describeOf[V, O any](s *Service, m map[string]*V, name string, notFound func(string) *awsapi.Error, out func(*V) O) (O, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := m[name]
	if v == nil {
		var none O
		return none, notFound(name)
	}
	return out(v), nil
}
