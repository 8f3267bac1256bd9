package infra

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// noValue is what AWS::NoValue resolves to: the key or element is dropped.
type noValue struct{}

type rawResource struct {
	Type       string
	Properties map[string]any
	Condition  string
	Implicit   bool
}

// resolver evaluates intrinsic functions against one template and options.
type resolver struct {
	opts       Options
	params     map[string]Parameter
	resources  map[string]rawResource
	mappings   map[string]any
	conditions map[string]any
	condValue  map[string]bool
	busy       map[string]bool
	physical   map[string]string
	errs       []error
	seen       map[string]bool
}

func newResolver(doc map[string]any, opts Options) (*resolver, error) {
	r := &resolver{opts: opts, params: map[string]Parameter{}, resources: map[string]rawResource{},
		condValue: map[string]bool{}, busy: map[string]bool{}, physical: map[string]string{}, seen: map[string]bool{}}
	r.mappings, _ = doc["Mappings"].(map[string]any)
	r.conditions, _ = doc["Conditions"].(map[string]any)
	params, _ := doc["Parameters"].(map[string]any)
	for name, p := range params {
		pm, typ, ok := r.typed("Parameters", name, p)
		if !ok {
			continue
		}
		param := Parameter{Name: name, Type: typ, NoEcho: truthy(pm["NoEcho"])}
		if v, ok := opts.Parameters[name]; ok {
			param.Value = paramValue(param.Type, v)
		} else if d, ok := pm["Default"]; ok {
			param.Value = paramValue(param.Type, d)
		}
		r.params[name] = param
	}
	for name := range opts.Parameters {
		if _, ok := r.params[name]; !ok {
			r.fail("parameter override %q: the template has no such parameter", name)
		}
	}
	resources, _ := doc["Resources"].(map[string]any)
	for id, v := range resources {
		m, typ, ok := r.typed("Resources", id, v)
		if !ok {
			continue
		}
		res := rawResource{Type: typ, Implicit: m[implicitKey] == true}
		if p, ok := m["Properties"]; ok {
			if res.Properties, ok = p.(map[string]any); !ok {
				r.fail("Resources.%s.Properties: not a mapping", id)
			}
		}
		res.Condition, _ = m["Condition"].(string)
		if res.Condition != "" {
			if _, ok := r.conditions[res.Condition]; !ok {
				r.fail("Resources.%s: condition %q does not exist", id, res.Condition)
			}
		}
		r.resources[id] = res
	}
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("reading template: %w", joinErrs(r.errs))
	}
	return r, nil
}

// typed reads the entry name of a template section (a parameter or a
// resource): a mapping with a Type. It fails the entry that is not a
// mapping (ok is false) or has no Type.
func (r *resolver) typed(section, name string, v any) (m map[string]any, typ string, ok bool) {
	m, ok = v.(map[string]any)
	if !ok {
		r.fail("%s.%s: not a mapping", section, name)
		return nil, "", false
	}
	typ, _ = m["Type"].(string)
	if typ == "" {
		r.fail("%s.%s: no Type", section, name)
	}
	return m, typ, true
}

// paramValue converts a parameter value to what Ref yields for its type.
func paramValue(typ string, v any) any {
	s := fmt.Sprint(v)
	switch {
	case typ == "Number":
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			if n == float64(int64(n)) {
				return int(n)
			}
			return n
		}
	case typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<"):
		var out []any
		for _, e := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out
	}
	return s
}

func (r *resolver) fail(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	if r.seen[err.Error()] {
		return
	}
	r.seen[err.Error()] = true
	r.errs = append(r.errs, err)
}

// included reports whether a resource exists under the conditions.
func (r *resolver) included(id string) bool {
	res, ok := r.resources[id]
	if !ok {
		return false
	}
	return res.Condition == "" || r.condition(res.Condition, "Resources."+id)
}

