package infra

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

func checkEdgeLambdas(p *posture) []string {
	var out []string
	for _, f := range p.functions() {
		if rt := stringOf(f.Properties["Runtime"]); rt != "provided.al2023" {
			out = append(out, fmt.Sprintf("function %s runtime %q is not provided.al2023", f.LogicalID, rt))
		}
		if arch := strList(f.Properties["Architectures"]); len(arch) != 1 || arch[0] != "arm64" {
			out = append(out, fmt.Sprintf("function %s architectures %v are not [arm64]", f.LogicalID, arch))
		}
		if !hasEvent(f, "HttpApi") && !hasEvent(f, "Api") {
			continue
		}
		vpc, _ := f.Properties["VpcConfig"].(map[string]any)
		store := readsStore(f)
		switch {
		case !store && vpc != nil:
			out = append(out, fmt.Sprintf("edge function %s is in a VPC but reads no store: a stateless edge stays outside", f.LogicalID))
		case store && vpc == nil:
			out = append(out, fmt.Sprintf("edge function %s reads the store but is outside the VPC: the database is reachable only inside", f.LogicalID))
		case store:
			out = append(out, p.storeEdgeProblems(f, vpc)...)
		}
	}
	return out
}

// storeEdgeProblems checks an edge function that reads the store: in the
// private subnets, with security groups of its own (the in-VPC rules hold
// them to no ingress) that reach the endpoints and the database only —
// never the application servers.
func (p *posture) storeEdgeProblems(f Resource, vpc map[string]any) []string {
	var out []string
	if prob := p.subnetProblem(vpc["SubnetIds"]); prob != "" {
		out = append(out, fmt.Sprintf("edge function %s: %s", f.LogicalID, prob))
	}
	sgs, _ := p.ids(vpc["SecurityGroupIds"])
	if len(sgs) == 0 {
		out = append(out, fmt.Sprintf("edge function %s names no security group", f.LogicalID))
	}
	for _, sg := range sgs {
		for _, r := range p.groupRules(sg, "Egress") {
			dst, _ := p.t.LogicalID(r.props["DestinationSecurityGroupId"])
			if dst != "" && !p.endpointSGs[dst] && !p.dbSGs[dst] {
				out = append(out, fmt.Sprintf("edge function %s: %s reaches %s: an edge reaches only the endpoints and the database", f.LogicalID, r.where, dst))
			}
		}
	}
	return out
}

// readsStore reports whether a function is given the database (it signs
// people in, or runs a stage).
func readsStore(f Resource) bool {
	vars := envVars(f)
	_, host := vars["LICENSEFLOW_DATABASE_HOST"]
	_, url := vars["DATABASE_URL"]
	return host || url
}

func checkStageLambdas(p *posture) []string {
	var out []string
	stages := 0
	for _, f := range p.functions() {
		if !hasEvent(f, "SQS") {
			continue
		}
		stages++
		vpc, _ := f.Properties["VpcConfig"].(map[string]any)
		if vpc == nil {
			out = append(out, fmt.Sprintf("stage function %s is not in the VPC", f.LogicalID))
		} else {
			if prob := p.subnetProblem(vpc["SubnetIds"]); prob != "" {
				out = append(out, fmt.Sprintf("stage function %s: %s", f.LogicalID, prob))
			}
			if len(list(vpc["SecurityGroupIds"])) == 0 {
				out = append(out, fmt.Sprintf("stage function %s names no security group", f.LogicalID))
			}
		}
		events, _ := f.Properties["Events"].(map[string]any)
		for _, name := range sortedKeys(events) {
			ev, _ := events[name].(map[string]any)
			if ev["Type"] != "SQS" {
				continue
			}
			props, _ := ev["Properties"].(map[string]any)
			found := false
			for _, t := range strList(props["FunctionResponseTypes"]) {
				found = found || t == "ReportBatchItemFailures"
			}
			if !found {
				out = append(out, fmt.Sprintf("stage function %s event %s does not report batch item failures: one bad message retries the whole batch", f.LogicalID, name))
			}
		}
	}
	if stages == 0 {
		out = append(out, "no function is fed by a queue")
	}
	return out
}

