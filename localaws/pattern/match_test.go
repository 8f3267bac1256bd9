package pattern

import (
	"strings"
	"sync"
	"testing"
)

// The tests of matching, by operator, each case through both Match and
// ParseEvent+MatchEvent (runMatchCases), then matching under concurrency
// and on wide arrays.

// matchCase is one pattern/event pair and whether they match.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

// runMatchCases checks every case through Match and through
// ParseEvent+MatchEvent.
func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tc.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.pattern, err)
			}
			got, err := p.Match([]byte(tc.event))
			if err != nil {
				t.Fatalf("Match(%s): %v", tc.event, err)
			}
			if got != tc.want {
				t.Errorf("pattern %s\nevent   %s\nmatch = %v, want %v", tc.pattern, tc.event, got, tc.want)
			}
			ev, err := ParseEvent([]byte(tc.event))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if got := p.MatchEvent(ev); got != tc.want {
				t.Errorf("MatchEvent = %v, want %v", got, tc.want)
			}
		})
	}
}

// ec2Event is the sample event of AWS's event-ruler documentation.
const ec2Event = `{
  "version": "0",
  "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "012345679012",
  "time": "2017-10-02T16:24:49Z",
  "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  "detail": {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    "state": "running"
  }
}`

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

func TestMatchPrefixSuffix(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`, ec2Event, true},
		{"prefix miss", `{"time":[{"prefix":"2017-10-03"}]}`, ec2Event, false},
		{"prefix is case sensitive", `{"source":[{"prefix":"AWS."}]}`, ec2Event, false},
		{"prefix only strings", `{"n":[{"prefix":"1"}]}`, `{"n":123}`, false},
		{"empty prefix matches any string", `{"s":[{"prefix":""}]}`, `{"s":"abc"}`, true},
		{"empty prefix not a number", `{"s":[{"prefix":""}]}`, `{"s":1}`, false},
		{"prefix in event array", `{"r":[{"prefix":"arn:aws:s3"}]}`, `{"r":["arn:aws:ec2:x","arn:aws:s3:::b"]}`, true},
		{"prefix ignore case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, `{"detail":{"service":"eventbridge"}}`, true},
		{"prefix ignore case upper", `{"s":[{"prefix":{"equals-ignore-case":"eventb"}}]}`, `{"s":"EVENTBRIDGE"}`, true},
		{"prefix ignore case miss", `{"s":[{"prefix":{"equals-ignore-case":"eventc"}}]}`, `{"s":"EVENTBRIDGE"}`, false},
		{"prefix ignore case non-ASCII", `{"s":[{"prefix":{"equals-ignore-case":"ÉCO"}}]}`, `{"s":"école"}`, true},
		{"suffix", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.png"}`, true},
		{"suffix miss", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.PNG"}`, false},
		{"suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, `{"detail":{"FileName":"IMAGE.PNG"}}`, true},
		{"suffix ignore case non-ASCII", `{"s":[{"suffix":{"equals-ignore-case":"ÇÃO"}}]}`, `{"s":"informação"}`, true},
		{"suffix ignore case miss", `{"s":[{"suffix":{"equals-ignore-case":".jpg"}}]}`, `{"s":"a.png"}`, false},
		{"suffix only strings", `{"n":[{"suffix":"3"}]}`, `{"n":123}`, false},
	})
}

