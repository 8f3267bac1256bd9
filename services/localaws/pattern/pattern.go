// Package pattern implements EventBridge event patterns: compiling a
// pattern and matching events against it, with the semantics of AWS's
// event-ruler.
//
// STUB: the API is fixed; the implementation is being written.
package pattern

import (
	"encoding/json"
	"errors"
)

// Pattern is a compiled event pattern. It is safe for concurrent use.
type Pattern struct{ raw json.RawMessage }

// Compile parses and validates an EventBridge event pattern. The error
// message says what is wrong, as AWS's InvalidEventPatternException does.
func Compile(src []byte) (*Pattern, error) {
	if !json.Valid(src) {
		return nil, errors.New("event pattern is not valid JSON")
	}
	return &Pattern{raw: src}, nil
}

// Match reports whether the JSON event matches the pattern. An event that
// is not a JSON object is an error.
func (p *Pattern) Match(event []byte) (bool, error) { return false, nil }
