package eventbridge

import (
	"encoding/base64"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// page returns the slice of sorted names after the NextToken, at most
// limit long, and the token for the next page ("" at the end).
func page(names []string, prefix, token string, limit *int32) ([]string, string, error) {
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 100 {
			return nil, "", validation("Limit must be between 1 and 100.")
		}
		n = int(*limit)
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
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

// listPage is a page of m's values in name order, each as out makes it,
// for a List operation's input; never nil (the SDK expects the member).
func listPage[V, O any](m map[string]V, in *listInput, out func(V) O) ([]O, string, error) {
	return listPageOf(m, in, nil, out)
}

// listPageOf is listPage over the values keep accepts (nil: all).
func listPageOf[V, O any](m map[string]V, in *listInput, keep func(V) bool, out func(V) O) ([]O, string, error) {
	all := slices.Sorted(maps.Keys(m))
	if keep != nil {
		all = slices.DeleteFunc(all, func(n string) bool { return !keep(m[n]) })
	}
	names, next, err := page(all, in.NamePrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, "", err
	}
	items := make([]O, len(names))
	for i, n := range names {
		items[i] = out(m[n])
	}
	return items, next, nil
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