func TestMatchEqualsIgnoreCase(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"source":[{"equals-ignore-case":"EC2"}]}`, `{"source":"ec2"}`, true},
		{"mixed case", `{"s":[{"equals-ignore-case":"AbC"}]}`, `{"s":"aBc"}`, true},
		{"longer value", `{"s":[{"equals-ignore-case":"abc"}]}`, `{"s":"abcd"}`, false},
		{"shorter value", `{"s":[{"equals-ignore-case":"abcd"}]}`, `{"s":"abc"}`, false},
		{"accented", `{"s":[{"equals-ignore-case":"ÉCOLE"}]}`, `{"s":"école"}`, true},
		{"greek", `{"s":[{"equals-ignore-case":"ΣΟΦΙΑ"}]}`, `{"s":"σοφια"}`, true},
		{"cyrillic", `{"s":[{"equals-ignore-case":"ПРИВЕТ"}]}`, `{"s":"привет"}`, true},
		{"different byte lengths", `{"s":[{"equals-ignore-case":"k"}]}`, `{"s":"K"}`, true},
		{"sharp s is not ss", `{"s":[{"equals-ignore-case":"STRASSE"}]}`, `{"s":"straße"}`, false},
		{"not a number", `{"s":[{"equals-ignore-case":"1"}]}`, `{"s":1}`, false},
		{"not null", `{"s":[{"equals-ignore-case":"null"}]}`, `{"s":null}`, false},
	})
}

func TestMatchWildcard(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"source":[{"wildcard":"Simple*Service"}]}`, `{"source":"SimpleQueueService"}`, true},
		{"star matches empty", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"SimpleService"}`, true},
		{"anchored at start", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"ASimpleQueueService"}`, false},
		{"anchored at end", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"SimpleQueueServices"}`, false},
		{"only star", `{"s":[{"wildcard":"*"}]}`, `{"s":""}`, true},
		{"no star is exact", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abc"}`, true},
		{"no star is exact miss", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abcd"}`, false},
		{"path", `{"FilePath":[{"wildcard":"*/lib/*"}]}`, `{"FilePath":"/usr/lib/x.so"}`, true},
		{"several stars", `{"s":[{"wildcard":"a*b*c*d"}]}`, `{"s":"a-b-b-c-d"}`, true},
		{"several stars order", `{"s":[{"wildcard":"a*c*b"}]}`, `{"s":"abc"}`, false},
		{"overlapping ends", `{"s":[{"wildcard":"ab*ba"}]}`, `{"s":"aba"}`, false},
		{"overlapping ends ok", `{"s":[{"wildcard":"ab*ba"}]}`, `{"s":"abba"}`, true},
		{"escaped star literal", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"a*b"}`, true},
		{"escaped star not wildcard", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"axb"}`, false},
		{"escaped backslash", `{"s":[{"wildcard":"a\\\\*"}]}`, `{"s":"a\\bc"}`, true},
		{"escaped backslash needs backslash", `{"s":[{"wildcard":"a\\\\*"}]}`, `{"s":"abc"}`, false},
		{"escaped star then wildcard", `{"s":[{"wildcard":"a\\**"}]}`, `{"s":"a*zzz"}`, true},
		{"non-ASCII", `{"s":[{"wildcard":"ü*ß"}]}`, `{"s":"über-groß"}`, true},
		{"only strings", `{"n":[{"wildcard":"1*"}]}`, `{"n":123}`, false},
	})
}

