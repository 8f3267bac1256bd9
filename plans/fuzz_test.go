package plans_test

import (
	"os"
	"testing"

	"github.com/licenseflow/licenseflow/plans"
)

// FuzzParse: any bytes either parse to a valid catalogue whose compact
// JSON parses back to the same digest, or give an error; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(proYAML))
	f.Add([]byte(proJSON))
	f.Add(plans.Default().JSON())
	if b, err := os.ReadFile("testdata/plans.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("plans:\n  a: &x {name: a, seats: 1, features: [a]}\n  b: *x\n  c: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := plans.Parse(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse returned an invalid catalogue: %v", err)
		}
		back, err := plans.Parse(c.JSON())
		if err != nil || back.Digest() != c.Digest() {
			t.Fatalf("round trip: %v\n%s", err, c.JSON())
		}
	})
}
