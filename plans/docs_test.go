package plans_test

import (
	"os"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/plans"
)

// TestDocumentedPlansParse: every plans file the README and the Stripe
// guide show (a ```yaml block with a plans: key) is valid, and they show
// the same one.
func TestDocumentedPlansParse(t *testing.T) {
	t.Parallel()
	var digests []string
	for _, doc := range []string{"../README.md", "../docs/stripe.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, block := range strings.Split(string(b), "```yaml\n")[1:] {
			block = block[:strings.Index(block, "```")]
			if !strings.Contains(block, "\nplans:\n") {
				continue
			}
			found++
			c, err := plans.Parse([]byte(block))
			if err != nil {
				t.Errorf("%s: the plans file it shows is invalid: %v\n%s", doc, err, block)
				continue
			}
			digests = append(digests, c.Digest())
		}
		if found == 0 {
			t.Errorf("%s shows no plans file", doc)
		}
	}
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Error("the README and docs/stripe.md show different plans files")
		}
	}
}
