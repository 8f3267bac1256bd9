package pattern

import "testing"

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
