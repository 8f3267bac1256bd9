package events

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/licenseflow/licenseflow/internal/testlog"
)

func TestStampMessage(t *testing.T) {
	t.Parallel()
	md := message.Metadata{
		MetadataSource: "s", MetadataDetailType: "d", MetadataResources: "arn:r",
		MetadataReceiveCount: "3", MetadataQueueURL: "http://q", MetadataMessageID: "sqs-1",
		MetadataPoisonReason: "bad", MetadataPoisonHandler: "h", MetadataPoisonSource: "arn:q",
		"trace": "t-1",
	}
	for name, tc := range map[string]struct {
		detail, uuid string
		md           message.Metadata
		want         string
	}{
		"uuid and carried metadata": {`{"a":1}`, "u-1", md, `{"message":{"uuid":"u-1","metadata":{"trace":"t-1"}},"a":1}`},
		"empty object":              {`{}`, "u-1", nil, `{"message":{"uuid":"u-1"}}`},
		"spaces":                    {" { \"a\" : 1 }\n", "u-1", nil, `{"message":{"uuid":"u-1"}, "a" : 1 }`},
		"metadata without uuid":     {`{"a":1}`, "", message.Metadata{"k": "v"}, `{"message":{"metadata":{"k":"v"}},"a":1}`},
		"nothing to carry":          {`{"a":1}`, "", message.Metadata{MetadataSource: "s", MetadataReceiveCount: "2"}, `{"a":1}`},
	} {
		got, err := stampMessage([]byte(tc.detail), tc.uuid, tc.md)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %s, %v; want %s", name, got, err, tc.want)
		}
		if err == nil && !json.Valid(got) {
			t.Errorf("%s: not JSON: %s", name, got)
		}
	}
	for name, tc := range map[string]struct{ detail, uuid string }{
		"string":         {`"x"`, "u"},
		"null":           {`null`, "u"},
		"array":          {`[1]`, "u"},
		"not JSON":       {`{"a":`, "u"},
		"member taken":   {`{"message":"mine"}`, "u"},
		"member cased":   {`{"MESSAGE":"mine"}`, "u"},
		"uuid space":     {`{}`, "a b"},
		"uuid too long":  {`{}`, strings.Repeat("u", 129)},
		"uuid non-ascii": {`{}`, "ü"},
	} {
		if got, err := stampMessage([]byte(tc.detail), tc.uuid, nil); err == nil {
			t.Errorf("%s: accepted as %s", name, got)
		}
	}
}

func TestRestoreMessage(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		body   string
		uuid   string
		md     message.Metadata
		envlop bool
	}{
		"carried": {
			body: `{"id":"e-1","source":"s","detail-type":"d","resources":["arn:a","arn:b"],
				"detail":{"message":{"uuid":"u-1","metadata":{"trace":"t-1"}},"a":1}}`,
			uuid: "u-1", envlop: true,
			md: message.Metadata{MetadataSource: "s", MetadataDetailType: "d", MetadataResources: "arn:a,arn:b", "trace": "t-1"},
		},
		"nothing carried": {
			body: `{"source":"s","detail-type":"d","detail":{"a":1}}`, envlop: true,
			md: message.Metadata{MetadataSource: "s", MetadataDetailType: "d"},
		},
		"carried keys never override the envelope nor mark a delivery": {
			body: `{"source":"s","detail-type":"d","detail":{"message":{"uuid":"u-1","metadata":{
				"source":"forged","reason_poisoned":"forged","sqs_queue_url":"forged","k":"v"}}}}`,
			uuid: "u-1", envlop: true,
			md: message.Metadata{MetadataSource: "s", MetadataDetailType: "d", "k": "v"},
		},
		"unusable uuid": {
			body: `{"source":"s","detail-type":"d","detail":{"message":{"uuid":"a b"}}}`, envlop: true,
			md: message.Metadata{MetadataSource: "s", MetadataDetailType: "d"},
		},
		"not JSON":           {body: `plain text`},
		"no source":          {body: `{"detail-type":"d","detail":{}}`},
		"mistyped uuid":      {body: `{"source":"s","detail-type":"d","detail":{"message":{"uuid":7}}}`},
		"detail not object":  {body: `{"source":"s","detail-type":"d","detail":"x"}`},
		"metadata not texts": {body: `{"source":"s","detail-type":"d","detail":{"message":{"metadata":{"k":1}}}}`},
	} {
		uuid, md, ok := restoreMessage([]byte(tc.body))
		if ok != tc.envlop || uuid != tc.uuid || !sameMetadata(md, tc.md) {
			t.Errorf("%s: got %q %v %v; want %q %v %v", name, uuid, md, ok, tc.uuid, tc.md, tc.envlop)
		}
	}
}

func sameMetadata(a, b message.Metadata) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A message published with EventBridgePublisher reaches SQSSubscriber with
// its UUID and metadata, also when it is published twice (a retry after a
// lost PutEvents response): two events, one UUID. The detail still
// validates and decodes.
func TestMessageCrossesTheBusWithUUIDAndMetadata(t *testing.T) {
	t.Parallel()
	bus, q := newRoutedBus(t)
	pub, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: local.EventBridge(), Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMessage(WithCorrelationID(context.Background(), "corr-7"), "uuid-7", userAdded(7))
	if err != nil {
		t.Fatal(err)
	}
	m.Metadata.Set("trace", "t-7")
	m.Metadata.Set(MetadataPoisonReason, "never carried")
	for range 2 {
		if err := pub.Publish(bus, m); err != nil {
			t.Fatal(err)
		}
	}
	_, msgs := subscribe(t, local.SQS(), q.url, nil)
	v := newTestValidator(t)
	eventIDs := map[string]bool{}
	for len(eventIDs) < 2 {
		select {
		case got := <-msgs:
			if got.UUID != "uuid-7" {
				t.Errorf("uuid %q", got.UUID)
			}
			want := message.Metadata{"trace": "t-7", MetadataSource: SourceAccounts, MetadataDetailType: TypeUserAdded}
			for k, w := range want {
				if got.Metadata.Get(k) != w {
					t.Errorf("metadata %s = %q, want %q", k, got.Metadata.Get(k), w)
				}
			}
			if got.Metadata.Get(MetadataPoisonReason) != "" || got.Metadata.Get(MetadataMessageID) == "" {
				t.Errorf("delivery metadata %v", got.Metadata)
			}
			env, err := ParseEnvelope(got.Payload)
			if err != nil {
				t.Fatal(err)
			}
			d, err := v.Decode(env)
			if err != nil {
				t.Fatalf("carried detail does not decode: %v", err)
			}
			if d.(UserAdded) != userAdded(7) || DetailCorrelationID(env.Detail) != "corr-7" {
				t.Errorf("detail %+v %s", d, env.Detail)
			}
			eventIDs[env.ID] = true
			got.Ack()
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of 2 events", len(eventIDs))
		}
	}
}
