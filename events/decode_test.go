package events

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/schemas"
)

func newTestValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

// jsonEq fails t unless a and b hold the same JSON value.
func jsonEq(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v", err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("JSON differs\nwant: %s\n got: %s", want, got)
	}
}

func loadSample(t testing.TB, name string) Envelope {
	t.Helper()
	b, err := schemas.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(b)
	if err != nil {
		t.Fatalf("sample %s: %v", name, err)
	}
	return env
}

func TestEverySampleValidatesAndRoundTrips(t *testing.T) {
	t.Parallel()
	v := newTestValidator(t)
	seen := map[string]bool{}
	for _, name := range schemas.Samples() {
		t.Run(name, func(t *testing.T) {
			raw, _ := schemas.Sample(name)
			env := loadSample(t, name)
			d, err := v.Decode(env)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.DetailType() != env.DetailType || d.Source() != env.Source {
				t.Errorf("decoded %T for %q from %q", d, env.DetailType, env.Source)
			}
			if reflect.TypeOf(d).Kind() == reflect.Pointer {
				t.Errorf("Decode returned a pointer %T", d)
			}
			// Detail: typed value + the correlation id gives back the same JSON.
			ctx := WithCorrelationID(context.Background(), DetailCorrelationID(env.Detail))
			again, err := MarshalDetail(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, env.Detail, again)
			if err := v.Validate(env.DetailType, again); err != nil {
				t.Errorf("re-encoded detail: %v", err)
			}
			// Envelope round trip.
			b, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, raw, b)
		})
		env := loadSample(t, name)
		seen[env.DetailType] = true
	}
	for _, dt := range DetailTypes() {
		if !seen[dt] {
			t.Errorf("no sample for %q", dt)
		}
	}
}

func TestRegistryMatchesSchemas(t *testing.T) {
	t.Parallel()
	types := DetailTypes()
	if len(types) != len(schemas.Files()) {
		t.Errorf("%d detail-types, %d schema files", len(types), len(schemas.Files()))
	}
	for _, dt := range types {
		d, err := NewDetail(dt)
		if err != nil {
			t.Fatal(err)
		}
		if d.DetailType() != dt {
			t.Errorf("NewDetail(%q) is a %q", dt, d.DetailType())
		}
		if !Known(dt) {
			t.Errorf("Known(%q) = false", dt)
		}
	}
	if _, err := NewDetail("Nope"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("NewDetail(unknown) = %v", err)
	}
}

// TestValuesMatchSchemas holds the Go lists of roles and subscription
// statuses to the enums of the schemas that carry them.
func TestValuesMatchSchemas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		detailType, property string
		want                 []string
		valid                func(string) bool
	}{
		{TypeUserAddRequested, "role", []string{RoleMember, RoleAdmin}, ValidRole},
		{TypeUserAdded, "role", []string{RoleMember, RoleAdmin}, ValidRole},
		{TypeSubscriptionChanged, "status", subscriptionStatuses, ValidSubscriptionStatus},
	}
	for _, tt := range tests {
		t.Run(tt.detailType+"/"+tt.property, func(t *testing.T) {
			t.Parallel()
			raw, err := schemas.Schema(tt.detailType)
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			enum := s.Properties[tt.property].Enum
			if !slices.Equal(slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(tt.want))) {
				t.Fatalf("schema enum %v, Go values %v", enum, tt.want)
			}
			for _, v := range enum {
				if !tt.valid(v) {
					t.Errorf("%q of the schema is not valid in Go", v)
				}
			}
			for _, v := range []string{"", "Admin", "ACTIVE", "owner"} {
				if tt.valid(v) {
					t.Errorf("%q is valid in Go", v)
				}
			}
		})
	}
}

