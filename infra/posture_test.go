package infra

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func failed(results []Result) []string {
	var ids []string
	for _, r := range results {
		if !r.Passed() {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// binaryEntries stands for the entries cmd/licenseflow serves; its own
// test checks the embedded template against the real list.
var binaryEntries = PostureConfig{LambdaEntries: []string{"webhook", "signup", "payment", "accounts"},
	PlansEntries: []string{"payment", "signup"}}

// embedded loads the embedded template with opts.
func embedded(t *testing.T, opts Options) *Template {
	t.Helper()
	tpl, err := LoadEmbedded(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// passesEveryCheck fails t for each posture rule tpl breaks.
func passesEveryCheck(t *testing.T, tpl *Template) {
	t.Helper()
	results := CheckPosture(tpl, binaryEntries)
	if len(results) != len(Checks()) {
		t.Fatalf("%d results for %d checks", len(results), len(Checks()))
	}
	for _, r := range results {
		if !r.Passed() {
			t.Errorf("%s: %v", r.ID, r.Problems)
		}
	}
}

func TestTemplatePassesEveryCheck(t *testing.T) {
	t.Parallel()
	passesEveryCheck(t, embedded(t, Options{}))
}

// mutation edits the template's YAML text.
type mutation func(t *testing.T, y string) string

func replace(old, new string) mutation {
	return func(t *testing.T, y string) string {
		t.Helper()
		if strings.Count(y, old) != 1 {
			t.Fatalf("mutation: %q occurs %d times", old, strings.Count(y, old))
		}
		return strings.Replace(y, old, new, 1)
	}
}

// addResources inserts resources at the end of the Resources section.
func addResources(snippet string) mutation {
	return replace("\nMappings:\n", "\n"+snippet+"\nMappings:\n")
}

// within replaces old by new inside the one occurrence of context: an
// edit whose own text recurs elsewhere in the template.
func within(context, old, new string) mutation {
	return func(t *testing.T, y string) string {
		t.Helper()
		if strings.Count(context, old) != 1 {
			t.Fatalf("mutation: %q occurs %d times in its context", old, strings.Count(context, old))
		}
		return replace(context, strings.Replace(context, old, new, 1))(t, y)
	}
}

func insertAfter(anchor, text string) mutation  { return replace(anchor, anchor+text) }
func insertBefore(anchor, text string) mutation { return replace(anchor, text+anchor) }

// webhookSecretVar is the webhook edge's secret variable, which mutations
// add variables after.
const webhookSecretVar = "          LICENSEFLOW_WEBHOOK_SECRET_ARN: !Ref WebhookSecret\n"

// addRoute adds a route of the private route table to destination (a
// "Destination...: range" property).
func addRoute(id, destination string) mutation {
	return addResources(fmt.Sprintf(`  %s:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PrivateRouteTable
      %s
      VpcPeeringConnectionId: pcx-0123456789abcdef0
`, id, destination))
}

// addGroupRule adds a stand-alone security group rule (direction Ingress
// or Egress) of group for TCP port; peer is its "Source...: x",
// "Destination...: x" or "CidrIp: x" property.
func addGroupRule(id, direction, group, port, peer string) mutation {
	return addResources(fmt.Sprintf(`  %s:
    Type: AWS::EC2::SecurityGroup%s
    Properties:
      GroupId: !Ref %s
      IpProtocol: tcp
      FromPort: %s
      ToPort: %[4]s
      %s
`, id, direction, group, port, peer))
}

// appServersOpenTo adds to the app servers' security group SSH ingress
// from the address range cidr.
func appServersOpenTo(cidr string) mutation {
	return insertBefore(`        - Description: license deliveries from the license-push poller
`, fmt.Sprintf(`        - Description: anyone in the office
          IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: %s
`, cidr))
}

func chain(ms ...mutation) mutation {
	return func(t *testing.T, y string) string {
		for _, m := range ms {
			y = m(t, y)
		}
		return y
	}
}

// TestEachCheckCanFail mutates the template once per rule and expects that
// rule, and only it, to fail.
func TestEachCheckCanFail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, rule string
		mutate     mutation
	}{
		{"internet gateway", "no-internet-path", addResources(`  Igw:
    Type: AWS::EC2::InternetGateway
`)},
		{"NAT gateway", "no-internet-path", addResources(`  NatIp:
    Type: AWS::EC2::EIP
    Properties: {Domain: vpc}
  Nat:
    Type: AWS::EC2::NatGateway
    Properties: {SubnetId: !Ref PrivateSubnetA, AllocationId: !GetAtt NatIp.AllocationId}
`)},
		{"default route", "no-default-route", addRoute("DefaultRoute", "DestinationCidrBlock: 0.0.0.0/0")},
		{"ipv6 default route", "no-default-route", addRoute("V6Route", "DestinationIpv6CidrBlock: ::/0")},
		{"public IPs on launch", "private-subnets", within(`      CidrBlock: !Ref PrivateSubnetBCidr
      AvailabilityZone: !Select [1, !GetAZs ""]
      MapPublicIpOnLaunch: false`, "MapPublicIpOnLaunch: false", "MapPublicIpOnLaunch: true")},
		{"no private DNS", "vpc-endpoints", within(`      ServiceName: !Sub "com.amazonaws.${AWS::Region}.logs"
      VpcEndpointType: Interface
      PrivateDnsEnabled: true`, "PrivateDnsEnabled: true", "PrivateDnsEnabled: false")},
		{"endpoint from anywhere", "endpoint-ingress", within(`        - Description: HTTPS from the signup edge
          IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          SourceSecurityGroupId: !Ref SignupEdgeSecurityGroup`, "SourceSecurityGroupId: !Ref SignupEdgeSecurityGroup", "CidrIp: 10.40.0.0/16")},
		{"endpoint ingress resource", "endpoint-ingress", addGroupRule("EndpointFromDatabase", "Ingress", "EndpointSecurityGroup", "443",
			"SourceSecurityGroupId: !Ref DatabaseSecurityGroup")},
		{"endpoint policy star", "endpoint-policies", replace(`            Action: events:PutEvents
            Resource: !GetAtt EventBus.Arn
`, `            Action: events:PutEvents
            Resource: "*"
`)},
		{"ingress on poller", "in-vpc-security-groups", addGroupRule("PollerFromVpc", "Ingress", "PollerSecurityGroup", "8080", "CidrIp: 10.40.0.0/16")},
		{"stage egress to the internet", "in-vpc-security-groups", addGroupRule("StageToWorld", "Egress", "StageSecurityGroup", "443", "CidrIp: 0.0.0.0/0")},
		{"queue without DLQ", "queue-dead-letters", replace(`
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt LicensePushDLQ.Arn
        maxReceiveCount: 8`, ``)},
		{"unencrypted DLQ", "queue-encryption", within(`      QueueName: !Sub "${AWS::StackName}-signup-dlq"
      MessageRetentionPeriod: 1209600
      SqsManagedSseEnabled: true`, "\n      SqsManagedSseEnabled: true", "")},
		{"queue policy without SourceArn", "queue-policies", replace(`            Resource: !GetAtt SignupQueue.Arn
            Condition: {ArnEquals: {aws:SourceArn: !GetAtt SignupEventsRule.Arn}}`, `            Resource: !GetAtt SignupQueue.Arn`)},
		{"queue policy naming another rule", "queue-policies", replace(`aws:SourceArn: !GetAtt PaymentEventsRule.Arn`, `aws:SourceArn: !GetAtt SignupEventsRule.Arn`)},
		{"target without retry policy", "rule-targets", within(`        - Id: signup
          Arn: !GetAtt SignupQueue.Arn
          DeadLetterConfig: {Arn: !GetAtt DeliveryDLQ.Arn}
          RetryPolicy: {MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400}`,
			"\n          RetryPolicy: {MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400}", "")},
		{"archive of another bus", "event-archive", replace(`      SourceArn: !GetAtt EventBus.Arn`,
			`      SourceArn: !Sub "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"`)},
		{"archive shorter than a DLQ", "event-archive", replace(`      RetentionDays: !Ref ArchiveRetentionDays`, `      RetentionDays: 7`)},
		{"archive for ever", "event-archive", replace(`      RetentionDays: !Ref ArchiveRetentionDays`, `      RetentionDays: 0`)},
		{"archive of some events", "event-archive", insertAfter(`      RetentionDays: !Ref ArchiveRetentionDays
`, `      EventPattern: {source: [licenseflow.webhook]}
`)},
		{"edge in the VPC", "edge-lambdas", insertAfter(`      Description: Payment-provider webhook edge (outside the VPC, stateless).
`, `      VpcConfig:
        SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]
        SecurityGroupIds: [!Ref EndpointSecurityGroup]
`)},
		{"x86 edge", "edge-lambdas", insertAfter(`      Description: Signup edge - the user application and its API (private subnets, no ingress).
`, `      Architectures: [x86_64]
`)},
		{"store edge outside the VPC", "edge-lambdas", insertAfter(webhookSecretVar, `          LICENSEFLOW_DATABASE_HOST: !GetAtt Database.Endpoint.Address
`)},
		{"store edge reaching the app servers", "edge-lambdas", addGroupRule("SignupEdgeToAppServers", "Egress", "SignupEdgeSecurityGroup", "!Ref LicensePort",
			"DestinationSecurityGroupId: !Ref AppServerSecurityGroup")},
		{"ingress on the store edge", "in-vpc-security-groups", addGroupRule("SignupEdgeFromPoller", "Ingress", "SignupEdgeSecurityGroup", "443",
			"SourceSecurityGroupId: !Ref PollerSecurityGroup")},
		{"VPC link", "no-inbound-path", addResources(`  Link:
    Type: AWS::ApiGatewayV2::VpcLink
    Properties:
      Name: into-the-vpc
      SubnetIds: [!Ref PrivateSubnetA]
`)},
		{"app servers open to a range", "no-inbound-path", appServersOpenTo("203.0.113.0/24")},
		// 192.168.0.0/12 is 192.160.0.0/12, public addresses mostly.
		{"app servers open to a range written from a private address", "no-inbound-path", appServersOpenTo("192.168.0.0/12")},
		{"function URL", "no-inbound-path", insertAfter(`      Handler: payment
`, `      FunctionUrlConfig: {AuthType: NONE}
`)},
		{"no batch item failures", "stage-lambdas", within(`            Queue: !GetAtt SignupQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]`, "\n            FunctionResponseTypes: [ReportBatchItemFailures]", "")},
		{"stage outside the VPC", "stage-lambdas", within(`      Role: !GetAtt PaymentStageRole.Arn
      VpcConfig:
        SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]
        SecurityGroupIds: [!Ref StageSecurityGroup]
`, `      VpcConfig:
        SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]
        SecurityGroupIds: [!Ref StageSecurityGroup]
`, "")},
		{"poller with public IP", "poller", replace(`AssignPublicIp: DISABLED`, `AssignPublicIp: ENABLED`)},
		{"public database", "database", replace(`PubliclyAccessible: false`, `PubliclyAccessible: true`)},
		{"secret parameter", "secrets", chain(replace(`  DatabaseInstanceClass:
    Type: String`, `  WebhookSigningSecret:
    Type: String
    NoEcho: true
  DatabaseInstanceClass:
    Type: String`), replace(`          LICENSEFLOW_WEBHOOK_SECRET_ARN: !Ref WebhookSecret`, `          LICENSEFLOW_WEBHOOK_SECRET: !Ref WebhookSigningSecret`))},
		{"dynamic secret in env", "secrets", replace(`          LICENSEFLOW_TOKEN_SECRET_ARN: !Ref TokenSecret`, `          LICENSEFLOW_TOKEN_SECRET_ARN: "{{resolve:secretsmanager:licenseflow/token-secret}}"`)},
		{"sqs star action", "iam-least-privilege", replace(`                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes]
                Resource: !GetAtt PaymentQueue.Arn`, `                Action: sqs:*
                Resource: !GetAtt PaymentQueue.Arn`)},
		{"events on any bus", "iam-least-privilege", within(`              Action: events:PutEvents
              Resource: !GetAtt EventBus.Arn
            - Effect: Allow
              Action: secretsmanager:GetSecretValue
              Resource: !Ref WebhookSecret`, "Resource: !GetAtt EventBus.Arn", `Resource: "*"`)},
		{"SAM generated SQS role", "iam-least-privilege", replace(`      Role: !GetAtt AccountsStageRole.Arn
`, ``)},
		{"no throttling", "http-api-throttling", replace(`      DefaultRouteSettings:
        ThrottlingBurstLimit: 200
        ThrottlingRateLimit: 100`, `      Description: no throttling`)},
		{"handler not an entry", "lambda-entries", replace("      Handler: accounts\n", "      Handler: bootstrap\n")},
		{"no handler", "lambda-entries", replace("      Handler: signup\n", "")},
		{"reserved variable", "lambda-entries", insertAfter(webhookSecretVar, "          _HANDLER: webhook\n")},
		{"invalid plans", "plans", withPlans(`{"plans":{"pro":{"name":"pro","seats":0}}}`)},
		{"a plans file path", "plans", withPlans(`/etc/licenseflow/plans.yaml`)},
		{"signup without the plans", "plans", chain(withPlans(`{"plans":{"pro":{"name":"pro","seats":5}}}`),
			replace("          LICENSEFLOW_APP_SERVERS: !Ref AppServerPool\n          LICENSEFLOW_PLANS: !If [HasPlans, !Ref Plans, !Ref AWS::NoValue]\n",
				"          LICENSEFLOW_APP_SERVERS: !Ref AppServerPool\n"))},
		{"plans over Lambda's 4 KB", "plans", withPlans(bigPlans(4000))},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			y := tc.mutate(t, string(templateYAML))
			tpl, err := LoadTemplate([]byte(y))
			if err != nil {
				t.Fatalf("mutated template does not load: %v", err)
			}
			results := CheckPosture(tpl, binaryEntries)
			if got := failed(results); len(got) != 1 || got[0] != tc.rule {
				for _, r := range results {
					if !r.Passed() {
						t.Logf("%s: %v", r.ID, r.Problems)
					}
				}
				t.Fatalf("failed rules %v, want exactly [%s]", got, tc.rule)
			}
		})
	}
	for _, c := range Checks() {
		if !covered[c.ID] {
			t.Errorf("rule %s has no mutation that makes it fail", c.ID)
		}
	}
}

// withPlans sets the default of the template's Plans parameter.
func withPlans(value string) mutation {
	return replace("  Plans:\n    Type: String\n    Default: \"\"\n", "  Plans:\n    Type: String\n    Default: '"+value+"'\n")
}

// bigPlans is a valid plans document of about n bytes.
func bigPlans(n int) string {
	var b strings.Builder
	b.WriteString(`{"plans":{`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"price_%03d":{"name":"plan%03d","seats":5,"features":["core","sso","audit-log"]}`, i, i)
	}
	b.WriteString("}}")
	return b.String()
}

// TestPlansParameter: plans given as the Plans parameter reach the payment
// and signup functions, and pass when valid and small enough.
func TestPlansParameter(t *testing.T) {
	t.Parallel()
	own := `{"trial_users":3,"plans":{"pro":{"name":"pro","seats":5,"features":["core","sso"]}}}`
	tpl := embedded(t, Options{Parameters: map[string]string{"Plans": own}})
	passesEveryCheck(t, tpl)
	got := 0
	for _, f := range tpl.OfType("AWS::Serverless::Function") {
		if v, ok := envVars(f)[plansVar]; ok {
			got++
			if v != own {
				t.Errorf("%s gets %v", f.LogicalID, v)
			}
		}
	}
	if got != 2 {
		t.Fatalf("%d functions get the plans, want 2 (payment, signup)", got)
	}
}

func TestLambdaEntriesRequired(t *testing.T) {
	t.Parallel()
	if got := failed(CheckPosture(embedded(t, Options{}), PostureConfig{})); len(got) != 1 || got[0] != "lambda-entries" {
		t.Fatalf("failed rules without the entry list %v, want [lambda-entries]", got)
	}
}
