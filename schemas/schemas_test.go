package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Checkout Completed":       "checkout-completed.json",
		"Company Signup Requested": "company-signup-requested.json",
		"Invoice Payment Failed":   "invoice-payment-failed.json",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every schema names its detail-type in its title, and FileName maps that
// title back to the file.
func TestSchemasAreSelfDescribing(t *testing.T) {
	t.Parallel()
	files := Files()
	if len(files) == 0 {
		t.Fatal("no schemas embedded")
	}
	for _, f := range files {
		b, err := FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Schema     string         `json:"$schema"`
			Title      string         `json:"title"`
			Additional *bool          `json:"additionalProperties"`
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema %q", f, doc.Schema)
		}
		if FileName(doc.Title) != f {
			t.Errorf("%s: title %q maps to %s", f, doc.Title, FileName(doc.Title))
		}
		if doc.Additional == nil || *doc.Additional {
			t.Errorf("%s: additionalProperties must be false", f)
		}
		for _, member := range []string{"correlation_id", "message"} {
			if _, ok := doc.Properties[member]; !ok {
				t.Errorf("%s: %s not allowed", f, member)
			}
		}
	}
}

// Every sample is an envelope whose detail-type has a schema.
func TestSamplesAreEnvelopes(t *testing.T) {
	t.Parallel()
	names := Samples()
	if len(names) < len(Files()) {
		t.Fatalf("%d samples for %d schemas", len(names), len(Files()))
	}
	for _, n := range names {
		b, err := Sample(n)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			ID         string          `json:"id"`
			DetailType string          `json:"detail-type"`
			Source     string          `json:"source"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if env.ID == "" || env.Source == "" || len(env.Detail) == 0 {
			t.Errorf("%s: incomplete envelope", n)
		}
		if !strings.HasPrefix(n, strings.TrimSuffix(FileName(env.DetailType), ".json")) {
			t.Errorf("sample %s has detail-type %q", n, env.DetailType)
		}
		if _, err := Schema(env.DetailType); err != nil {
			t.Errorf("sample %s: %v", n, err)
		}
	}
	if _, err := Sample("no-such-sample"); err == nil {
		t.Error("Sample of a missing name succeeded")
	}
}
