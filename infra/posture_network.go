package infra

import (
	"fmt"
	"net/netip"
	"strings"
)

func checkNoInternetPath(p *posture) []string {
	return p.forbidden("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP",
		"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EgressOnlyInternetGateway")
}

func checkNoDefaultRoute(p *posture) []string {
	var out []string
	for _, r := range p.t.OfType("AWS::EC2::Route") {
		for _, k := range []string{"DestinationCidrBlock", "DestinationIpv6CidrBlock"} {
			if c, ok := r.Properties[k].(string); ok && strings.HasSuffix(c, "/0") {
				out = append(out, fmt.Sprintf("route %s sends %s somewhere", r.LogicalID, c))
			}
		}
	}
	return out
}

func checkPrivateSubnets(p *posture) []string {
	subnets, out := p.atLeastOne("AWS::EC2::Subnet", "the template has no subnets")
	for _, s := range subnets {
		if truthy(s.Properties["MapPublicIpOnLaunch"]) {
			out = append(out, fmt.Sprintf("subnet %s maps public IPs on launch", s.LogicalID))
		}
	}
	return out
}

// requiredEndpoints are the services the in-VPC parts call: the stages
// (events, secretsmanager), the poller (sqs, logs, secretsmanager and the
// image pull: ecr.api, ecr.dkr, S3 through a gateway).
var requiredEndpoints = map[string]string{
	"sqs": "Interface", "events": "Interface", "logs": "Interface", "secretsmanager": "Interface",
	"ecr.api": "Interface", "ecr.dkr": "Interface", "s3": "Gateway",
}

func endpointService(e Resource) string {
	name, _ := e.Properties["ServiceName"].(string)
	parts := strings.SplitN(name, ".", 4) // com.amazonaws.REGION.SERVICE
	if len(parts) < 4 {
		return name
	}
	return parts[3]
}

func checkEndpoints(p *posture) []string {
	var out []string
	found := map[string]bool{}
	for _, e := range p.t.OfType("AWS::EC2::VPCEndpoint") {
		svc := endpointService(e)
		typ, _ := e.Properties["VpcEndpointType"].(string)
		if typ == "" {
			typ = "Gateway"
		}
		want, required := requiredEndpoints[svc]
		switch {
		case typ == "Interface":
			if !truthy(e.Properties["PrivateDnsEnabled"]) {
				out = append(out, fmt.Sprintf("endpoint %s (%s) has no private DNS: SDK calls would leave the VPC's DNS view", e.LogicalID, svc))
				continue
			}
			if prob := p.subnetProblem(e.Properties["SubnetIds"]); prob != "" {
				out = append(out, fmt.Sprintf("endpoint %s: %s", e.LogicalID, prob))
				continue
			}
		case typ == "Gateway" && len(list(e.Properties["RouteTableIds"])) == 0:
			out = append(out, fmt.Sprintf("gateway endpoint %s is on no route table", e.LogicalID))
			continue
		}
		if required && typ == want {
			found[svc] = true
		}
	}
	for _, svc := range sortedKeys(requiredEndpoints) {
		if !found[svc] {
			out = append(out, fmt.Sprintf("no %s endpoint for %s", strings.ToLower(requiredEndpoints[svc]), svc))
		}
	}
	return out
}

// rule is one security group rule, inline or its own resource.
type sgRule struct {
	where string
	props map[string]any
}

// groupRules returns a security group's ingress or egress rules.
func (p *posture) groupRules(sg string, dir string) []sgRule {
	var out []sgRule
	res := p.t.Resources[sg]
	for i, r := range list(res.Properties["SecurityGroup"+dir]) {
		m, _ := r.(map[string]any)
		out = append(out, sgRule{fmt.Sprintf("%s %s[%d]", sg, strings.ToLower(dir), i), m})
	}
	for _, r := range p.t.OfType("AWS::EC2::SecurityGroup" + dir) {
		if id, _ := p.t.LogicalID(r.Properties["GroupId"]); id == sg {
			out = append(out, sgRule{r.LogicalID, r.Properties})
		}
	}
	return out
}

func isTCPPort(m map[string]any, port int) bool {
	proto := lower(m["IpProtocol"])
	return (proto == "tcp" || proto == "6") && intOf(m["FromPort"]) == port && intOf(m["ToPort"]) == port
}

func checkEndpointIngress(p *posture) []string {
	var out []string
	for _, e := range p.t.OfType("AWS::EC2::VPCEndpoint") {
		if e.Properties["VpcEndpointType"] == "Interface" && len(list(e.Properties["SecurityGroupIds"])) == 0 {
			out = append(out, fmt.Sprintf("interface endpoint %s names no security group (it would get the VPC's default group)", e.LogicalID))
		}
	}
	for _, sg := range sortedKeys(p.endpointSGs) {
		if p.t.Resources[sg].Type != "AWS::EC2::SecurityGroup" {
			out = append(out, fmt.Sprintf("endpoint security group %s is not a security group of this template", sg))
			continue
		}
		rules := p.groupRules(sg, "Ingress")
		if len(rules) == 0 {
			out = append(out, fmt.Sprintf("endpoint security group %s admits nothing: the in-VPC parts cannot reach AWS", sg))
		}
		for _, r := range rules {
			src, _ := p.t.LogicalID(r.props["SourceSecurityGroupId"])
			switch {
			case !isTCPPort(r.props, 443):
				out = append(out, fmt.Sprintf("%s admits something other than tcp 443", r.where))
			case !p.inVPC[src]:
				out = append(out, fmt.Sprintf("%s admits a source other than the in-VPC parts' security groups", r.where))
			}
		}
	}
	return out
}

