package infra

import (
	"fmt"
	"sort"
	"strings"
)

// Check is one posture rule of the template.
type Check struct {
	// ID is a short stable name ("no-internet-path").
	ID string
	// Title says what the rule holds.
	Title string
	run   func(*posture) []string
}

// Result is a check's outcome: it passed when Problems is empty.
type Result struct {
	ID, Title string
	// Problems say what violates the rule, one per line.
	Problems []string
}

// Passed reports whether the rule holds.
func (r Result) Passed() bool { return len(r.Problems) == 0 }

// Checks lists the posture rules in the order they are reported.
func Checks() []Check {
	return []Check{
		{"no-internet-path", "no internet gateway, NAT gateway, Elastic IP, gateway attachment or egress-only gateway", checkNoInternetPath},
		{"no-default-route", "no route to 0.0.0.0/0 or ::/0 (gateway-endpoint prefix-list routes are fine)", checkNoDefaultRoute},
		{"private-subnets", "subnets do not map public IPs on launch", checkPrivateSubnets},
		{"vpc-endpoints", "interface endpoints with private DNS for sqs, events, logs, secretsmanager, ecr.api, ecr.dkr; S3 gateway endpoint", checkEndpoints},
		{"endpoint-ingress", "endpoint security groups admit 443 only from the in-VPC parts' security groups", checkEndpointIngress},
		{"endpoint-policies", "every endpoint has a policy scoped to named resources", checkEndpointPolicies},
		{"in-vpc-security-groups", "in-VPC security groups: no ingress; egress only to endpoints:443, database:5432, app servers:license port, S3 prefix list:443", checkInVPCGroups},
		{"queue-dead-letters", "every queue but a dead-letter queue has a RedrivePolicy with maxReceiveCount", checkQueueDLQs},
		{"queue-encryption", "every queue has server-side encryption", checkQueueEncryption},
		{"queue-policies", "queue policies admit events.amazonaws.com only with aws:SourceArn naming our rules, for every rule target", checkQueuePolicies},
		{"rule-targets", "every rule target has a DeadLetterConfig and a RetryPolicy", checkRuleTargets},
		{"event-archive", "the custom bus has an archive of every event (no EventPattern), kept for a finite time at least as long as the dead-letter queues keep a message", checkEventArchive},
		{"no-inbound-path", "nothing opens a path into the VPC: no VPC link, load balancer or function URL, no ingress from an address range", checkNoInboundPath},
		{"edge-lambdas", "functions are provided.al2023 on arm64; an edge (HTTP) function is outside the VPC unless it reads the store, and then sits in the private subnets reaching only the endpoints and the database", checkEdgeLambdas},
		{"stage-lambdas", "queue-fed functions run in the private subnets and report batch item failures", checkStageLambdas},
		{"poller", "the poller runs in the private subnets without a public IP and opens no port", checkPoller},
		{"database", "databases are not publicly accessible, are encrypted and sit in the private subnets", checkDatabase},
		{"secrets", "secrets come only from Secrets Manager or SSM references, never parameters or plain values", checkSecrets},
		{"iam-least-privilege", "no wildcard actions; sqs and events permissions name this stack's resources", checkIAM},
		{"http-api-throttling", "every HTTP API has default route throttling and every HTTP event uses one", checkThrottling},
		{"lambda-entries", "every function's Handler names an entry the binary serves; no function sets a reserved environment variable", checkLambdaEntries},
		{"plans", "the functions that read the plans get one valid catalogue (as JSON) and every environment fits Lambda's 4 KB", checkPlans},
	}
}

// PostureConfig is what the checks need to know beyond the template.
type PostureConfig struct {
	// LambdaEntries are the entries the binary serves, the values a
	// function's Handler may take (the provided runtime hands it to the
	// binary as _HANDLER). Required: without it "lambda-entries" fails.
	LambdaEntries []string
	// PlansEntries are the entries that read the owner's plans
	// (LICENSEFLOW_PLANS): their functions must all get the same plans.
	PlansEntries []string
}

// CheckPosture runs every check on t.
func CheckPosture(t *Template, cfg PostureConfig) []Result {
	p := newPosture(t)
	p.entries, p.plansEntries = cfg.LambdaEntries, cfg.PlansEntries
	var out []Result
	for _, c := range Checks() {
		problems := c.run(p)
		sort.Strings(problems)
		out = append(out, Result{ID: c.ID, Title: c.Title, Problems: problems})
	}
	return out
}

