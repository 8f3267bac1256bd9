package infra

import (
	"strings"
	"testing"
)

const tinyTemplate = `
Parameters:
  Env: {Type: String, Default: dev}
  Port: {Type: Number, Default: "8090"}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  M: {us-east-1: {Id: pl-1}}
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "${AWS::StackName}-${Env}-dlq"}
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref "AWS::StackName", !Select [1, !Ref Zones]]]
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
      Tags:
        - {Key: az, Value: !Select [0, !GetAZs ""]}
        - {Key: pl, Value: !FindInMap [M, !Ref "AWS::Region", Id]}
        - {Key: port, Value: !Sub "${Port}"}
        - {Key: literal, Value: !Sub "${!NotAVar}-${AWS::Partition}"}
        - {Key: url, Value: !Ref Dlq}
        - {Key: named, Value: !Sub ["${X}:${Dlq.QueueName}", {X: !Ref Env}]}
`

func TestResolvesIntrinsics(t *testing.T) {
	t.Parallel()
	tpl, err := LoadTemplateWith([]byte(tinyTemplate), Options{StackName: "s", Region: "eu-west-1"})
	if err == nil {
		t.Fatal("FindInMap of a missing region resolved")
	}
	if !strings.Contains(err.Error(), "mapping M has no entry eu-west-1") {
		t.Fatalf("error does not name the missing entry: %v", err)
	}
	tpl, err = LoadTemplateWith([]byte(tinyTemplate), Options{StackName: "s", Parameters: map[string]string{"Env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	q := tpl.Resources["Q"].Properties
	if q["QueueName"] != "s-b" {
		t.Errorf("QueueName = %v", q["QueueName"])
	}
	if rp := q["RedrivePolicy"].(map[string]any); rp["deadLetterTargetArn"] != "arn:aws:sqs:us-east-1:000000000000:s-prod-dlq" {
		t.Errorf("deadLetterTargetArn = %v", rp["deadLetterTargetArn"])
	}
	want := map[string]string{"az": "us-east-1a", "pl": "pl-1", "port": "8090", "literal": "${NotAVar}-aws",
		"url": "https://sqs.us-east-1.amazonaws.com/000000000000/s-prod-dlq", "named": "prod:s-prod-dlq"}
	for _, tag := range q["Tags"].([]any) {
		m := tag.(map[string]any)
		if w := want[m["Key"].(string)]; m["Value"] != w {
			t.Errorf("tag %v = %v, want %v", m["Key"], m["Value"], w)
		}
	}
	if id, ok := tpl.LogicalID("arn:aws:sqs:us-east-1:000000000000:s-prod-dlq"); !ok || id != "Dlq" {
		t.Errorf("LogicalID of the DLQ ARN = %q %v", id, ok)
	}
}

func TestReportsEveryMissingReference(t *testing.T) {
	t.Parallel()
	y := `
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Nope
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Missing.Arn, maxReceiveCount: 3}
      Tags: [{Key: a, Value: !Sub "${Gone}"}, {Key: b, Value: !GetAtt Q.NoSuchAttribute}]
`
	_, err := LoadTemplate([]byte(y))
	if err == nil {
		t.Fatal("loaded a template with missing references")
	}
	for _, want := range []string{`"Nope"`, "Missing.Arn: no such resource", `"Gone"`, "has no attribute NoSuchAttribute"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestRejectsBadTemplates(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not yaml":      "Resources: [",
		"unknown tag":   "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Bogus x}\n",
		"unknown type":  "Resources:\n  Q:\n    Type: AWS::SQS::Queueue\n",
		"wrong type":    "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {VisibilityTimeout: [1]}\n",
		"no resources":  "Parameters: {}\n",
		"self cycle":    "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !GetAtt Q.QueueName}\n",
		"duplicate key": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Q:\n    Type: AWS::SQS::Queue\n",
	}
	for name, y := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := LoadTemplate([]byte(y)); err == nil {
				t.Fatalf("loaded %q", y)
			}
		})
	}
}

func TestSAMGlobalsMerge(t *testing.T) {
	t.Parallel()
	tpl := embedded(t, Options{})
	p := tpl.Resources["PaymentFunction"].Properties
	if p["Runtime"] != "provided.al2023" || p["Timeout"] != 30 {
		t.Errorf("globals not merged: %v %v", p["Runtime"], p["Timeout"])
	}
	vars := p["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["LICENSEFLOW_EVENT_BUS"] != "licenseflow" || vars["LICENSEFLOW_SIGNING_KEY_ARN"] == nil {
		t.Errorf("environment maps not merged: %v", vars)
	}
	if _, ok := tpl.Resources["WebhookFunctionRole"]; !ok {
		t.Error("the role SAM generates for a function without Role is missing")
	}
	if tpl.CFN == nil || tpl.CFN.Resources["PaymentFunction"] == nil {
		t.Error("goformation did not type the template")
	}
}
