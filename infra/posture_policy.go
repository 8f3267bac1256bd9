package infra

import (
	"fmt"
	"strings"
)

// statement is one IAM policy statement, normalised.
type statement struct {
	where                 string
	effect                string
	actions, resources    []string
	principal, condition  any
	notAction, notResourc bool
}

// statements reads a policy document's statements.
func statements(where string, doc any) []statement {
	m, _ := doc.(map[string]any)
	var out []statement
	for i, s := range list(m["Statement"]) {
		sm, _ := s.(map[string]any)
		st := statement{where: fmt.Sprintf("%s statement %d", where, i), effect: fmt.Sprint(sm["Effect"]),
			actions: strList(sm["Action"]), resources: strList(sm["Resource"]), principal: sm["Principal"],
			condition: sm["Condition"]}
		if sid, ok := sm["Sid"].(string); ok {
			st.where = where + " statement " + sid
		}
		_, st.notAction = sm["NotAction"]
		_, st.notResourc = sm["NotResource"]
		out = append(out, st)
	}
	return out
}

// needsStar lists actions with no resource-level permissions: they can
// only be granted on Resource "*".
var needsStar = map[string]bool{
	"ecr:getauthorizationtoken": true, "ec2:createnetworkinterface": true, "ec2:describenetworkinterfaces": true,
	"ec2:deletenetworkinterface": true, "ec2:assignprivateipaddresses": true, "ec2:unassignprivateipaddresses": true,
	"ec2:describesubnets": true, "ec2:describesecuritygroups": true, "ec2:describevpcs": true,
	"xray:puttracesegments": true, "xray:puttelemetryrecords": true,
}

func wildcardAction(a string) bool {
	return a == "*" || strings.HasSuffix(a, ":*")
}

func checkEndpointPolicies(p *posture) []string {
	var out []string
	for _, e := range p.t.OfType("AWS::EC2::VPCEndpoint") {
		doc, ok := e.Properties["PolicyDocument"]
		if !ok {
			out = append(out, fmt.Sprintf("endpoint %s has no policy (the default allows everything)", e.LogicalID))
			continue
		}
		for _, st := range statements("endpoint "+e.LogicalID, doc) {
			if st.effect != "Allow" {
				continue
			}
			if st.notAction || st.notResourc {
				out = append(out, st.where+" uses NotAction/NotResource")
			}
			for _, a := range st.actions {
				if wildcardAction(a) {
					out = append(out, fmt.Sprintf("%s allows %s", st.where, a))
				}
			}
			for _, r := range st.resources {
				if r != "*" {
					continue
				}
				for _, a := range st.actions {
					if !needsStar[strings.ToLower(a)] {
						out = append(out, fmt.Sprintf("%s grants %s on Resource \"*\"", st.where, a))
					}
				}
				if st.condition == nil {
					out = append(out, st.where+" has Resource \"*\" without a condition")
				}
			}
			if len(st.resources) == 0 && !st.notResourc {
				out = append(out, st.where+" names no resource")
			}
		}
	}
	return out
}

// sensitiveManaged are managed policies a least-privilege template never
// attaches.
func sensitiveManaged(name string) bool {
	return strings.Contains(name, "FullAccess") || strings.HasSuffix(name, "AdministratorAccess") ||
		strings.HasSuffix(name, "PowerUserAccess") || strings.Contains(name, "AWSLambdaSQSQueueExecutionRole")
}

func checkIAM(p *posture) []string {
	var out []string
	var docs []statement
	for _, r := range p.t.OfType("AWS::IAM::Role") {
		for i, pol := range list(r.Properties["Policies"]) {
			pm, _ := pol.(map[string]any)
			docs = append(docs, statements(fmt.Sprintf("role %s policy %d", r.LogicalID, i), pm["PolicyDocument"])...)
		}
		for _, arn := range strList(r.Properties["ManagedPolicyArns"]) {
			if sensitiveManaged(arn) {
				out = append(out, fmt.Sprintf("role %s attaches %s", r.LogicalID, arn))
			}
		}
	}
	for _, r := range p.t.OfType("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		docs = append(docs, statements("policy "+r.LogicalID, r.Properties["PolicyDocument"])...)
	}
	for _, f := range p.t.OfType("AWS::Serverless::Function") {
		_, hasRole := f.Properties["Role"]
		for i, pol := range list(f.Properties["Policies"]) {
			switch x := pol.(type) {
			case string:
				if sensitiveManaged(x) {
					out = append(out, fmt.Sprintf("function %s attaches %s", f.LogicalID, x))
				}
			case map[string]any:
				if _, ok := x["Statement"]; ok {
					docs = append(docs, statements(fmt.Sprintf("function %s policy %d", f.LogicalID, i), x)...)
				}
			}
		}
		if !hasRole && hasEvent(f, "SQS") {
			out = append(out, fmt.Sprintf("function %s has an SQS event and no Role: SAM attaches AWSLambdaSQSQueueExecutionRole (sqs reads on Resource \"*\")", f.LogicalID))
		}
	}
	for _, st := range docs {
		if st.effect != "Allow" {
			continue
		}
		if st.notAction {
			out = append(out, st.where+" uses NotAction")
		}
		scoped := false
		for _, a := range st.actions {
			la := strings.ToLower(a)
			if a == "*" || ((strings.HasPrefix(la, "sqs:") || strings.HasPrefix(la, "events:")) && strings.Contains(a, "*")) {
				out = append(out, fmt.Sprintf("%s allows %s", st.where, a))
			}
			if strings.HasPrefix(la, "sqs:") || strings.HasPrefix(la, "events:") {
				scoped = true
			}
		}
		if !scoped {
			continue
		}
		if len(st.resources) == 0 {
			out = append(out, st.where+" grants sqs/events actions without naming resources")
		}
		for _, r := range st.resources {
			switch p.typeOf(r) {
			case "AWS::SQS::Queue", "AWS::Events::EventBus", "AWS::Events::Rule":
			default:
				out = append(out, fmt.Sprintf("%s grants sqs/events actions on %s, not a queue, bus or rule of this stack", st.where, r))
			}
		}
	}
	return out
}
