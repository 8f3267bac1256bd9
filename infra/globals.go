package infra

import (
	"fmt"
	"strings"
)

// mergeGlobals applies SAM's Globals section to the serverless resources,
// with SAM's rules: maps merge key by key, lists are the global entries
// followed by the resource's, any other value set on the resource wins.
// An intrinsic function counts as a single value. It also adds the
// execution role SAM generates ("<Function>Role") for each function that
// names no Role, so templates may refer to it.
func mergeGlobals(doc map[string]any) (map[string]any, error) {
	resources, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template has no Resources mapping")
	}
	globals, _ := doc["Globals"].(map[string]any)
	for section, g := range globals {
		gm, ok := g.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Globals.%s: not a mapping", section)
		}
		typ := "AWS::Serverless::" + section
		for _, id := range sortedKeys(resources) {
			res, _ := resources[id].(map[string]any)
			if res == nil || res["Type"] != typ {
				continue
			}
			props, _ := res["Properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
			}
			res["Properties"] = mergeValue(deepCopy(gm), props)
		}
	}
	delete(doc, "Globals")
	for _, id := range sortedKeys(resources) {
		res, _ := resources[id].(map[string]any)
		if res == nil || res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		if _, hasRole := props["Role"]; hasRole {
			continue
		}
		role := id + "Role"
		if _, taken := resources[role]; !taken {
			resources[role] = map[string]any{"Type": "AWS::IAM::Role", implicitKey: true, "Properties": map[string]any{}}
		}
	}
	return doc, nil
}

// implicitKey marks resources SAM would generate.
const implicitKey = "licenseflow:implicit"

func mergeValue(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if gok && lok && !isIntrinsic(gm) && !isIntrinsic(lm) {
		for k, lv := range lm {
			if gv, ok := gm[k]; ok {
				gm[k] = mergeValue(gv, lv)
			} else {
				gm[k] = lv
			}
		}
		return gm
	}
	gl, gok := global.([]any)
	ll, lok := local.([]any)
	if gok && lok {
		return append(gl, ll...)
	}
	return local
}

// isIntrinsic reports whether m is an intrinsic function call.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}
