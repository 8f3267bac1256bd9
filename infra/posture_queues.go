package infra

import (
	"fmt"
	"strings"
)

// dlqs returns the queues used as a dead-letter queue, by logical id.
func (p *posture) dlqs() map[string]bool {
	out := map[string]bool{}
	for _, q := range p.t.OfType("AWS::SQS::Queue") {
		if rp, ok := redrivePolicy(q.Properties["RedrivePolicy"]); ok {
			if id, ok := p.t.LogicalID(rp["deadLetterTargetArn"]); ok {
				out[id] = true
			}
		}
	}
	for _, tg := range p.targets() {
		if dl, ok := tg.props["DeadLetterConfig"].(map[string]any); ok {
			if id, ok := p.t.LogicalID(dl["Arn"]); ok {
				out[id] = true
			}
		}
	}
	return out
}

type ruleTarget struct {
	rule  Resource
	props map[string]any
}

func (p *posture) targets() []ruleTarget {
	var out []ruleTarget
	for _, r := range p.t.OfType("AWS::Events::Rule") {
		for _, tg := range list(r.Properties["Targets"]) {
			m, _ := tg.(map[string]any)
			out = append(out, ruleTarget{r, m})
		}
	}
	return out
}

func checkQueueDLQs(p *posture) []string {
	var out []string
	dlqs := p.dlqs()
	for _, q := range p.t.OfType("AWS::SQS::Queue") {
		if dlqs[q.LogicalID] {
			continue
		}
		rp, ok := redrivePolicy(q.Properties["RedrivePolicy"])
		if !ok {
			out = append(out, fmt.Sprintf("queue %s has no RedrivePolicy", q.LogicalID))
			continue
		}
		if p.typeOf(rp["deadLetterTargetArn"]) != "AWS::SQS::Queue" {
			out = append(out, fmt.Sprintf("queue %s: dead-letter target %v is not a queue of this template", q.LogicalID, rp["deadLetterTargetArn"]))
		}
		if n := intOf(rp["maxReceiveCount"]); n < 1 || n > 1000 {
			out = append(out, fmt.Sprintf("queue %s: maxReceiveCount %v is not 1-1000", q.LogicalID, rp["maxReceiveCount"]))
		}
	}
	return out
}

func checkQueueEncryption(p *posture) []string {
	var out []string
	for _, q := range p.t.OfType("AWS::SQS::Queue") {
		if !truthy(q.Properties["SqsManagedSseEnabled"]) && stringOf(q.Properties["KmsMasterKeyId"]) == "" {
			out = append(out, fmt.Sprintf("queue %s sets neither SqsManagedSseEnabled nor KmsMasterKeyId", q.LogicalID))
		}
	}
	return out
}

// sourceArns returns the aws:SourceArn values of a condition block.
func sourceArns(cond any) []string {
	m, _ := cond.(map[string]any)
	var out []string
	for _, op := range []string{"ArnEquals", "ArnLike", "StringEquals"} {
		inner, _ := m[op].(map[string]any)
		for k, v := range inner {
			if strings.EqualFold(k, "aws:SourceArn") {
				out = append(out, strList(v)...)
			}
		}
	}
	return out
}

func isEventsPrincipal(pr any) bool {
	if pr == "*" {
		return true
	}
	m, _ := pr.(map[string]any)
	for _, s := range strList(m["Service"]) {
		if s == "events.amazonaws.com" {
			return true
		}
	}
	for _, s := range strList(m["AWS"]) {
		if s == "*" {
			return true
		}
	}
	return false
}

func checkQueuePolicies(p *posture) []string {
	var out []string
	admitted := map[[2]string]bool{} // {queue, rule} logical ids
	for _, qp := range p.t.OfType("AWS::SQS::QueuePolicy") {
		queues, ok := p.ids(qp.Properties["Queues"])
		if !ok {
			out = append(out, fmt.Sprintf("queue policy %s names a queue outside this template", qp.LogicalID))
		}
		for _, st := range statements("queue policy "+qp.LogicalID, qp.Properties["PolicyDocument"]) {
			if st.effect != "Allow" || !isEventsPrincipal(st.principal) {
				continue
			}
			arns := sourceArns(st.condition)
			if len(arns) == 0 {
				out = append(out, st.where+" admits events.amazonaws.com (or anyone) without an aws:SourceArn condition")
				continue
			}
			for _, arn := range arns {
				id, ok := p.t.LogicalID(arn)
				if !ok || p.t.Resources[id].Type != "AWS::Events::Rule" {
					out = append(out, fmt.Sprintf("%s: aws:SourceArn %s is not a rule of this stack", st.where, arn))
					continue
				}
				for _, q := range queues {
					admitted[[2]string{q, id}] = true
				}
			}
		}
	}
	for _, tg := range p.targets() {
		arns := []any{tg.props["Arn"]}
		if dl, ok := tg.props["DeadLetterConfig"].(map[string]any); ok {
			arns = append(arns, dl["Arn"])
		}
		for _, arn := range arns {
			q, ok := p.t.LogicalID(arn)
			if !ok || p.t.Resources[q].Type != "AWS::SQS::Queue" {
				continue
			}
			if !admitted[[2]string{q, tg.rule.LogicalID}] {
				out = append(out, fmt.Sprintf("no queue policy lets rule %s send to queue %s", tg.rule.LogicalID, q))
			}
		}
	}
	return out
}

func checkRuleTargets(p *posture) []string {
	var out []string
	for _, tg := range p.targets() {
		name := fmt.Sprintf("rule %s target %v", tg.rule.LogicalID, tg.props["Id"])
		dl, _ := tg.props["DeadLetterConfig"].(map[string]any)
		if p.typeOf(dl["Arn"]) != "AWS::SQS::Queue" {
			out = append(out, name+" has no DeadLetterConfig naming a queue of this template")
		}
		if _, ok := tg.props["RetryPolicy"].(map[string]any); !ok {
			out = append(out, name+" has no RetryPolicy")
		}
	}
	return out
}

// checkEventArchive holds the bus's archive to what a replay after a fix
// needs: every event, for a finite time no shorter than a dead-letter
// queue keeps a message (what a DLQ still holds can be replayed too).
func checkEventArchive(p *posture) []string {
	var out []string
	longest := 0 // days a dead-letter queue keeps a message
	for id := range p.dlqs() {
		if q, ok := p.t.Resources[id]; ok {
			longest = max(longest, (intOf(q.Properties["MessageRetentionPeriod"])+86399)/86400)
		}
	}
	archives := p.t.OfType("AWS::Events::Archive")
	for _, bus := range p.t.OfType("AWS::Events::EventBus") {
		found := false
		for _, a := range archives {
			if id, _ := p.t.LogicalID(a.Properties["SourceArn"]); id != bus.LogicalID {
				continue
			}
			found = true
			name := "archive " + a.LogicalID
			if a.Properties["EventPattern"] != nil {
				out = append(out, name+" has an EventPattern: a replay cannot restore what it did not keep")
			}
			switch days := intOf(a.Properties["RetentionDays"]); {
			case days <= 0:
				out = append(out, name+" keeps events for ever (RetentionDays 0 or unset): give it a finite retention")
			case days < longest:
				out = append(out, fmt.Sprintf("%s keeps events %d days, less than the %d days a dead-letter queue keeps a message", name, days, longest))
			}
		}
		if !found {
			out = append(out, "bus "+bus.LogicalID+" has no AWS::Events::Archive")
		}
	}
	return out
}
