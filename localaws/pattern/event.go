package pattern

import (
	"errors"
	"fmt"
)

// kind is the JSON type of a leaf value.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindTrue
	kindFalse
	kindNull
)

// value is one leaf of an event. s holds a string's text or a number's
// literal; num is a number's decimal form.
type value struct {
	kind kind
	s    string
	num  decimal
}

// arrayPos says a leaf sits in element idx of the array numbered id.
type arrayPos struct{ id, idx int32 }

// leaf is one flattened field: its dotted path, value and the array
// elements it sits in (outermost first).
type leaf struct {
	path string
	v    value
	in   []arrayPos
}

// Event is a parsed event, flattened into leaves as event-ruler sees it.
// Parse it once with ParseEvent and match it against many patterns with
// MatchEvent. An Event is immutable and safe for concurrent use.
type Event struct {
	leaves []leaf
	byPath map[string][]int32
}

// maxDepth bounds the nesting of objects and arrays in an event.
const maxDepth = 1000

// ErrNotObject is returned (wrapped) for an event that is not a JSON object.
var ErrNotObject = errors.New("event is not a JSON object")

// ParseEvent parses a JSON event. The error, for anything but a JSON object
// (including invalid JSON), wraps ErrNotObject.
func ParseEvent(event []byte) (*Event, error) {
	p := eventParser{b: event, ev: &Event{}}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, ErrNotObject
	}
	if err := p.value(""); err != nil {
		return nil, fmt.Errorf("%w: %v at offset %d", ErrNotObject, err, p.i)
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, fmt.Errorf("%w: trailing data at offset %d", ErrNotObject, p.i)
	}
	ev := p.ev
	ev.byPath = make(map[string][]int32, len(ev.leaves))
	for i := range ev.leaves {
		path := ev.leaves[i].path
		ev.byPath[path] = append(ev.byPath[path], int32(i))
	}
	return ev, nil
}

type eventParser struct {
	b      []byte
	i      int
	ev     *Event
	in     []arrayPos
	arrays int32
	depth  int
}

var errSyntax = errors.New("invalid JSON")

func (p *eventParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *eventParser) add(path string, v value) {
	var in []arrayPos
	if len(p.in) > 0 {
		in = append([]arrayPos(nil), p.in...)
	}
	p.ev.leaves = append(p.ev.leaves, leaf{path: path, v: v, in: in})
}

func (p *eventParser) value(path string) error {
	p.ws()
	if p.i >= len(p.b) {
		return errSyntax
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(path)
	case c == '[':
		return p.array(path)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return err
		}
		p.add(path, value{kind: kindString, s: s})
	case c == 't':
		return p.literal(path, "true", kindTrue)
	case c == 'f':
		return p.literal(path, "false", kindFalse)
	case c == 'n':
		return p.literal(path, "null", kindNull)
	case c == '-' || '0' <= c && c <= '9':
		s, err := p.number()
		if err != nil {
			return err
		}
		p.add(path, value{kind: kindNumber, s: s, num: parseDecimal(s)})
	default:
		return errSyntax
	}
	return nil
}

func (p *eventParser) literal(path, word string, k kind) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return errSyntax
	}
	p.i += len(word)
	p.add(path, value{kind: k, s: word})
	return nil
}

func (p *eventParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("nesting deeper than %d", maxDepth)
	}
	return nil
}

func (p *eventParser) object(path string) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer func() { p.depth-- }()
	p.i++ // '{'
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return errSyntax
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return errSyntax
		}
		p.i++
		child := key
		if path != "" {
			child = path + "." + key
		}
		if err := p.value(child); err != nil {
			return err
		}
		if more, err := p.more('}'); !more {
			return err
		}
	}
}

// more reads what follows a member or an element: a comma (true: more
// follow) or the closing delimiter (false).
func (p *eventParser) more(closing byte) (bool, error) {
	p.ws()
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ',':
			p.i++
			return true, nil
		case closing:
			p.i++
			return false, nil
		}
	}
	return false, errSyntax
}

func (p *eventParser) array(path string) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer func() { p.depth-- }()
	p.i++ // '['
	id := p.arrays
	p.arrays++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for idx := int32(0); ; idx++ {
		p.in = append(p.in, arrayPos{id: id, idx: idx})
		err := p.value(path)
		p.in = p.in[:len(p.in)-1]
		if err != nil {
			return err
		}
		if more, err := p.more(']'); !more {
			return err
		}
	}
}

// number scans a JSON number and returns its literal.
func (p *eventParser) number() (string, error) {
	start := p.i
	b := p.b
	digits := func() int {
		n := 0
		for p.i < len(b) && '0' <= b[p.i] && b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if b[p.i] == '-' {
		p.i++
	}
	if p.i < len(b) && b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return "", errSyntax
	}
	if p.i < len(b) && b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return "", errSyntax
		}
	}
	if p.i < len(b) && (b[p.i] == 'e' || b[p.i] == 'E') {
		p.i++
		if p.i < len(b) && (b[p.i] == '+' || b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", errSyntax
		}
	}
	return string(b[start:p.i]), nil
}
