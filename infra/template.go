package infra

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// templateYAML is infra/template.yaml, carried by every binary.
//
//go:embed template.yaml
var templateYAML []byte

// EmbeddedTemplate returns a copy of the template the binary carries.
func EmbeddedTemplate() []byte {
	return append([]byte(nil), templateYAML...)
}

// Options are the deploy-time values a template is resolved with.
type Options struct {
	// StackName is AWS::StackName. Default "licenseflow".
	StackName string
	// Region is AWS::Region. Default "us-east-1".
	Region string
	// AccountID is AWS::AccountId. Default "000000000000".
	AccountID string
	// Partition is AWS::Partition. Default "aws".
	Partition string
	// Parameters override the template's parameter defaults, by name.
	Parameters map[string]string
}

func (o *Options) setDefaults() {
	o.StackName = cmp.Or(o.StackName, "licenseflow")
	o.Region = cmp.Or(o.Region, "us-east-1")
	o.AccountID = cmp.Or(o.AccountID, "000000000000")
	o.Partition = cmp.Or(o.Partition, "aws")
}

// Resource is one resolved resource of a template: every intrinsic function
// in Properties is replaced by its value.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	// Implicit is true for a resource SAM generates (a function's role).
	Implicit bool
}

// Parameter is a template parameter with the value it was resolved with.
type Parameter struct {
	Name   string
	Type   string
	NoEcho bool
	// Value is the override, else the default; nil when the parameter
	// has neither (references to it then resolve to a placeholder).
	Value any
}

// Template is a loaded, fully resolved CloudFormation/SAM template.
type Template struct {
	Options Options
	// CFN is the template typed by goformation (SAM resources included).
	// goformation's SAM model lacks some newer properties (an SQS event's
	// FunctionResponseTypes, for one): checks read Resources.
	CFN        *cloudformation.Template
	Parameters map[string]Parameter
	Resources  map[string]Resource
	Outputs    map[string]any

	raw      map[string]any
	physical map[string]string
}

// Load reads and resolves the template at path with default options.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading template: %w", err)
	}
	return LoadTemplate(b)
}

// LoadTemplate resolves a YAML or JSON template with default options.
func LoadTemplate(b []byte) (*Template, error) {
	return LoadTemplateWith(b, Options{})
}

// LoadEmbedded resolves the embedded template with opts.
func LoadEmbedded(opts Options) (*Template, error) {
	return LoadTemplateWith(templateYAML, opts)
}

// LoadTemplateWith parses a YAML or JSON template (short-form intrinsics
// allowed), merges SAM Globals into each function, resolves every intrinsic
// function (Ref, GetAtt, Sub, Select, GetAZs, FindInMap, Join, Split, If,
// Base64) with opts and the parameter defaults, and types the result with
// goformation. It reports every reference to a parameter, resource,
// mapping entry or attribute that does not exist.
func LoadTemplateWith(b []byte, opts Options) (*Template, error) {
	raw, err := decodeYAML(b)
	if err != nil {
		return nil, err
	}
	return resolveTemplate(raw, opts)
}

// WithOptions resolves the same template again with other options.
func (t *Template) WithOptions(opts Options) (*Template, error) {
	return resolveTemplate(t.raw, opts)
}

func resolveTemplate(raw map[string]any, opts Options) (*Template, error) {
	opts.setDefaults()
	doc, err := mergeGlobals(deepCopy(raw).(map[string]any))
	if err != nil {
		return nil, err
	}
	r, err := newResolver(doc, opts)
	if err != nil {
		return nil, err
	}
	t := &Template{Options: opts, raw: raw, Parameters: r.params,
		Resources: map[string]Resource{}, physical: r.physical}
	for _, id := range sortedKeys(r.resources) {
		if !r.included(id) {
			continue
		}
		res := r.resources[id]
		props, _ := r.resolve(res.Properties, "Resources."+id+".Properties").(map[string]any)
		t.Resources[id] = Resource{LogicalID: id, Type: res.Type, Properties: props, Implicit: res.Implicit}
	}
	// Literal ARNs and URLs of the template's own queues, buses and rules
	// stand for those resources too.
	for _, id := range sortedKeys(r.resources) {
		switch typ := r.resources[id].Type; typ {
		case "AWS::SQS::Queue", "AWS::Events::EventBus", "AWS::Events::Rule":
			if r.included(id) {
				r.note(r.refValue(id, "Resources."+id), id)
				arn, _ := r.attValue(id, "Arn", "Resources."+id)
				r.note(arn, id)
			}
		}
	}
	if outs, ok := doc["Outputs"].(map[string]any); ok {
		t.Outputs, _ = r.resolve(outs, "Outputs").(map[string]any)
	}
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("resolving template: %w", errors.Join(r.errs...))
	}
	if t.CFN, err = typeTemplate(doc, t); err != nil {
		return nil, err
	}
	return t, nil
}

// typeTemplate hands the resolved template to goformation, which checks
// every resource type exists and every property has its type.
func typeTemplate(doc map[string]any, t *Template) (*cloudformation.Template, error) {
	resolved := map[string]any{}
	for _, k := range []string{"AWSTemplateFormatVersion", "Transform", "Description", "Parameters", "Mappings", "Conditions"} {
		if v, ok := doc[k]; ok {
			resolved[k] = v
		}
	}
	resources := map[string]any{}
	for id, res := range t.Resources {
		if res.Implicit {
			continue
		}
		rawRes, _ := doc["Resources"].(map[string]any)[id].(map[string]any)
		entry := map[string]any{"Type": res.Type, "Properties": res.Properties}
		for _, k := range []string{"DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"} {
			if v, ok := rawRes[k]; ok {
				entry[k] = v
			}
		}
		resources[id] = entry
	}
	resolved["Resources"] = resources
	if t.Outputs != nil {
		resolved["Outputs"] = t.Outputs
	}
	b, err := json.Marshal(resolved)
	if err != nil {
		return nil, fmt.Errorf("encoding resolved template: %w", err)
	}
	cfn, err := goformation.ParseJSONWithOptions(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, fmt.Errorf("typing template: %w", err)
	}
	return cfn, nil
}

// Resource returns the resource with the given logical id.
func (t *Template) Resource(id string) (Resource, bool) {
	r, ok := t.Resources[id]
	return r, ok
}

// OfType returns the resources of the given types, type by type in the
// order given, each type's sorted by logical id.
func (t *Template) OfType(types ...string) []Resource {
	var out []Resource
	ids := sortedKeys(t.Resources)
	for _, typ := range types {
		for _, id := range ids {
			if t.Resources[id].Type == typ {
				out = append(out, t.Resources[id])
			}
		}
	}
	return out
}

// LogicalID returns the logical id of the resource a resolved value (a Ref
// or GetAtt result: an id, name, URL or ARN) stands for.
func (t *Template) LogicalID(value any) (string, bool) {
	s, ok := value.(string)
	if !ok {
		return "", false
	}
	id, ok := t.physical[s]
	return id, ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
