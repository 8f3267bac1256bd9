// Package pattern implements EventBridge event patterns: compiling a
// pattern and matching events against it, with the semantics of AWS's
// event-ruler (the reference implementation behind EventBridge).
//
// A pattern names fields of the event, at any depth, each with a list of
// values or match expressions; a field matches when any list element
// matches, and the pattern when every field does ("$or" offers
// alternatives). Events are flattened to leaf values under dotted paths;
// arrays are crushed (a field matches when any element does), but fields
// matched under one array must come from the same element of it, as in
// event-ruler's array-consistent matching. Numbers compare as decimals
// within ±5.0e9 with six decimals.
package pattern

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src      string
	branches [][]*field // alternatives; each sorted by path
}

// field is the condition on one path: it holds when the path is absent and
// absent is set ({"exists": false}), or when a leaf at the path satisfies
// any matcher.
type field struct {
	path     string
	absent   bool
	matchers []matcher
}

// Compile parses and validates an EventBridge event pattern. The error is a
// *SyntaxError whose reason is worded like AWS's
// InvalidEventPatternException reason.
func Compile(src []byte) (*Pattern, error) {
	branches, err := compile(src)
	if err != nil {
		return nil, err
	}
	return &Pattern{src: string(src), branches: branches}, nil
}

// String returns the pattern's source.
func (p *Pattern) String() string { return p.src }

// Match reports whether the JSON event matches the pattern. An event that
// is not a JSON object is an error (wrapping ErrNotObject). To match one
// event against many patterns, parse it once with ParseEvent and call
// MatchEvent.
func (p *Pattern) Match(event []byte) (bool, error) {
	ev, err := ParseEvent(event)
	if err != nil {
		return false, err
	}
	return p.MatchEvent(ev), nil
}

// MatchEvent reports whether the parsed event matches the pattern.
func (p *Pattern) MatchEvent(e *Event) bool {
	for _, b := range p.branches {
		if matchBranch(e, b) {
			return true
		}
	}
	return false
}

func (f *field) matchesValue(v *value) bool {
	for _, m := range f.matchers {
		if m.match(v) {
			return true
		}
	}
	return false
}

// consistent reports whether two leaves' array positions agree on every
// array they share.
func consistent(a, b []arrayPos) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if x.id == y.id && x.idx != y.idx {
				return false
			}
		}
	}
	return true
}

// merge returns the union of two consistent position lists.
func merge(a, b []arrayPos) []arrayPos {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := append([]arrayPos(nil), a...)
	for _, y := range b {
		seen := false
		for _, x := range a {
			if x.id == y.id {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, y)
		}
	}
	return out
}
