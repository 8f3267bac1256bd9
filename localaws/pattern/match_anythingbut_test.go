package pattern

import "testing"

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