func checkPoller(p *posture) []string {
	services, out := p.atLeastOne("AWS::ECS::Service", "no ECS service runs the license-push poller")
	for _, s := range services {
		vpc := awsvpc(s)
		if vpc == nil {
			out = append(out, fmt.Sprintf("service %s has no awsvpc network configuration", s.LogicalID))
			continue
		}
		if ip := stringOf(vpc["AssignPublicIp"]); ip != "" && ip != "DISABLED" {
			out = append(out, fmt.Sprintf("service %s assigns public IPs", s.LogicalID))
		}
		if prob := p.subnetProblem(vpc["Subnets"]); prob != "" {
			out = append(out, fmt.Sprintf("service %s: %s", s.LogicalID, prob))
		}
		if len(list(vpc["SecurityGroups"])) == 0 {
			out = append(out, fmt.Sprintf("service %s names no security group", s.LogicalID))
		}
		if id, ok := p.t.LogicalID(s.Properties["TaskDefinition"]); ok {
			for i, c := range list(p.t.Resources[id].Properties["ContainerDefinitions"]) {
				cm, _ := c.(map[string]any)
				if len(list(cm["PortMappings"])) > 0 {
					out = append(out, fmt.Sprintf("task %s container %d maps ports: the poller opens none", id, i))
				}
			}
		}
		if lb := list(s.Properties["LoadBalancers"]); len(lb) > 0 {
			out = append(out, fmt.Sprintf("service %s sits behind a load balancer", s.LogicalID))
		}
	}
	return out
}

func checkDatabase(p *posture) []string {
	var out []string
	for _, d := range p.t.OfType("AWS::RDS::DBInstance") {
		if pa, ok := d.Properties["PubliclyAccessible"]; !ok || truthy(pa) {
			out = append(out, fmt.Sprintf("database %s is not explicitly PubliclyAccessible: false", d.LogicalID))
		}
		if !truthy(d.Properties["StorageEncrypted"]) {
			out = append(out, fmt.Sprintf("database %s storage is not encrypted", d.LogicalID))
		}
		group, ok := p.t.LogicalID(d.Properties["DBSubnetGroupName"])
		if !ok || p.t.Resources[group].Type != "AWS::RDS::DBSubnetGroup" {
			out = append(out, fmt.Sprintf("database %s has no subnet group of this template", d.LogicalID))
			continue
		}
		if prob := p.subnetProblem(p.t.Resources[group].Properties["SubnetIds"]); prob != "" {
			out = append(out, fmt.Sprintf("database %s subnet group %s: %s", d.LogicalID, group, prob))
		}
	}
	return out
}

// sensitiveName matches names that carry secret values. Public keys are
// public by design.
var sensitiveName = regexp.MustCompile(`(?i)(secret|passw|token|private_?key|signing_?key|api_?key|credential)`)

// secretRef reports whether v names a secret rather than holding one.
func secretRef(v any) bool {
	s, _ := v.(string)
	return strings.Contains(s, ":secretsmanager:") || strings.Contains(s, ":ssm:") && strings.Contains(s, ":parameter/")
}

func dynamicSecret(v any) bool {
	s, _ := v.(string)
	return strings.Contains(s, "{{resolve:secretsmanager") || strings.Contains(s, "{{resolve:ssm-secure")
}

