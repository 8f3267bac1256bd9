package pattern_test

import (
	"fmt"

	"github.com/licenseflow/licenseflow/localaws/pattern"
)

func Example() {
	p, err := pattern.Compile([]byte(`{
	  "source": ["licenseflow.payment"],
	  "detail": {
	    "amount": [{"numeric": [">", 0, "<=", 5000]}],
	    "plan": [{"anything-but": ["free"]}]
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, err := p.Match([]byte(`{"source":"licenseflow.payment","detail":{"amount":4.2e3,"plan":"team"}}`))
	fmt.Println(ok, err)

	_, err = pattern.Compile([]byte(`{"source":"licenseflow.payment"}`))
	fmt.Println(err)
	// Output:
	// true <nil>
	// "source" must be an object or an array at [line: 1, column: 32]
}

// Parse an event once and match it against every rule of a bus.
func ExampleParseEvent() {
	var rules []*pattern.Pattern
	for _, src := range []string{
		`{"detail-type":["License Issued"]}`,
		`{"detail-type":[{"prefix":"License "}],"detail":{"company":{"id":[{"exists":true}]}}}`,
		`{"$or":[{"source":["licenseflow.signup"]},{"detail":{"seats":[{"numeric":[">=",100]}]}}]}`,
	} {
		p, err := pattern.Compile([]byte(src))
		if err != nil {
			panic(err)
		}
		rules = append(rules, p)
	}
	ev, err := pattern.ParseEvent([]byte(`{"source":"licenseflow.payment","detail-type":"License Issued","detail":{"company":{"id":"c-1"},"seats":10}}`))
	if err != nil {
		panic(err)
	}
	for i, p := range rules {
		fmt.Println(i, p.MatchEvent(ev))
	}
	// Output:
	// 0 true
	// 1 true
	// 2 false
}