// mutate decodes detail, applies f and re-encodes it.
func mutate(t *testing.T, detail []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(detail, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// For every detail-type: dropping any required field, adding an unknown
// one, mistyping or overlong values, and non-JSON all fail validation.
func TestMalformedDetails(t *testing.T) {
	t.Parallel()
	v := newTestValidator(t)
	for _, name := range schemas.Samples() {
		env := loadSample(t, name)
		var schema struct {
			Required   []string                  `json:"required"`
			Properties map[string]map[string]any `json:"properties"`
		}
		sb, _ := schemas.Schema(env.DetailType)
		if err := json.Unmarshal(sb, &schema); err != nil {
			t.Fatal(err)
		}
		cases := map[string][]byte{
			"not json":          []byte(`{"company_id":`),
			"array":             []byte(`[]`),
			"null":              []byte(`null`),
			"unknown field":     mutate(t, env.Detail, func(m map[string]any) { m["admin"] = true }),
			"correlation int":   mutate(t, env.Detail, func(m map[string]any) { m["correlation_id"] = 7 }),
			"correlation long":  mutate(t, env.Detail, func(m map[string]any) { m["correlation_id"] = strings.Repeat("c", 129) }),
			"correlation space": mutate(t, env.Detail, func(m map[string]any) { m["correlation_id"] = "a b" }),
		}
		for _, f := range schema.Required {
			cases["missing "+f] = mutate(t, env.Detail, func(m map[string]any) { delete(m, f) })
			switch schema.Properties[f]["type"] {
			case "string":
				cases["number "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = 12 })
				cases["overlong "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = strings.Repeat("a", 70000) })
				if schema.Properties[f]["format"] == "date-time" {
					cases["bad time "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = "yesterday" })
				}
				if schema.Properties[f]["format"] == "email" {
					cases["bad email "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = "not-an-email" })
				}
			case "integer":
				cases["fraction "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = 1.5 })
				cases["negative "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = -1 })
			case "object":
				cases["string "+f] = mutate(t, env.Detail, func(m map[string]any) { m[f] = "x" })
			}
		}
		for cname, detail := range cases {
			t.Run(name+"/"+cname, func(t *testing.T) {
				t.Parallel()
				err := v.Validate(env.DetailType, detail)
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.DetailType != env.DetailType {
					t.Fatalf("Validate = %v, want a *ValidationError", err)
				}
				bad := env
				bad.Detail = detail
				if _, err := v.Decode(bad); !IsPermanent(err) {
					t.Errorf("Decode = %v, want permanent", err)
				}
			})
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	v := newTestValidator(t)
	good := loadSample(t, "checkout-completed")
	unknown := good
	unknown.DetailType = "Refund Granted"
	spoofed := good
	spoofed.Source = SourceSignup
	for name, tc := range map[string]struct {
		env  Envelope
		want error
	}{
		"unknown type":   {unknown, ErrUnknownType},
		"spoofed source": {spoofed, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Decode(tc.env)
			if err == nil || !IsPermanent(err) {
				t.Fatalf("Decode = %v, want a permanent error", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseEnvelopeRejects(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":     ``,
		"not json":  `<xml/>`,
		"no detail": `{"detail-type":"Invoice Paid","source":"licenseflow.webhook"}`,
		"no type":   `{"source":"licenseflow.webhook","detail":{}}`,
		"bad time":  `{"detail-type":"Invoice Paid","source":"licenseflow.webhook","time":"noon","detail":{}}`,
		"huge":      `{"detail-type":"x","source":"y","detail":"` + strings.Repeat("a", MaxEnvelopeBytes) + `"}`,
	} {
		if _, err := ParseEnvelope([]byte(body)); !IsPermanent(err) {
			t.Errorf("%s: ParseEnvelope = %v, want permanent", name, err)
		}
	}
}

func TestMarshalDetailStampsCorrelationID(t *testing.T) {
	t.Parallel()
	d := UserAdded{CompanyID: "c1", UserID: "u1", Email: "a@b.example", Role: "member"}
	plain, err := MarshalDetail(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if DetailCorrelationID(plain) != "" {
		t.Errorf("stamped without an id: %s", plain)
	}
	ctx := WithCorrelationID(context.Background(), `id-"1"`)
	b, err := MarshalDetail(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if got := DetailCorrelationID(b); got != `id-"1"` {
		t.Errorf("correlation id %q in %s", got, b)
	}
	var back UserAdded
	if err := json.Unmarshal(b, &back); err != nil || back != d {
		t.Errorf("typed decode of stamped detail: %+v, %v", back, err)
	}
	if b, err := stampCorrelationID([]byte(`{}`), "x"); err != nil || string(b) != `{"correlation_id":"x"}` {
		t.Errorf("stamp empty object: %s, %v", b, err)
	}
}

func TestDetailAs(t *testing.T) {
	t.Parallel()
	d, err := DetailAs[SessionStarted](Envelope{DetailType: TypeSessionStarted,
		Detail: json.RawMessage(`{"session_id":"s1","company_id":"co_1","app_server":"10.0.0.5:8443"}`)})
	if err != nil || d.SessionID != "s1" || d.CompanyID != "co_1" || d.AppServer != "10.0.0.5:8443" {
		t.Fatalf("DetailAs = %+v, %v", d, err)
	}
	_, err = DetailAs[SessionStarted](Envelope{DetailType: TypeSessionStarted, Detail: json.RawMessage(`["not an object"]`)})
	if !IsPermanent(err) || !strings.Contains(err.Error(), `decoding "Session Started"`) {
		t.Fatalf("a detail that does not decode: %v, want a Permanent decoding error", err)
	}
}