func TestMatchNumeric(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, ec2Event, true},
		{"gt", `{"n":[{"numeric":[">",5]}]}`, `{"n":6}`, true},
		{"gt boundary", `{"n":[{"numeric":[">",5]}]}`, `{"n":5}`, false},
		{"ge boundary", `{"n":[{"numeric":[">=",5]}]}`, `{"n":5.0}`, true},
		{"lt boundary", `{"n":[{"numeric":["<",5]}]}`, `{"n":5}`, false},
		{"le boundary", `{"n":[{"numeric":["<=",5]}]}`, `{"n":50e-1}`, true},
		{"eq exponent", `{"n":[{"numeric":["=",300]}]}`, `{"n":3.0e2}`, true},
		{"eq miss", `{"n":[{"numeric":["=",300]}]}`, `{"n":300.000001}`, false},
		{"range open bottom", `{"n":[{"numeric":[">",0,"<",1]}]}`, `{"n":0}`, false},
		{"range inside", `{"n":[{"numeric":[">",0,"<",1]}]}`, `{"n":0.5}`, true},
		{"range closed top", `{"n":[{"numeric":[">=",0,"<=",1]}]}`, `{"n":1}`, true},
		{"negative", `{"n":[{"numeric":[">=",-10,"<",-5]}]}`, `{"n":-7.25}`, true},
		{"negative miss", `{"n":[{"numeric":[">=",-10,"<",-5]}]}`, `{"n":-5}`, false},
		{"six decimals", `{"n":[{"numeric":[">",0.000001]}]}`, `{"n":0.000002}`, true},
		{"six decimals equal", `{"n":[{"numeric":[">",0.000001]}]}`, `{"n":0.000001}`, false},
		{"event beyond six decimals gt", `{"n":[{"numeric":[">",1]}]}`, `{"n":1.0000001}`, true},
		{"event beyond six decimals lt", `{"n":[{"numeric":["<",1]}]}`, `{"n":0.9999999}`, true},
		{"event beyond six decimals le miss", `{"n":[{"numeric":["<=",1]}]}`, `{"n":1.0000001}`, false},
		{"event beyond six decimals eq miss", `{"n":[{"numeric":["=",1]}]}`, `{"n":1.0000001}`, false},
		{"negative fraction floor", `{"n":[{"numeric":[">",-1,"<",0]}]}`, `{"n":-0.0000001}`, true},
		{"negative fraction below", `{"n":[{"numeric":["<",-1]}]}`, `{"n":-1.0000001}`, true},
		{"negative fraction not ge", `{"n":[{"numeric":[">=",-1]}]}`, `{"n":-1.0000001}`, false},
		{"upper limit", `{"n":[{"numeric":["<=",5e9]}]}`, `{"n":5000000000}`, true},
		{"beyond limit never numeric", `{"n":[{"numeric":[">",0]}]}`, `{"n":5000000001}`, false},
		{"beyond limit negative", `{"n":[{"numeric":["<",0]}]}`, `{"n":-6e9}`, false},
		{"string never numeric", `{"n":[{"numeric":[">",0]}]}`, `{"n":"5"}`, false},
		{"event array any", `{"n":[{"numeric":[">",10]}]}`, `{"n":[1,2,30]}`, true},
		{"event array none", `{"n":[{"numeric":[">",10]}]}`, `{"n":[1,2,3]}`, false},
		{"tiny exponent", `{"n":[{"numeric":[">",0,"<",0.000001]}]}`, `{"n":1e-300}`, true},
		{"huge exponent", `{"n":[{"numeric":[">",0]}]}`, `{"n":1e300}`, false},
		{"zero forms", `{"n":[{"numeric":["=",0]}]}`, `{"n":-0e5}`, true},
	})
}