// posture holds what several checks need to know about the template.
type posture struct {
	t *Template
	// subnets, inVPC, endpointSGs and dbSGs are sets of logical ids.
	subnets, inVPC, endpointSGs, dbSGs map[string]bool
	licensePort                        int
	// entries are the binary's Lambda entries; plansEntries those that
	// read the plans.
	entries, plansEntries []string
}

func newPosture(t *Template) *posture {
	p := &posture{t: t, subnets: map[string]bool{}, inVPC: map[string]bool{}, endpointSGs: map[string]bool{}, dbSGs: map[string]bool{}}
	for _, s := range t.OfType("AWS::EC2::Subnet") {
		p.subnets[s.LogicalID] = true
	}
	for _, f := range p.functions() {
		if hasEvent(f, "SQS") || readsStore(f) {
			vpc, _ := f.Properties["VpcConfig"].(map[string]any)
			p.addIDs(p.inVPC, vpc["SecurityGroupIds"])
		}
	}
	for _, s := range t.OfType("AWS::ECS::Service") {
		p.addIDs(p.inVPC, awsvpc(s)["SecurityGroups"])
	}
	for _, e := range t.OfType("AWS::EC2::VPCEndpoint") {
		p.addIDs(p.endpointSGs, e.Properties["SecurityGroupIds"])
	}
	for _, d := range t.OfType("AWS::RDS::DBInstance") {
		p.addIDs(p.dbSGs, d.Properties["VPCSecurityGroups"])
	}
	if lp, ok := t.Parameters["LicensePort"]; ok {
		p.licensePort = intOf(lp.Value)
	}
	return p
}

func (p *posture) addIDs(set map[string]bool, v any) {
	for _, e := range list(v) {
		if id, ok := p.t.LogicalID(e); ok {
			set[id] = true
		}
	}
}

// ids maps resolved values to logical ids; ok is false when one is not a
// resource of the template.
func (p *posture) ids(v any) (ids []string, ok bool) {
	ok = true
	for _, e := range list(v) {
		id, found := p.t.LogicalID(e)
		if !found {
			ok = false
			continue
		}
		ids = append(ids, id)
	}
	return ids, ok
}

// typeOf is the type of the resource a resolved value stands for.
func (p *posture) typeOf(v any) string {
	id, ok := p.t.LogicalID(v)
	if !ok {
		return ""
	}
	return p.t.Resources[id].Type
}

func (p *posture) functions() []Resource {
	return p.t.OfType("AWS::Serverless::Function", "AWS::Lambda::Function")
}

// forbidden reports every resource of the given types, which the template
// must not have.
func (p *posture) forbidden(types ...string) []string {
	var out []string
	for _, r := range p.t.OfType(types...) {
		out = append(out, fmt.Sprintf("%s is an %s", r.LogicalID, r.Type))
	}
	return out
}

// atLeastOne returns the resources of type typ and, when there are none,
// the problem none.
func (p *posture) atLeastOne(typ, none string) ([]Resource, []string) {
	rs := p.t.OfType(typ)
	if len(rs) == 0 {
		return nil, []string{none}
	}
	return rs, nil
}

// inTemplateSubnets reports the problem with a subnet list, or "".
func (p *posture) subnetProblem(v any) string {
	l := list(v)
	if len(l) == 0 {
		return "no subnets"
	}
	for _, e := range l {
		id, ok := p.t.LogicalID(e)
		if !ok || !p.subnets[id] {
			return fmt.Sprintf("subnet %v is not a private subnet of this template", e)
		}
	}
	return ""
}

func hasEvent(f Resource, typ string) bool {
	events, _ := f.Properties["Events"].(map[string]any)
	for _, e := range events {
		if em, _ := e.(map[string]any); em["Type"] == typ {
			return true
		}
	}
	return false
}

func awsvpc(service Resource) map[string]any {
	nc, _ := service.Properties["NetworkConfiguration"].(map[string]any)
	v, _ := nc["AwsvpcConfiguration"].(map[string]any)
	return v
}

// list turns a scalar or list into a list.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func strList(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func lower(v any) string { return strings.ToLower(fmt.Sprint(v)) }
