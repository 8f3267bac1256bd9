package awsquery

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// node is one parameter name segment: the parameters a.b.1 and a.b.2 are
// the children "1" and "2" of the child "b" of the child "a" of the root.
// Each parameter is read once into the tree, so decoding a batch is linear
// in the request however its entries nest.
type node struct {
	value    string
	children map[string]*node
}

func (n *node) child(name string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c := n.children[name]
	if c == nil {
		c = &node{}
		n.children[name] = c
	}
	return c
}

func tree(params url.Values) *node {
	root := &node{}
	for k, v := range params {
		n := root
		for part := range strings.SplitSeq(k, ".") {
			n = n.child(part)
		}
		if len(v) > 0 {
			n.value = v[0]
		}
	}
	return root
}

// indexed returns the children named by a positive integer, in order: the
// elements of a flattened list or map.
func (n *node) indexed() []*node {
	type elem struct {
		i int
		n *node
	}
	var es []elem
	for k, c := range n.children {
		if i, err := strconv.Atoi(k); err == nil && i > 0 {
			es = append(es, elem{i, c})
		}
	}
	sort.Slice(es, func(a, b int) bool { return es[a].i < es[b].i })
	out := make([]*node, len(es))
	for i, e := range es {
		out[i] = e.n
	}
	return out
}

// field is a struct member as the protocol names it.
type field struct {
	index      []int
	name       string
	key, value string // a map's key and value member names
}

var fieldCache sync.Map // reflect.Type -> []field

// fields returns the exported members of struct type t, those of embedded
// structs included, with their wire names.
func fields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fs []field
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		f := field{index: sf.Index, name: sf.Name, key: "Name", value: "Value"}
		if j, _, _ := strings.Cut(sf.Tag.Get("json"), ","); j != "" && j != "-" {
			f.name = j
		}
		if q := sf.Tag.Get("query"); q != "" {
			parts := strings.Split(q, ",")
			f.name = parts[0]
			if len(parts) == 3 {
				f.key, f.value = parts[1], parts[2]
			}
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

// wireName resolves a name that starts with "*" against the action.
func wireName(action, name string) string {
	if rest, ok := strings.CutPrefix(name, "*"); ok {
		return action + rest
	}
	return name
}

// decoder fills typed inputs from a parameter tree.
type decoder struct{ action string }

func (d decoder) decodeInput(root *node, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return &awsapi.Error{Status: 500, Code: "InternalFailure", Message: "awsquery: input is not a pointer to a struct"}
	}
	return d.structure(root, v.Elem(), "")
}

func (d decoder) structure(n *node, v reflect.Value, path string) error {
	for _, f := range fields(v.Type()) {
		name := wireName(d.action, f.name)
		c := n.children[name]
		if c == nil {
			continue
		}
		if err := d.value(c, v.FieldByIndex(f.index), path+name, f); err != nil {
			return err
		}
	}
	return nil
}

// value decodes n into v; path names the parameter in errors.
func (d decoder) value(n *node, v reflect.Value, path string, f field) error {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := d.value(n, p.Elem(), path, f); err != nil {
			return err
		}
		v.Set(p)
	case reflect.String:
		v.SetString(n.value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.value)
		if err != nil {
			return invalid(n.value, path, "must be true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(strings.TrimSpace(n.value), 10, v.Type().Bits())
		if err != nil {
			return invalid(n.value, path, "must be an integer")
		}
		v.SetInt(i)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b, err := base64.StdEncoding.DecodeString(n.value)
			if err != nil {
				return invalid(n.value, path, "must be base64")
			}
			v.SetBytes(b)
			return nil
		}
		es := n.indexed()
		s := reflect.MakeSlice(v.Type(), len(es), len(es))
		for i, e := range es {
			if err := d.value(e, s.Index(i), path+"."+strconv.Itoa(i+1), field{key: "Name", value: "Value"}); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		return d.mapping(n, v, path, f)
	case reflect.Struct:
		return d.structure(n, v, path+".")
	default:
		return &awsapi.Error{Status: 500, Code: "InternalFailure", Message: "awsquery: cannot decode " + v.Type().String()}
	}
	return nil
}

// mapping decodes a flattened map: path.N.Key and path.N.Value.
func (d decoder) mapping(n *node, v reflect.Value, path string, f field) error {
	m := reflect.MakeMap(v.Type())
	for i, e := range n.indexed() {
		at := path + "." + strconv.Itoa(i+1) + "."
		k := e.children[f.key]
		if k == nil {
			return awsapi.InvalidParameter("The request must contain the parameter %s%s.", at, f.key)
		}
		val := reflect.New(v.Type().Elem()).Elem()
		if c := e.children[f.value]; c != nil {
			if err := d.value(c, val, at+f.value, field{key: "Name", value: "Value"}); err != nil {
				return err
			}
		}
		m.SetMapIndex(reflect.ValueOf(k.value).Convert(v.Type().Key()), val)
	}
	v.Set(m)
	return nil
}

func invalid(value, path, reason string) *awsapi.Error {
	return awsapi.InvalidParameter("Value %s for parameter %s is invalid. Reason: %s.", value, path, reason)
}