func (r *resolver) condition(name, path string) bool {
	if v, ok := r.condValue[name]; ok {
		return v
	}
	expr, ok := r.conditions[name]
	if !ok {
		r.fail("%s: condition %q does not exist", path, name)
		return false
	}
	key := "condition " + name
	if r.busy[key] {
		r.fail("%s: condition %q refers to itself", path, name)
		return false
	}
	r.busy[key] = true
	v := truthy(r.resolve(expr, "Conditions."+name))
	delete(r.busy, key)
	r.condValue[name] = v
	return v
}

// resolve returns v with every intrinsic function replaced by its value.
func (r *resolver) resolve(v any, path string) any {
	switch x := v.(type) {
	case map[string]any:
		if isIntrinsic(x) {
			for fn, arg := range x {
				return r.call(fn, arg, path)
			}
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			val := r.resolve(x[k], path+"."+k)
			if _, drop := val.(noValue); !drop {
				out[k] = val
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			val := r.resolve(e, fmt.Sprintf("%s[%d]", path, i))
			if _, drop := val.(noValue); !drop {
				out = append(out, val)
			}
		}
		return out
	}
	return v
}

func (r *resolver) call(fn string, arg any, path string) any {
	at := path + "." + fn
	if fn == "Fn::If" {
		// Only the chosen branch is resolved, as CloudFormation does.
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			r.fail("%s: want [condition, value if true, value if false]", at)
			return ""
		}
		name, _ := r.resolve(l[0], at).(string)
		if r.condition(name, at) {
			return r.resolve(l[1], at)
		}
		return r.resolve(l[2], at)
	}
	a := r.resolve(arg, at)
	switch fn {
	case "Ref":
		name, ok := a.(string)
		if !ok {
			r.fail("%s: want a name", at)
			return ""
		}
		return r.ref(name, at)
	case "Condition":
		name, _ := a.(string)
		return r.condition(name, at)
	case "Fn::GetAtt":
		var id, attr string
		switch x := a.(type) {
		case string:
			id, attr, _ = strings.Cut(x, ".")
		case []any:
			if len(x) == 2 {
				id, _ = x[0].(string)
				attr, _ = x[1].(string)
			}
		}
		if id == "" || attr == "" {
			r.fail("%s: want Resource.Attribute", at)
			return ""
		}
		return r.getAtt(id, attr, at)
	case "Fn::Sub":
		return r.sub(a, at)
	case "Fn::Join":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			r.fail("%s: want [delimiter, list]", at)
			return ""
		}
		sep, _ := l[0].(string)
		parts, ok := l[1].([]any)
		if !ok {
			r.fail("%s: second argument is not a list", at)
			return ""
		}
		s := make([]string, len(parts))
		for i, p := range parts {
			s[i] = r.str(p, at)
		}
		return strings.Join(s, sep)
	case "Fn::Split":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			r.fail("%s: want [delimiter, string]", at)
			return []any{}
		}
		var out []any
		for _, p := range strings.Split(r.str(l[1], at), r.str(l[0], at)) {
			out = append(out, p)
		}
		return out
	case "Fn::Select":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			r.fail("%s: want [index, list]", at)
			return ""
		}
		i, err := strconv.Atoi(fmt.Sprint(l[0]))
		list, ok := l[1].([]any)
		if err != nil || !ok || i < 0 || i >= len(list) {
			r.fail("%s: index %v out of range of %v", at, l[0], l[1])
			return ""
		}
		return list[i]
	case "Fn::GetAZs":
		region, _ := a.(string)
		if region == "" {
			region = r.opts.Region
		}
		return []any{region + "a", region + "b", region + "c"}
	case "Fn::FindInMap":
		l, ok := a.([]any)
		if !ok || len(l) < 3 {
			r.fail("%s: want [map, top key, second key]", at)
			return ""
		}
		keys := []string{r.str(l[0], at), r.str(l[1], at), r.str(l[2], at)}
		var cur any = r.mappings
		for i, k := range keys {
			m, ok := cur.(map[string]any)
			if ok {
				cur, ok = m[k]
			}
			if !ok {
				r.fail("%s: mapping %s has no entry %s", at, strings.Join(keys[:i], "."), k)
				return ""
			}
		}
		return r.resolve(cur, at)
	case "Fn::Base64":
		return base64.StdEncoding.EncodeToString([]byte(r.str(a, at)))
	case "Fn::Equals":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			r.fail("%s: want two values", at)
			return false
		}
		return fmt.Sprint(l[0]) == fmt.Sprint(l[1])
	case "Fn::And", "Fn::Or":
		l, _ := a.([]any)
		res := fn == "Fn::And"
		for _, e := range l {
			if fn == "Fn::And" {
				res = res && truthy(e)
			} else {
				res = res || truthy(e)
			}
		}
		return res
	case "Fn::Not":
		l, ok := a.([]any)
		if !ok || len(l) != 1 {
			r.fail("%s: want one condition", at)
			return false
		}
		return !truthy(l[0])
	}
	r.fail("%s: intrinsic function not supported", at)
	return ""
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(a any, at string) any {
	var tmpl string
	vars := map[string]any{}
	switch x := a.(type) {
	case string:
		tmpl = x
	case []any:
		if len(x) == 2 {
			tmpl, _ = x[0].(string)
			vars, _ = x[1].(map[string]any)
		}
	}
	if tmpl == "" && vars == nil {
		r.fail("%s: want a string or [string, variables]", at)
		return ""
	}
	return subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-1])
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return r.str(v, at)
		}
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			return r.str(r.getAtt(id, attr, at), at)
		}
		return r.str(r.ref(name, at), at)
	})
}

