package infra

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/licenseflow/licenseflow/plans"
)

// plansVar is the variable the functions read the owner's plans from.
const plansVar = "LICENSEFLOW_PLANS"

// lambdaEnvLimit is Lambda's bound on a function's environment: the names
// and values of all its variables together.
const lambdaEnvLimit = 4096

// checkPlans holds the functions that read the plans (PlansEntries, and any
// setting LICENSEFLOW_PLANS) to one catalogue: all set the same value, or
// none does (the built-in plans); a value is the plans as JSON (no plans
// file is deployed with a function) that parses as a valid catalogue. And
// every function's environment fits Lambda's 4 KB, the plans included.
func checkPlans(p *posture) []string {
	var out []string
	values := map[string][]string{} // value -> functions
	for _, f := range p.functions() {
		vars := envVars(f)
		size := 0
		for name, v := range vars {
			size += len(name) + len(fmt.Sprint(v))
		}
		if size > lambdaEnvLimit {
			out = append(out, fmt.Sprintf("function %s: environment of %d bytes, over Lambda's %d (shorten Plans: fewer or shorter lookup keys and features)",
				f.LogicalID, size, lambdaEnvLimit))
		}
		v, set := vars[plansVar]
		if set || slices.Contains(p.plansEntries, stringOf(f.Properties["Handler"])) {
			values[stringOf(v)] = append(values[stringOf(v)], f.LogicalID)
		}
	}
	if len(values) > 1 {
		var parts []string
		for v, fns := range values {
			if v == "" {
				v = "none (the built-in plans)"
			} else {
				v = "plans of digest " + digestOf(v)
			}
			parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(fns, ", "), v))
		}
		sort.Strings(parts)
		out = append(out, fmt.Sprintf("the functions that read %s get different plans: %s", plansVar, strings.Join(parts, "; ")))
	}
	for v, fns := range values {
		if v == "" {
			continue
		}
		if !strings.HasPrefix(strings.TrimSpace(v), "{") {
			out = append(out, fmt.Sprintf("%s of %s is not the plans as JSON: no plans file is deployed with a function (use `licenseflow plans check --json FILE`)",
				plansVar, strings.Join(fns, ", ")))
			continue
		}
		if _, err := plans.Parse([]byte(v)); err != nil {
			out = append(out, fmt.Sprintf("%s of %s: %s", plansVar, strings.Join(fns, ", "), strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}
	return out
}

// envVars are a function's resolved environment variables.
func envVars(f Resource) map[string]any {
	env, _ := f.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

func digestOf(v string) string {
	c, err := plans.Parse([]byte(v))
	if err != nil {
		return "(invalid)"
	}
	return c.Digest()[:12]
}
