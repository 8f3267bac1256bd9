package pattern

import "testing"

func TestMatchExists(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"true present", `{"detail":{"c-count":[{"exists":true}]}}`, ec2Event, true},
		{"true absent", `{"detail":{"nope":[{"exists":true}]}}`, ec2Event, false},
		{"false absent", `{"detail":{"nope":[{"exists":false}]}}`, ec2Event, true},
		{"false present", `{"detail":{"c-count":[{"exists":false}]}}`, ec2Event, false},
		{"false whole parent missing", `{"detail":{"a":{"b":[{"exists":false}]}}}`, `{"source":"x"}`, true},
		{"false non-leaf counts as absent", `{"detail":{"c-count":[{"exists":false}]}}`, `{"detail":{"c-count":{"c1":100}}}`, true},
		{"true non-leaf is not present", `{"detail":{"c-count":[{"exists":true}]}}`, `{"detail":{"c-count":{"c1":100}}}`, false},
		{"true null is present", `{"x":[{"exists":true}]}`, `{"x":null}`, true},
		{"false null is present", `{"x":[{"exists":false}]}`, `{"x":null}`, false},
		{"true empty string", `{"x":[{"exists":true}]}`, `{"x":""}`, true},
		{"true empty array", `{"x":[{"exists":true}]}`, `{"x":[]}`, false},
		{"false empty array", `{"x":[{"exists":false}]}`, `{"x":[]}`, true},
		{"false empty object", `{"x":[{"exists":false}]}`, `{"x":{}}`, true},
		{"true array with value", `{"x":[{"exists":true}]}`, `{"x":[[],[1]]}`, true},
		{"false array of objects none has it", `{"a":{"b":[{"exists":false}]}}`, `{"a":[{"c":1},{"c":2}]}`, true},
		{"false array of objects one has it", `{"a":{"b":[{"exists":false}]}}`, `{"a":[{"c":1},{"b":2}]}`, false},
		{"false in same element as match", `{"a":{"c":[1],"d":[{"exists":false}]}}`, `{"a":[{"c":1},{"c":2,"d":3}]}`, true},
		{"false fails in same element", `{"a":{"c":[2],"d":[{"exists":false}]}}`, `{"a":[{"c":1},{"c":2,"d":3}]}`, false},
		{"or with value", `{"x":[{"exists":false},"a"]}`, `{"x":"a"}`, true},
		{"or with value absent", `{"x":[{"exists":false},"a"]}`, `{"y":"a"}`, true},
		{"or with value other", `{"x":[{"exists":false},"a"]}`, `{"x":"b"}`, false},
		{"combined with other fields", `{"source":["aws.ec2"],"detail":{"gone":[{"exists":false}],"state":["running"]}}`, ec2Event, true},
	})
}

func TestMatchCIDR(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, ec2Event, true},
		{"outside", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.1"}`, false},
		{"first", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.0"}`, true},
		{"last", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
		{"slash 8", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.200.3.4"}`, true},
		{"odd mask", `{"ip":[{"cidr":"192.168.0.0/23"}]}`, `{"ip":"192.168.1.200"}`, true},
		{"odd mask outside", `{"ip":[{"cidr":"192.168.0.0/23"}]}`, `{"ip":"192.168.2.0"}`, false},
		{"slash 0", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":"255.1.2.3"}`, true},
		{"range starts at given address", `{"ip":[{"cidr":"10.0.0.5/24"}]}`, `{"ip":"10.0.0.4"}`, false},
		{"not an IP", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.example.com"}`, false},
		{"number", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":10}`, false},
		{"IPv6", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:1234::1"}`, true},
		{"IPv6 outside", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db9::1"}`, false},
		{"IPv6 expanded form", `{"ip":[{"cidr":"2001:db8::/64"}]}`, `{"ip":"2001:0DB8:0000:0000:0000:0000:0000:0001"}`, true},
		{"family mismatch", `{"ip":[{"cidr":"::/0"}]}`, `{"ip":"10.0.0.1"}`, false},
		{"IPv4-mapped event", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"::ffff:a00:1"}`, true},
		{"event array", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":["192.168.0.1","10.1.1.1"]}`, true},
	})
}

func TestMatchOr(t *testing.T) {
	t.Parallel()
	const cw = `{"source":"aws.cloudwatch","metricName":"CPUUtilization","namespace":"AWS/Lambda","metricType":"MetricType","scope":"Other","detail":{"source":"x","detail-type":"CloudWatch Alarm State Change"}}`
	runMatchCases(t, []matchCase{
		{"top level first", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}`, cw, true},
		{"top level second", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"namespace":["AWS/Lambda"]}]}`, cw, true},
		{"top level none", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"namespace":["AWS/EC2"]}]}`, cw, false},
		{"and outside fails", `{"source":["aws.ec2"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`, cw, false},
		{"field after $or joins every branch", `{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}],"source":["aws.ec2"]}`, cw, false},
		{"parallel or", `{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}],"detail":{"$or":[{"source":["aws.cloudwatch"]},{"detail-type":["CloudWatch Alarm State Change"]}]}}`, cw, true},
		{"parallel or nested fails", `{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}],"detail":{"$or":[{"source":["aws.cloudwatch"]},{"detail-type":["nope"]}]}}`, cw, false},
		{"or with and inside", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"metricType":["MetricType"],"namespace":["AWS/Lambda"]},{"scope":["Service"]}]}`, cw, true},
		{"or with and inside partial", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"metricType":["MetricType"],"namespace":["AWS/EC2"]},{"scope":["Service"]}]}`, cw, false},
		{"nested or", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"metricType":["MetricType"],"$or":[{"metricId":[1234]},{"scope":["Other"]}]}]}`, cw, true},
		{"nested or none", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["ReadLatency"]},{"metricType":["MetricType"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]}]}`, cw, false},
		{"or inside field", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",1]}]}]}}`, ec2Event, true},
		{"or of exists", `{"$or":[{"a":[{"exists":true}]},{"b":[{"exists":true}]}]}`, `{"b":1}`, true},
		{"or branch overrides field", `{"source":["aws.cloudwatch"],"$or":[{"source":["aws.ec2"]},{"nope":["x"]}]}`, cw, false},
	})
}
