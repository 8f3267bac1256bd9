package pattern

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchRules are 100 rules of the shapes a bus carries: exact source and
// detail-type, prefix, numeric ranges, anything-but, exists, wildcard, $or.
func benchRules(b *testing.B) []*Pattern {
	b.Helper()
	var ps []*Pattern
	for i := 0; i < 100; i++ {
		var src string
		switch i % 5 {
		case 0:
			src = fmt.Sprintf(`{"source":["licenseflow.%d"],"detail-type":["Payment Succeeded"]}`, i)
		case 1:
			src = fmt.Sprintf(`{"source":[{"prefix":"licenseflow."}],"detail":{"amount":[{"numeric":[">",%d,"<=",%d]}]}}`, i*10, i*10+100)
		case 2:
			src = fmt.Sprintf(`{"detail":{"plan":[{"anything-but":["free","trial-%d"]}],"company":{"id":[{"exists":true}]}}}`, i)
		case 3:
			src = fmt.Sprintf(`{"detail-type":[{"wildcard":"*Signup %d*"}],"detail":{"email":[{"suffix":{"equals-ignore-case":"@EXAMPLE.COM"}}]}}`, i)
		default:
			src = fmt.Sprintf(`{"source":["licenseflow.payment"],"$or":[{"detail":{"status":["active","past_due"]}},{"detail":{"version":[{"numeric":[">=",%d]}]}}]}`, i)
		}
		p, err := Compile([]byte(src))
		if err != nil {
			b.Fatalf("%s: %v", src, err)
		}
		ps = append(ps, p)
	}
	return ps
}

var benchEvent = []byte(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Payment Succeeded",
"source":"licenseflow.payment","account":"000000000000","time":"2026-01-02T03:04:05Z","region":"eu-west-1",
"resources":["arn:aws:events:eu-west-1:000000000000:event-bus/licenseflow"],
"detail":{"amount":4200,"currency":"eur","plan":"team","status":"active","version":7,
"company":{"id":"c-123","name":"Example GmbH","admins":[{"email":"a@example.com"},{"email":"b@example.com"}]},
"email":"billing@Example.com","lines":[{"sku":"seat","qty":10},{"sku":"support","qty":1}]}}`)

// BenchmarkMatch100Rules matches one event against 100 rules: the event is
// parsed once and every rule evaluated, as the EventBridge engine does.
func BenchmarkMatch100Rules(b *testing.B) {
	ps := benchRules(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	matched := 0
	for b.Loop() {
		ev, err := ParseEvent(benchEvent)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			if p.MatchEvent(ev) {
				matched++
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}

// BenchmarkMatch100RulesReparse is the baseline of calling Match per rule,
// which parses the event once per rule.
func BenchmarkMatch100RulesReparse(b *testing.B) {
	ps := benchRules(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		for _, p := range ps {
			if _, err := p.Match(benchEvent); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeEventBaseline is the floor: decoding the event once with
// encoding/json into a map, before any rule is looked at.
func BenchmarkDecodeEventBaseline(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchEvent, &m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkCompile(b *testing.B) {
	src := []byte(`{"source":["licenseflow.payment"],"$or":[{"detail":{"status":["active","past_due"]}},{"detail":{"version":[{"numeric":[">=",3,"<",10]}]}}],"detail-type":[{"wildcard":"Payment *"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}
