package plans

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Bounds of a plans file.
const (
	MaxFileSize = 1 << 20
	MaxPlans    = 1000
	MaxFeatures = 64
)

// Parse reads a plans file, YAML or JSON (JSON is read as YAML, of which
// it is a subset):
//
//	trial_users: 5            # users a company may have before its first license (default 5)
//	plans:
//	  pro_monthly:            # a price's lookup_key
//	    name: pro             # the plan's name on the license
//	    seats: 5              # seats; with per_seat, the minimum
//	    per_seat: false       # true: the subscription quantity is the number of seats
//	    features: [core, sso]
//
// Unknown fields, duplicate keys, a value of the wrong type and every
// problem Validate finds are errors, all reported at once, each naming its
// lookup key (or line) and the reason. The catalogue is returned normalised.
func Parse(data []byte) (Catalogue, error) {
	if len(data) > MaxFileSize {
		return Catalogue{}, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return Catalogue{}, errors.New("empty: a plans file needs a plans: mapping")
		}
		return Catalogue{}, fmt.Errorf("not YAML or JSON: %s", cleanYAMLError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Catalogue{}, errors.New("more than one YAML document")
	}
	r := reader{unreadable: map[string]bool{}}
	c := r.document(root.Content[0]).Normalized()
	if errs := append(r.errs, c.problems(r.unreadable)...); len(errs) > 0 {
		return Catalogue{}, errors.Join(errs...)
	}
	return c, nil
}

// Load reads and parses the plans file at path; errors name the file.
func Load(path string) (Catalogue, error) {
	f, err := os.Open(path)
	if err != nil {
		return Catalogue{}, fmt.Errorf("plans file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Catalogue{}, fmt.Errorf("plans file %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return Catalogue{}, fmt.Errorf("plans file %s: %w", path, err)
	}
	return c, nil
}

// reader walks a plans document, collecting every problem; unreadable
// names the plans (and "" for trial_users) whose values it could not read,
// which validation then leaves alone.
type reader struct {
	errs       []error
	unreadable map[string]bool
}

func (r *reader) fail(key string, err error) {
	r.errs = append(r.errs, err)
	r.unreadable[key] = true
}

// document reads the top-level mapping.
func (r *reader) document(n *yaml.Node) Catalogue {
	c := Catalogue{TrialUsers: DefaultTrialUsers}
	if n.Kind != yaml.MappingNode {
		r.fail("", fmt.Errorf("line %d: the file must be a mapping with plans: (and trial_users:)", n.Line))
		return c
	}
	eachField(n, &r.errs, func(key string, v *yaml.Node) {
		switch key {
		case "trial_users":
			users, err := wholeNumber(v)
			if err != nil {
				r.fail("", fmt.Errorf("trial_users: %w", err))
			}
			c.TrialUsers = users
		case "plans":
			c.Plans = r.plans(v)
		default:
			r.fail("", fmt.Errorf("line %d: unknown field %q (want trial_users, plans)", v.Line, key))
		}
	})
	return c
}

func (r *reader) plans(n *yaml.Node) map[string]Plan {
	out := map[string]Plan{}
	switch {
	case n.Kind != yaml.MappingNode:
		r.fail("", fmt.Errorf("line %d: plans must map lookup keys to plans", n.Line))
		return out
	case len(n.Content)/2 > MaxPlans:
		r.fail("", fmt.Errorf("line %d: more than %d plans", n.Line, MaxPlans))
		return out
	}
	eachField(n, &r.errs, func(key string, v *yaml.Node) {
		p, perrs := planOf(v)
		for _, err := range perrs {
			r.fail(key, fmt.Errorf("plan %q (line %d): %w", key, v.Line, err))
		}
		out[key] = p
	})
	return out
}

// planOf reads one plan; an alias (team_yearly: *team) reads the plan it
// names.
func planOf(n *yaml.Node) (Plan, []error) {
	var p Plan
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return p, []error{errors.New("want a mapping with name, seats, per_seat, features")}
	}
	var errs []error
	field := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	eachField(n, &errs, func(key string, v *yaml.Node) {
		var err error
		switch key {
		case "name":
			p.Name, err = text(v)
		case "seats":
			p.Seats, err = wholeNumber(v)
		case "per_seat":
			p.PerSeat, err = boolean(v)
		case "features":
			p.Features, err = texts(v)
		default:
			err = errors.New("unknown field (want name, seats, per_seat, features)")
		}
		field(key, err)
	})
	return p, errs
}

// eachField calls fn for each key of mapping n, reporting duplicate and
// non-scalar keys.
func eachField(n *yaml.Node, errs *[]error, fn func(key string, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			*errs = append(*errs, fmt.Errorf("line %d: a key must be a plain value", k.Line))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			*errs = append(*errs, fmt.Errorf("line %d: %q is already defined at line %d", k.Line, k.Value, line))
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, v)
	}
}

func wholeNumber(n *yaml.Node) (int, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, fmt.Errorf("want a whole number, got %s", describe(n))
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < -MaxSeats-1 || v > MaxSeats+1 {
		return 0, fmt.Errorf("%s is out of range", n.Value)
	}
	return int(v), nil
}

func boolean(n *yaml.Node) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		return false, fmt.Errorf("want true or false, got %s", describe(n))
	}
	return b, nil
}

func text(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", fmt.Errorf("want text, got %s", describe(n))
	}
	return n.Value, nil
}

func texts(n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("want a list, got %s", describe(n))
	}
	if len(n.Content) > MaxFeatures {
		return nil, fmt.Errorf("more than %d", MaxFeatures)
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		s, err := text(item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// describe names a node's value for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "an alias or another document"
}

// cleanYAMLError drops the parser's "yaml: " prefix.
func cleanYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
