package pattern

import "testing"

func TestMatchExactValues(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented simple match", `{"detail-type":["EC2 Instance State-change Notification"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],"detail":{"state":["initializing","running"]}}`, ec2Event, true},
		{"one field differs", `{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`, ec2Event, false},
		{"list is OR", `{"source":["aws.s3","aws.ec2"]}`, ec2Event, true},
		{"missing field", `{"nope":["x"]}`, ec2Event, false},
		{"case sensitive", `{"source":["AWS.EC2"]}`, ec2Event, false},
		{"string does not match number", `{"detail":{"c-count":["5"]}}`, ec2Event, false},
		{"number does not match string", `{"account":[12345679012]}`, ec2Event, false},
		{"number", `{"detail":{"c-count":[5]}}`, ec2Event, true},
		{"number equal across representations", `{"n":[300]}`, `{"n":3.0e2}`, true},
		{"number exponent in pattern", `{"n":[3.0e2]}`, `{"n":300}`, true},
		{"number trailing zeros", `{"n":[301.8]}`, `{"n":301.800000}`, true},
		{"negative zero", `{"n":[0]}`, `{"n":-0.0}`, true},
		{"number differs", `{"n":[300]}`, `{"n":300.000001}`, false},
		{"big number matches its literal", `{"n":[123456789012345678901]}`, `{"n":123456789012345678901}`, true},
		{"big number other literal", `{"n":[123456789012345678901]}`, `{"n":1.23456789012345678901e20}`, false},
		{"over six decimals literal", `{"n":[27.807807921694092]}`, `{"n":27.807807921694092}`, true},
		{"true", `{"b":[true]}`, `{"b":true}`, true},
		{"true vs string", `{"b":[true]}`, `{"b":"true"}`, false},
		{"false", `{"b":[false]}`, `{"b":false}`, true},
		{"false vs true", `{"b":[false]}`, `{"b":true}`, false},
		{"null", `{"detail":{"responseElements":[null]}}`, `{"detail":{"responseElements":null}}`, true},
		{"null is not absent", `{"x":[null]}`, `{"y":1}`, false},
		{"null is not empty string", `{"x":[null]}`, `{"x":""}`, false},
		{"empty string", `{"detail":{"eventVersion":[""]}}`, `{"detail":{"eventVersion":""}}`, true},
		{"empty string is not null", `{"x":[""]}`, `{"x":null}`, false},
		{"event array intersects", `{"resources":["b","z"]}`, `{"resources":["a","b","c"]}`, true},
		{"event array disjoint", `{"resources":["z"]}`, `{"resources":["a","b"]}`, false},
		{"empty event array matches no value", `{"resources":["a"]}`, `{"resources":[]}`, false},
		{"nested event arrays crushed", `{"a":[3]}`, `{"a":[[1,2],[3]]}`, true},
		{"IP literal any spelling", `{"ip":["::1"]}`, `{"ip":"0:0:0:0:0:0:0:1"}`, true},
		{"IP literal differs", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.2"}`, false},
		{"equals operator", `{"s":[{"equals":"x"}]}`, `{"s":"x"}`, true},
		{"escaped strings compare unescaped", `{"s":["a\"b\u00e9"]}`, `{"s":"a\u0022bé"}`, true},
		{"object value is not a leaf", `{"detail":["x"]}`, `{"detail":{"a":"x"}}`, false},
		{"repeated key keeps last list", `{"source":["aws.s3"],"source":["aws.ec2"]}`, ec2Event, true},
	})
}

func TestMatchNested(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"deep field", `{"a":{"b":{"c":{"d":["x"]}}}}`, `{"a":{"b":{"c":{"d":"x"}}}}`, true},
		{"deep field missing level", `{"a":{"b":{"c":["x"]}}}`, `{"a":{"c":"x"}}`, false},
		{"pattern object vs event scalar", `{"a":{"b":["x"]}}`, `{"a":"x"}`, false},
		{"array of objects", `{"employees":{"firstName":["Anna"]}}`, `{"employees":[{"firstName":"John","lastName":"Doe"},{"firstName":"Anna","lastName":"Smith"},{"firstName":"Peter","lastName":"Jones"}]}`, true},
		{"array of objects same element", `{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}`, `{"employees":[{"firstName":"John","lastName":"Doe"},{"firstName":"Anna","lastName":"Smith"}]}`, true},
		{"array of objects different elements", `{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}`, `{"employees":[{"firstName":"Anna","lastName":"Smith"},{"firstName":"Peter","lastName":"Jones"}]}`, false},
		{"multi-level arrays of objects", `{"employees":{"firstName":["Peter"]}}`, `{"employees":[[{"firstName":"John"},{"firstName":"Anna"}],[{"firstName":"Peter"}]]}`, true},
		{"multi-level arrays different elements", `{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}`, `{"employees":[[{"firstName":"Anna","lastName":"Smith"}],[{"firstName":"Peter","lastName":"Jones"}]]}`, false},
		{"fields in different arrays are independent", `{"a":{"x":[1]},"b":{"y":[2]}}`, `{"a":[{"x":0},{"x":1}],"b":[{"y":2},{"y":3}]}`, true},
		{"nested array inside array element", `{"a":{"b":{"c":[1]},"d":[2]}}`, `{"a":[{"b":[{"c":1}],"d":2},{"d":3}]}`, true},
		{"nested array element mismatch", `{"a":{"b":{"c":[1]},"d":[3]}}`, `{"a":[{"b":[{"c":1}],"d":2},{"d":3}]}`, false},
		{"dotted event key flattens like a path", `{"detail":{"state":{"status":["running"]}}}`, `{"detail":{"state.status":"running"}}`, true},
	})
}
