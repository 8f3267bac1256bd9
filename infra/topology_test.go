package infra

import (
	"strings"
	"testing"
)

func TestDefaultIsTheTemplatesTopology(t *testing.T) {
	t.Parallel()
	top := Default()
	if top.Bus != BusName {
		t.Errorf("bus %q, want %q", top.Bus, BusName)
	}
	dlqs := map[string]bool{}
	for _, q := range top.Queues {
		if q.DLQ != "" {
			dlqs[q.DLQ] = true
		}
	}
	for _, name := range []string{QueuePayment, QueueSignup, QueueLicensePush} {
		q, ok := top.QueueByName(name)
		if !ok {
			t.Fatalf("queue %s not in the template", name)
		}
		if q.DLQ != name+"-dlq" || q.MaxReceiveCount < 1 || q.VisibilityTimeout == 0 {
			t.Errorf("queue %s: %+v", name, q)
		}
	}
	if _, ok := top.QueueByName(QueueDeliveryDLQ); !ok {
		t.Errorf("delivery DLQ %s not in the template", QueueDeliveryDLQ)
	}
	if len(top.Rules) != 3 {
		t.Fatalf("%d rules, want 3", len(top.Rules))
	}
	for _, r := range top.Rules {
		if len(r.Targets) != 1 {
			t.Fatalf("rule %s: %d targets", r.Name, len(r.Targets))
		}
		tg := r.Targets[0]
		if tg.DLQ != QueueDeliveryDLQ || tg.MaxRetryAttempts == 0 || !targetIDRE.MatchString(tg.ID) || tg.ID == tg.Queue {
			t.Errorf("rule %s target: %+v", r.Name, tg)
		}
	}
}

func TestTopologyFollowsStackName(t *testing.T) {
	t.Parallel()
	top, err := TopologyFromTemplate(embedded(t, Options{}), "staging")
	if err != nil {
		t.Fatal(err)
	}
	if top.Bus != "staging" {
		t.Errorf("bus %q", top.Bus)
	}
	for _, q := range top.Queues {
		if !strings.HasPrefix(q.Name, "staging-") || (q.DLQ != "" && !strings.HasPrefix(q.DLQ, "staging-")) {
			t.Errorf("queue %+v not named after the stack", q)
		}
	}
}

func TestTopologyFIFOTarget(t *testing.T) {
	t.Parallel()
	y := `
Resources:
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: b}}
  Dlq: {Type: AWS::SQS::Queue, Properties: {QueueName: o-dlq, FifoQueue: true}}
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: o
      FifoQueue: true
      ContentBasedDeduplication: true
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:o-dlq.fifo","maxReceiveCount":2}'
  R:
    Type: AWS::Events::Rule
    Properties:
      Name: r
      EventBusName: !Ref Bus
      EventPattern: '{"source":["x"]}'
      Targets:
        - {Id: q, Arn: !GetAtt Q.Arn, SqsParameters: {MessageGroupId: company}}
`
	tpl, err := LoadTemplate([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	top, err := TopologyFromTemplate(tpl, "")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := top.QueueByName("o.fifo")
	if !q.FIFO || !q.ContentBasedDeduplication || q.DLQ != "o-dlq.fifo" || q.MaxReceiveCount != 2 {
		t.Errorf("queue %+v", q)
	}
	if tg := top.Rules[0].Targets[0]; tg.MessageGroupID != "company" || tg.Queue != "o.fifo" {
		t.Errorf("target %+v", tg)
	}
	// Without the group id the topology is refused, as EventBridge would.
	y2 := strings.Replace(y, ", SqsParameters: {MessageGroupId: company}", "", 1)
	tpl, err = LoadTemplate([]byte(y2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TopologyFromTemplate(tpl, ""); err == nil || !strings.Contains(err.Error(), "message group id") {
		t.Fatalf("want a message group id error, got %v", err)
	}
}

func TestValidateRejectsBadTargetIDs(t *testing.T) {
	t.Parallel()
	top := Topology{Bus: "b", Queues: []Queue{{Name: "q"}}, Rules: []Rule{{Name: "r", EventPattern: "{}",
		Targets: []Target{{ID: "bad id!", Queue: "q"}, {ID: strings.Repeat("a", 65), Queue: "q"}}}}}
	err := top.Validate()
	if err == nil || strings.Count(err.Error(), "target id") != 2 {
		t.Fatalf("want two target id errors, got %v", err)
	}
}
