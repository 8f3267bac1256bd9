package events

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/ThreeDotsLabs/watermill/message"

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

// FuzzCarry stamps a message's UUID and metadata into arbitrary details and
// reads them back from the envelope a queue would receive: a detail that is
// accepted keeps its members and gives back what was carried; any body is
// read without panicking and never yields an unusable UUID.
func FuzzCarry(f *testing.F) {
	f.Add([]byte(`{"a":1}`), "uuid-1", "trace", "t-1")
	f.Add([]byte(` {} `), "", "k", "")
	f.Add([]byte(`{"message":{"uuid":"x"}}`), "u", "source", "forged")
	f.Add([]byte(`{"Message":{"uuid":"x"}}`), "u", "k", "v")
	f.Add([]byte(`{"source":"s","detail-type":"d","detail":{"message":{"uuid":"u","metadata":{"k":"v"}}}}`), "u", "", "")
	f.Fuzz(func(t *testing.T, detail []byte, uuid, key, value string) {
		if id, _, ok := restoreMessage(detail); ok && id != "" && !validUUID(id) {
			t.Fatalf("restored unusable uuid %q", id)
		}
		stamped, err := stampMessage(detail, uuid, message.Metadata{key: value})
		if err != nil {
			return
		}
		var before, after map[string]any
		if json.Unmarshal(detail, &before) != nil || json.Unmarshal(stamped, &after) != nil {
			t.Fatalf("accepted %q, stamped %q: not both JSON objects", detail, stamped)
		}
		delete(after, DetailMessageMember)
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("members changed: %q became %q", detail, stamped)
		}
		body := append(append([]byte(`{"source":"s","detail-type":"d","detail":`), stamped...), '}')
		id, md, ok := restoreMessage(body)
		if !ok || id != uuid {
			t.Fatalf("restored uuid %q ok %v from %s, stamped %q", id, ok, body, uuid)
		}
		carried := !envelopeField(key) && !perDelivery(key)
		if carried && utf8.ValidString(key) && utf8.ValidString(value) && md.Get(key) != value {
			t.Fatalf("restored %s=%q, stamped %q", key, md.Get(key), value)
		}
		if !carried && key != MetadataSource && key != MetadataDetailType && md.Get(key) != "" {
			t.Fatalf("restored %s=%q, which is never carried", key, md.Get(key))
		}
	})
}