func TestParseDecimal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want decimal
	}{
		{"0", decimal{ok: true}},
		{"-0.0e10", decimal{ok: true}},
		{"1", decimal{micros: 1_000_000, ok: true}},
		{"3.018e2", decimal{micros: 301_800_000, ok: true}},
		{"0.000001", decimal{micros: 1, ok: true}},
		{"0.0000015", decimal{micros: 1, frac: true, ok: true}},
		{"-0.0000015", decimal{micros: -2, frac: true, ok: true}},
		{"5e9", decimal{micros: 5_000_000_000_000_000, ok: true}},
		{"-5000000000", decimal{micros: -5_000_000_000_000_000, ok: true}},
		{"5000000000.000001", decimal{}},
		{"5000000000.0000001", decimal{}},
		{"12345678901234567890", decimal{}},
		{"1E-400", decimal{micros: 0, frac: true, ok: true}},
		{"1e999999999999", decimal{}},
		{"00.100", decimal{micros: 100_000, ok: true}},
	}
	for _, tc := range cases {
		if got := parseDecimal(tc.in); got != tc.want {
			t.Errorf("parseDecimal(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestMatchAnythingBut(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ec2Event, true},
		{"string excluded", `{"detail":{"state":[{"anything-but":"running"}]}}`, ec2Event, false},
		{"string absent field", `{"detail":{"nope":[{"anything-but":"running"}]}}`, ec2Event, false},
		{"number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, ec2Event, true},
		{"number excluded", `{"detail":{"x-limit":[{"anything-but":301.8}]}}`, ec2Event, false},
		{"number excluded other spelling", `{"n":[{"anything-but":300}]}`, `{"n":3e2}`, false},
		{"string list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ec2Event, true},
		{"string list excluded", `{"detail":{"state":[{"anything-but":["stopped","running"]}]}}`, ec2Event, false},
		{"number list", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, ec2Event, true},
		{"number list excluded", `{"n":[{"anything-but":[100,200,300]}]}`, `{"n":200.0}`, false},
		{"string set lets numbers through", `{"n":[{"anything-but":"5"}]}`, `{"n":5}`, true},
		{"number set lets strings through", `{"n":[{"anything-but":5}]}`, `{"n":"5"}`, true},
		{"null passes", `{"n":[{"anything-but":"x"}]}`, `{"n":null}`, true},
		{"event array any element passes", `{"state":[{"anything-but":"stopped"}]}`, `{"state":["stopped","running"]}`, true},
		{"event array all excluded", `{"state":[{"anything-but":["stopped","running"]}]}`, `{"state":["stopped","running"]}`, false},
		{"empty event array", `{"state":[{"anything-but":"stopped"}]}`, `{"state":[]}`, false},
		{"prefix", `{"Region":[{"anything-but":{"prefix":"us-"}}]}`, `{"Region":"eu-west-1"}`, true},
		{"prefix excluded", `{"Region":[{"anything-but":{"prefix":"us-"}}]}`, `{"Region":"us-east-1"}`, false},
		{"prefix list", `{"Region":[{"anything-but":{"prefix":["us-","eu-"]}}]}`, `{"Region":"eu-west-1"}`, false},
		{"prefix number passes", `{"n":[{"anything-but":{"prefix":"1"}}]}`, `{"n":123}`, true},
		{"suffix", `{"FileName":[{"anything-but":{"suffix":".png"}}]}`, `{"FileName":"a.jpg"}`, true},
		{"suffix excluded", `{"FileName":[{"anything-but":{"suffix":".png"}}]}`, `{"FileName":"a.png"}`, false},
		{"suffix list", `{"FileName":[{"anything-but":{"suffix":[".png",".jpg"]}}]}`, `{"FileName":"a.jpg"}`, false},
		{"ignore case", `{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"state":"INITIALIZING"}`, false},
		{"ignore case other", `{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"state":"running"}`, true},
		{"ignore case list", `{"state":[{"anything-but":{"equals-ignore-case":["Stopped","Running"]}}]}`, `{"state":"RUNNING"}`, false},
		{"ignore case non-ASCII", `{"city":[{"anything-but":{"equals-ignore-case":"ZÜRICH"}}]}`, `{"city":"zürich"}`, false},
		{"ignore case empty list excludes nothing", `{"state":[{"anything-but":{"equals-ignore-case":[]}}]}`, `{"state":"x"}`, true},
		{"wildcard", `{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"FilePath":"/usr/bin/x"}`, true},
		{"wildcard excluded", `{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"FilePath":"/usr/lib/x"}`, false},
		{"wildcard list", `{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}`, `{"FilePath":"/usr/bin/x"}`, false},
		{"combined with value", `{"state":["stopped",{"anything-but":["stopped","running"]}]}`, `{"state":"stopped"}`, true},
	})
}

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

func TestMatchConcurrent(t *testing.T) {
	t.Parallel()
	p, err := Compile([]byte(`{"detail":{"state":[{"anything-but":"stopped"}],"c-count":[{"numeric":[">",1]}]},"$or":[{"source":["aws.ec2"]},{"region":["eu-west-1"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseEvent([]byte(ec2Event))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ok, err := p.Match([]byte(ec2Event))
				if err != nil || !ok || !p.MatchEvent(ev) {
					errs <- "concurrent match failed"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMatchWideArraysStaysBounded(t *testing.T) {
	t.Parallel()
	// Three independent arrays of 300 elements each: a naive search over
	// every combination would take 27 million steps before failing on "c".
	var b strings.Builder
	b.WriteString(`{"a":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"x":1}`)
	}
	b.WriteString(`],"b":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"y":2}`)
	}
	b.WriteString(`],"c":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"z":3}`)
	}
	b.WriteString(`]}`)
	ev, err := ParseEvent([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"z":[4]}}`, false},
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"z":[3]}}`, true},
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"w":[{"exists":true}]}}`, false},
	} {
		p, err := Compile([]byte(tc.pattern))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MatchEvent(ev); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}
