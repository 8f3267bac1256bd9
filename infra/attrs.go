package infra

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// prop resolves one property of a resource on demand (names feed ARNs).
func (r *resolver) prop(id, key, at string) any {
	v, ok := r.resources[id].Properties[key]
	if !ok {
		return nil
	}
	guard := id + "." + key
	if r.busy[guard] {
		r.fail("%s: %s refers to itself", at, guard)
		return ""
	}
	r.busy[guard] = true
	defer delete(r.busy, guard)
	return r.resolve(v, "Resources."+id+".Properties."+key)
}

// name is a resource's name property, or the name CloudFormation would
// generate (stack name, logical id) when the template sets none.
func (r *resolver) name(id, key, at string) string {
	if v, ok := r.prop(id, key, at).(string); ok && v != "" {
		return v
	}
	return r.opts.StackName + "-" + id
}

// physicalID is a stable stand-in for an id AWS assigns ("sg-0a1b...").
func (r *resolver) physicalID(prefix, id string) string {
	sum := sha256.Sum256([]byte(r.opts.StackName + "/" + id))
	return prefix + "-" + hex.EncodeToString(sum[:])[:17]
}

func (r *resolver) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", r.opts.Partition, service, r.opts.Region, r.opts.AccountID, resource)
}

// ec2IDs are the id prefixes of EC2 resources whose Ref is an id.
var ec2IDs = map[string]string{
	"AWS::EC2::VPC": "vpc", "AWS::EC2::Subnet": "subnet", "AWS::EC2::RouteTable": "rtb",
	"AWS::EC2::SecurityGroup": "sg", "AWS::EC2::VPCEndpoint": "vpce", "AWS::EC2::InternetGateway": "igw",
	"AWS::EC2::NatGateway": "nat", "AWS::EC2::EgressOnlyInternetGateway": "eigw",
	"AWS::EC2::SecurityGroupIngress": "sgr", "AWS::EC2::SecurityGroupEgress": "sgr",
	"AWS::EC2::Route": "rtbroute", "AWS::EC2::SubnetRouteTableAssociation": "rtbassoc",
	"AWS::EC2::VPCGatewayAttachment": "attach", "AWS::EC2::Instance": "i",
}

// refValue is what Ref returns for a resource, by type.
func (r *resolver) refValue(id, at string) any {
	typ := r.resources[id].Type
	if p, ok := ec2IDs[typ]; ok {
		return r.physicalID(p, id)
	}
	switch typ {
	case "AWS::SQS::Queue":
		return r.queueURL(id, at)
	case "AWS::Events::Rule":
		if bus := r.ruleBus(id, at); bus != "default" {
			return bus + "|" + r.name(id, "Name", at)
		}
		return r.name(id, "Name", at)
	case "AWS::SecretsManager::Secret", "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::IAM::ManagedPolicy":
		v, _ := r.attValue(id, map[string]string{"AWS::SecretsManager::Secret": "Id",
			"AWS::ECS::TaskDefinition": "TaskDefinitionArn", "AWS::ECS::Service": "ServiceArn",
			"AWS::IAM::ManagedPolicy": "PolicyArn"}[typ], at)
		return v
	case "AWS::EC2::EIP":
		v, _ := r.attValue(id, "PublicIp", at)
		return v
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		return strings.ToLower(r.physicalID("api", id)[4:14])
	}
	if key, ok := nameProps[typ]; ok {
		n := r.name(id, key, at)
		if typ == "AWS::RDS::DBInstance" || typ == "AWS::RDS::DBSubnetGroup" {
			n = strings.ToLower(n)
		}
		return n
	}
	return r.physicalID("res", id)
}

// nameProps names the property holding a resource's name, for the types
// whose Ref is that name.
var nameProps = map[string]string{
	"AWS::Events::EventBus": "Name", "AWS::Logs::LogGroup": "LogGroupName", "AWS::IAM::Role": "RoleName",
	"AWS::IAM::Policy": "PolicyName", "AWS::ECS::Cluster": "ClusterName", "AWS::Serverless::Function": "FunctionName",
	"AWS::Lambda::Function": "FunctionName", "AWS::RDS::DBInstance": "DBInstanceIdentifier",
	"AWS::RDS::DBSubnetGroup": "DBSubnetGroupName", "AWS::SQS::QueuePolicy": "",
}

func (r *resolver) queueName(id, at string) string {
	n := r.name(id, "QueueName", at)
	if truthy(r.prop(id, "FifoQueue", at)) && !strings.HasSuffix(n, ".fifo") {
		n += ".fifo"
	}
	return n
}

func (r *resolver) queueURL(id, at string) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", r.opts.Region, r.opts.AccountID, r.queueName(id, at))
}

// ruleBus is the name of the bus a rule is on.
func (r *resolver) ruleBus(id, at string) string {
	bus, _ := r.prop(id, "EventBusName", at).(string)
	if i := strings.LastIndex(bus, "event-bus/"); i >= 0 {
		bus = bus[i+len("event-bus/"):]
	}
	if bus == "" {
		return "default"
	}
	return bus
}