// str renders a resolved scalar for Sub and Join.
func (r *resolver) str(v any, at string) string {
	switch x := v.(type) {
	case string:
		return x
	case int, int64, float64, bool:
		return fmt.Sprint(x)
	}
	r.fail("%s: %v is not a string", at, v)
	return ""
}

func (r *resolver) ref(name, at string) any {
	switch name {
	case "AWS::StackName":
		return r.opts.StackName
	case "AWS::Region":
		return r.opts.Region
	case "AWS::AccountId":
		return r.opts.AccountID
	case "AWS::Partition":
		return r.opts.Partition
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackId":
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000",
			r.opts.Partition, r.opts.Region, r.opts.AccountID, r.opts.StackName)
	case "AWS::NotificationARNs":
		return []any{}
	case "AWS::NoValue":
		return noValue{}
	}
	if p, ok := r.params[name]; ok {
		if p.Value == nil {
			return "PARAMETER-" + name
		}
		return p.Value
	}
	if _, ok := r.resources[name]; ok {
		if !r.included(name) {
			r.fail("%s: Ref to %s, which its condition excludes", at, name)
			return ""
		}
		return r.note(r.refValue(name, at), name)
	}
	r.fail("%s: Ref to %q: no such parameter, pseudo parameter or resource", at, name)
	return ""
}

func (r *resolver) getAtt(id, attr, at string) any {
	if _, ok := r.resources[id]; !ok {
		r.fail("%s: GetAtt %s.%s: no such resource", at, id, attr)
		return ""
	}
	if !r.included(id) {
		r.fail("%s: GetAtt %s.%s: its condition excludes the resource", at, id, attr)
		return ""
	}
	v, ok := r.attValue(id, attr, at)
	if !ok {
		r.fail("%s: GetAtt %s.%s: %s has no attribute %s", at, id, attr, r.resources[id].Type, attr)
		return ""
	}
	return r.note(v, id)
}

// note remembers which resource a resolved value stands for.
func (r *resolver) note(v any, id string) any {
	if s, ok := v.(string); ok && s != "" {
		r.physical[s] = id
	}
	return v
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}
