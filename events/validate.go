package events

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/licenseflow/licenseflow/schemas"
)

// MaxDetailBytes bounds a detail accepted by Validate: EventBridge's 1 MB
// event limit.
const MaxDetailBytes = 1 << 20

// ValidationError says why a detail does not match its schema.
type ValidationError struct {
	DetailType string
	// Err is the schema validator's error (*jsonschema.ValidationError) or
	// a JSON syntax error.
	Err error
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %q detail: %v", e.DetailType, e.Err)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Validator checks details against the embedded schemas. Build one with
// NewValidator (it compiles every schema once) and share it: it is safe for
// concurrent use.
type Validator struct {
	schemas map[string]*jsonschema.Schema
	printer *message.Printer
}

// NewValidator compiles the schema of every registered detail-type.
func NewValidator() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	v := &Validator{schemas: map[string]*jsonschema.Schema{}, printer: message.NewPrinter(language.English)}
	var errs []error
	for _, t := range DetailTypes() {
		raw, err := schemas.Schema(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			errs = append(errs, fmt.Errorf("parsing schema of %q: %w", t, err))
			continue
		}
		loc := "mem:///" + schemas.FileName(t)
		if err := c.AddResource(loc, doc); err != nil {
			errs = append(errs, fmt.Errorf("adding schema of %q: %w", t, err))
			continue
		}
		s, err := c.Compile(loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("compiling schema of %q: %w", t, err))
			continue
		}
		v.schemas[t] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks detail against detailType's schema. It returns an error
// wrapping ErrUnknownType for an unregistered detail-type, a
// *ValidationError for a detail that is not JSON or does not match.
func (v *Validator) Validate(detailType string, detail []byte) error {
	s, ok := v.schemas[detailType]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownType, detailType)
	}
	if len(detail) > MaxDetailBytes {
		return &ValidationError{DetailType: detailType, Err: fmt.Errorf("detail is %d bytes, limit %d", len(detail), MaxDetailBytes)}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(detail))
	if err != nil {
		return &ValidationError{DetailType: detailType, Err: fmt.Errorf("not JSON: %w", err)}
	}
	if err := s.Validate(doc); err != nil {
		return &ValidationError{DetailType: detailType, Err: v.flatten(err)}
	}
	return nil
}

// flatten turns the validator's tree of causes into one line that names
// every failing location, short enough for a log line or a DLQ attribute.
func (v *Validator) flatten(err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			leaves = append(leaves, fmt.Sprintf("%s: %s", loc, e.ErrorKind.LocalizedString(v.printer)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return &schemaError{msg: strings.Join(leaves, "; "), cause: ve}
}

// schemaError is a one-line rendering of a *jsonschema.ValidationError
// that still unwraps to it.
type schemaError struct {
	msg   string
	cause *jsonschema.ValidationError
}

func (e *schemaError) Error() string { return e.msg }
func (e *schemaError) Unwrap() error { return e.cause }