// attValue is what GetAtt returns, by type; false for an attribute the
// type does not have. Types not listed accept any attribute.
func (r *resolver) attValue(id, attr, at string) (any, bool) {
	typ := r.resources[id].Type
	switch typ {
	case "AWS::SQS::Queue":
		return pick(attr, map[string]func() any{
			"Arn":       func() any { return r.arn("sqs", r.queueName(id, at)) },
			"QueueName": func() any { return r.queueName(id, at) },
			"QueueUrl":  func() any { return r.queueURL(id, at) },
		})
	case "AWS::Events::EventBus":
		n := func() string { return r.name(id, "Name", at) }
		return pick(attr, map[string]func() any{
			"Arn":  func() any { return r.arn("events", "event-bus/"+n()) },
			"Name": func() any { return n() },
		})
	case "AWS::Events::Rule":
		return pick(attr, map[string]func() any{"Arn": func() any {
			if bus := r.ruleBus(id, at); bus != "default" {
				return r.arn("events", "rule/"+bus+"/"+r.name(id, "Name", at))
			}
			return r.arn("events", "rule/"+r.name(id, "Name", at))
		}})
	case "AWS::SecretsManager::Secret":
		return pick(attr, map[string]func() any{"Id": func() any {
			return r.arn("secretsmanager", "secret:"+r.name(id, "Name", at)+"-AbCdEf")
		}})
	case "AWS::Logs::LogGroup":
		return pick(attr, map[string]func() any{"Arn": func() any {
			return r.arn("logs", "log-group:"+r.name(id, "LogGroupName", at)+":*")
		}})
	case "AWS::IAM::Role":
		return pick(attr, map[string]func() any{
			"Arn": func() any {
				return fmt.Sprintf("arn:%s:iam::%s:role/%s", r.opts.Partition, r.opts.AccountID, r.name(id, "RoleName", at))
			},
			"RoleId": func() any { return strings.ToUpper(r.physicalID("AROA", id)) },
		})
	case "AWS::IAM::ManagedPolicy":
		return pick(attr, map[string]func() any{"PolicyArn": func() any {
			return fmt.Sprintf("arn:%s:iam::%s:policy/%s", r.opts.Partition, r.opts.AccountID, r.name(id, "ManagedPolicyName", at))
		}})
	case "AWS::RDS::DBInstance":
		ident := func() string { return strings.ToLower(r.name(id, "DBInstanceIdentifier", at)) }
		return pick(attr, map[string]func() any{
			"Endpoint.Address":           func() any { return ident() + ".c0abcdefghij." + r.opts.Region + ".rds.amazonaws.com" },
			"Endpoint.Port":              func() any { return "5432" },
			"DBInstanceArn":              func() any { return r.arn("rds", "db:"+ident()) },
			"DbiResourceId":              func() any { return strings.ToUpper(r.physicalID("db", id)) },
			"MasterUserSecret.SecretArn": func() any { return r.arn("secretsmanager", "secret:rds!db-"+ident()+"-AbCdEf") },
		})
	case "AWS::ECS::Cluster":
		return pick(attr, map[string]func() any{"Arn": func() any { return r.arn("ecs", "cluster/"+r.name(id, "ClusterName", at)) }})
	case "AWS::ECS::TaskDefinition":
		return pick(attr, map[string]func() any{"TaskDefinitionArn": func() any {
			return r.arn("ecs", "task-definition/"+r.name(id, "Family", at)+":1")
		}})
	case "AWS::ECS::Service":
		return pick(attr, map[string]func() any{
			"ServiceArn": func() any { return r.arn("ecs", "service/"+r.name(id, "ServiceName", at)) },
			"Name":       func() any { return r.name(id, "ServiceName", at) },
		})
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		return pick(attr, map[string]func() any{"Arn": func() any {
			return r.arn("lambda", "function:"+r.name(id, "FunctionName", at))
		}})
	case "AWS::EC2::SecurityGroup":
		return pick(attr, map[string]func() any{
			"GroupId": func() any { return r.physicalID("sg", id) },
			"VpcId":   func() any { return r.prop(id, "VpcId", at) },
		})
	case "AWS::EC2::VPC":
		return pick(attr, map[string]func() any{
			"CidrBlock":            func() any { return r.prop(id, "CidrBlock", at) },
			"VpcId":                func() any { return r.physicalID("vpc", id) },
			"DefaultSecurityGroup": func() any { return r.physicalID("sg", id+"/default") },
		})
	case "AWS::EC2::Subnet":
		return pick(attr, map[string]func() any{
			"SubnetId":         func() any { return r.physicalID("subnet", id) },
			"AvailabilityZone": func() any { return r.prop(id, "AvailabilityZone", at) },
			"VpcId":            func() any { return r.prop(id, "VpcId", at) },
		})
	case "AWS::EC2::EIP":
		return pick(attr, map[string]func() any{
			"AllocationId": func() any { return r.physicalID("eipalloc", id) },
			"PublicIp":     func() any { return "192.0.2.10" },
		})
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		return pick(attr, map[string]func() any{"ApiEndpoint": func() any {
			return fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", r.refValue(id, at), r.opts.Region)
		}})
	}
	return id + "." + attr, true
}

func pick(attr string, fns map[string]func() any) (any, bool) {
	f, ok := fns[attr]
	if !ok {
		return nil, false
	}
	return f(), true
}

func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}