func checkInVPCGroups(p *posture) []string {
	var out []string
	if len(p.inVPC) == 0 {
		out = append(out, "no in-VPC part names a security group")
	}
	for _, sg := range sortedKeys(p.inVPC) {
		res := p.t.Resources[sg]
		if res.Type != "AWS::EC2::SecurityGroup" {
			out = append(out, fmt.Sprintf("in-VPC security group %s is not a security group of this template", sg))
			continue
		}
		for _, r := range p.groupRules(sg, "Ingress") {
			out = append(out, fmt.Sprintf("%s is an ingress rule on an in-VPC group", r.where))
		}
		if len(list(res.Properties["SecurityGroupEgress"])) == 0 {
			out = append(out, fmt.Sprintf("%s has no inline egress: AWS adds allow-all egress (use the 127.0.0.1/32 placeholder)", sg))
		}
		for _, r := range p.groupRules(sg, "Egress") {
			if why := p.egressProblem(r.props); why != "" {
				out = append(out, fmt.Sprintf("%s: %s", r.where, why))
			}
		}
	}
	return out
}

// egressProblem says why an in-VPC egress rule is not one of the allowed
// kinds, or "".
func (p *posture) egressProblem(m map[string]any) string {
	if lower(m["IpProtocol"]) == "-1" && m["CidrIp"] == "127.0.0.1/32" && len(m) <= 3 {
		return "" // the placeholder that removes AWS's default allow-all egress
	}
	if _, ok := m["CidrIp"]; ok {
		return fmt.Sprintf("egress to CIDR %v", m["CidrIp"])
	}
	if _, ok := m["CidrIpv6"]; ok {
		return fmt.Sprintf("egress to CIDR %v", m["CidrIpv6"])
	}
	if pl, ok := m["DestinationPrefixListId"].(string); ok {
		if isTCPPort(m, 443) && strings.HasPrefix(pl, "pl-") {
			return ""
		}
		return "prefix-list egress other than tcp 443"
	}
	dst, ok := p.t.LogicalID(m["DestinationSecurityGroupId"])
	if !ok || p.t.Resources[dst].Type != "AWS::EC2::SecurityGroup" {
		return fmt.Sprintf("egress to %v, not a security group of this template", m["DestinationSecurityGroupId"])
	}
	switch {
	case p.endpointSGs[dst] && isTCPPort(m, 443):
	case p.dbSGs[dst] && isTCPPort(m, 5432):
	case p.licensePort > 0 && isTCPPort(m, p.licensePort) && !p.endpointSGs[dst] && !p.dbSGs[dst] && !p.inVPC[dst]:
	default:
		return fmt.Sprintf("egress %v %v-%v to %s is not endpoints:443, database:5432 or app servers:%d",
			m["IpProtocol"], m["FromPort"], m["ToPort"], dst, p.licensePort)
	}
	return ""
}

// checkNoInboundPath finds what would let a connection from outside reach
// into the VPC: a VPC link or load balancer (API Gateway or the internet
// to private targets), a function URL, or a security group admitting a
// public address range or a prefix list. API Gateway
// invoking a function in the VPC goes through the Lambda service and opens
// no such path.
func checkNoInboundPath(p *posture) []string {
	out := p.forbidden("AWS::ApiGatewayV2::VpcLink", "AWS::ApiGateway::VpcLink", "AWS::ElasticLoadBalancingV2::LoadBalancer",
		"AWS::ElasticLoadBalancing::LoadBalancer", "AWS::Lambda::Url")
	for _, f := range p.functions() {
		if f.Properties["FunctionUrlConfig"] != nil {
			out = append(out, fmt.Sprintf("function %s has a function URL", f.LogicalID))
		}
	}
	for _, sg := range p.t.OfType("AWS::EC2::SecurityGroup") {
		for _, r := range p.groupRules(sg.LogicalID, "Ingress") {
			for _, k := range []string{"CidrIp", "CidrIpv6", "SourcePrefixListId"} {
				if v, ok := r.props[k]; ok && !privateRange(v) {
					out = append(out, fmt.Sprintf("%s admits the address range %v from outside", r.where, v))
				}
			}
		}
	}
	return out
}

// privateRanges are the private address ranges (RFC 1918, and IPv6
// unique local addresses), which no one outside can come from.
var privateRanges = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7")}

// privateRange reports whether v is an address range within a private
// one. The range is judged by its mask, not by the address written before
// it: 192.168.0.0/12 is 192.160.0.0/12, public addresses mostly.
func privateRange(v any) bool {
	s, _ := v.(string)
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return false
	}
	for _, private := range privateRanges {
		if p.Bits() >= private.Bits() && private.Contains(p.Addr()) {
			return true
		}
	}
	return false
}
