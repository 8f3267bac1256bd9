package events

import (
	"context"
	"testing"

	"github.com/licenseflow/licenseflow/schemas"
)

// FuzzDecode feeds arbitrary SQS message bodies through ParseEnvelope and
// Decode. Whatever is accepted must re-encode to a detail that validates;
// whatever is refused must be refused as permanent (a poison message).
func FuzzDecode(f *testing.F) {
	for _, n := range schemas.Samples() {
		b, err := schemas.Sample(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := ParseEnvelope(body)
		if err != nil {
			if !IsPermanent(err) {
				t.Fatalf("ParseEnvelope error not permanent: %v", err)
			}
			return
		}
		d, err := v.Decode(env)
		if err != nil {
			if !IsPermanent(err) {
				t.Fatalf("Decode error not permanent: %v", err)
			}
			return
		}
		ctx := WithCorrelationID(context.Background(), DetailCorrelationID(env.Detail))
		again, err := MarshalDetail(ctx, d)
		if err != nil {
			t.Fatalf("re-encoding accepted detail: %v", err)
		}
		if err := v.Validate(d.DetailType(), again); err != nil {
			t.Fatalf("accepted detail re-encodes invalid: %v\nin:  %s\nout: %s", err, env.Detail, again)
		}
	})
}