func checkSecrets(p *posture) []string {
	var out []string
	for _, name := range sortedKeys(p.t.Parameters) {
		prm := p.t.Parameters[name]
		if prm.NoEcho {
			out = append(out, fmt.Sprintf("parameter %s is NoEcho: a secret passed as a parameter", name))
		} else if sensitiveName.MatchString(name) {
			out = append(out, fmt.Sprintf("parameter %s looks like a secret: take it from Secrets Manager or SSM", name))
		}
	}
	envProblem := func(where, name string, v any) {
		switch {
		case dynamicSecret(v):
			out = append(out, fmt.Sprintf("%s %s resolves a secret into plain configuration", where, name))
		case sensitiveName.MatchString(name) && !secretRef(v):
			out = append(out, fmt.Sprintf("%s %s carries a secret value, not a Secrets Manager or SSM ARN", where, name))
		}
	}
	for _, f := range p.functions() {
		vars := envVars(f)
		for _, k := range sortedKeys(vars) {
			envProblem("function "+f.LogicalID+" variable", k, vars[k])
		}
	}
	for _, td := range p.t.OfType("AWS::ECS::TaskDefinition") {
		for _, c := range list(td.Properties["ContainerDefinitions"]) {
			cm, _ := c.(map[string]any)
			for _, e := range list(cm["Environment"]) {
				em, _ := e.(map[string]any)
				envProblem("task "+td.LogicalID+" variable", stringOf(em["Name"]), em["Value"])
			}
			for _, e := range list(cm["Secrets"]) {
				em, _ := e.(map[string]any)
				if !secretRef(em["ValueFrom"]) {
					out = append(out, fmt.Sprintf("task %s secret %v is not a Secrets Manager or SSM ARN", td.LogicalID, em["Name"]))
				}
			}
		}
	}
	for _, d := range p.t.OfType("AWS::RDS::DBInstance") {
		if pw, ok := d.Properties["MasterUserPassword"]; ok && !dynamicSecret(pw) {
			out = append(out, fmt.Sprintf("database %s has a literal MasterUserPassword (use ManageMasterUserPassword)", d.LogicalID))
		}
	}
	for _, s := range p.t.OfType("AWS::SecretsManager::Secret") {
		if _, ok := s.Properties["SecretString"]; ok {
			out = append(out, fmt.Sprintf("secret %s has its value in the template", s.LogicalID))
		}
	}
	return out
}

func checkThrottling(p *posture) []string {
	var out []string
	apis := map[string]bool{}
	throttled := func(v any) bool {
		m, _ := v.(map[string]any)
		return intOf(m["ThrottlingBurstLimit"]) > 0 && intOf(m["ThrottlingRateLimit"]) > 0
	}
	for _, a := range p.t.OfType("AWS::Serverless::HttpApi") {
		apis[a.LogicalID] = true
		if !throttled(a.Properties["DefaultRouteSettings"]) {
			out = append(out, fmt.Sprintf("HTTP API %s has no DefaultRouteSettings throttling", a.LogicalID))
		}
	}
	for _, s := range p.t.OfType("AWS::ApiGatewayV2::Stage") {
		if !throttled(s.Properties["DefaultRouteSettings"]) {
			out = append(out, fmt.Sprintf("API stage %s has no DefaultRouteSettings throttling", s.LogicalID))
		}
	}
	for _, f := range p.functions() {
		events, _ := f.Properties["Events"].(map[string]any)
		for _, name := range sortedKeys(events) {
			ev, _ := events[name].(map[string]any)
			if ev["Type"] != "HttpApi" && ev["Type"] != "Api" {
				continue
			}
			props, _ := ev["Properties"].(map[string]any)
			id, _ := p.t.LogicalID(props["ApiId"])
			if ev["Type"] == "Api" {
				id, _ = p.t.LogicalID(props["RestApiId"])
			}
			if !apis[id] {
				out = append(out, fmt.Sprintf("function %s event %s is not on a throttled HTTP API of this template (SAM's implicit API has no throttling)", f.LogicalID, name))
			}
		}
	}
	return out
}

// reservedEnv are the environment variables Lambda sets itself and refuses
// in a function's configuration.
var reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}

func checkLambdaEntries(p *posture) []string {
	var out []string
	if len(p.entries) == 0 {
		out = append(out, "the binary's Lambda entries were not given, so no Handler can be checked")
	}
	for _, f := range p.functions() {
		h := stringOf(f.Properties["Handler"])
		switch {
		case h == "":
			out = append(out, fmt.Sprintf("function %s has no Handler: the runtime would start the binary without an entry", f.LogicalID))
		case len(p.entries) > 0 && !slices.Contains(p.entries, h):
			out = append(out, fmt.Sprintf("function %s Handler %q is not an entry of the binary (%s)", f.LogicalID, h, strings.Join(p.entries, ", ")))
		}
		for name := range envVars(f) {
			if slices.Contains(reservedEnv, name) {
				out = append(out, fmt.Sprintf("function %s sets the reserved environment variable %s: Lambda refuses to create it", f.LogicalID, name))
			}
		}
	}
	return out
}
