package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
)

// A watermill message crosses the bus as one EventBridge event: its payload
// is the detail, its metadata MetadataSource, MetadataDetailType and
// MetadataResources are the event's own fields, and its UUID and the rest
// of its metadata travel in the detail's DetailMessageMember, stamped by
// EventBridgePublisher and read back by SQSSubscriber. So the UUID a
// consumer sees is the one the publisher gave, the same at every consumer
// and across PutEvents retries (EventBridge's event id is neither), and
// metadata such as a correlation id arrives with the event.

// DetailMessageMember is the detail member that carries a message's UUID
// and metadata: {"message":{"uuid":"…","metadata":{"key":"value"}}}. Every
// schema allows it; a payload must not have it (in any case).
const DetailMessageMember = "message"

// maxUUIDBytes bounds a carried UUID, as the schemas do.
const maxUUIDBytes = 128

// carriedMessage is the value of DetailMessageMember.
type carriedMessage struct {
	UUID     string            `json:"uuid,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// perDelivery reports whether a metadata key describes one delivery (which
// queue, which receive, why a handler gave up on it): such keys are never
// carried across the bus nor taken from what a message brings with it.
func perDelivery(key string) bool {
	switch key {
	case MetadataMessageID, MetadataReceiveCount, MetadataQueueURL,
		MetadataPoisonReason, MetadataPoisonHandler, MetadataPoisonSource:
		return true
	}
	return false
}

// envelopeField reports whether a metadata key is carried by an envelope
// field of its own.
func envelopeField(key string) bool {
	return key == MetadataSource || key == MetadataDetailType || key == MetadataResources
}

// validUUID reports whether id may be carried: 1 to 128 printable ASCII
// characters.
func validUUID(id string) bool {
	if id == "" || len(id) > maxUUIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// stampMessage returns detail (a JSON object without DetailMessageMember)
// with uuid and the carried part of md in DetailMessageMember. An empty
// uuid is not carried.
func stampMessage(detail []byte, uuid string, md message.Metadata) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(detail, &top); err != nil || top == nil {
		return nil, errors.New("payload is not a JSON object")
	}
	for k := range top {
		// encoding/json matches member names regardless of case.
		if strings.EqualFold(k, DetailMessageMember) {
			return nil, fmt.Errorf("payload has a %q member, which the publisher fills", k)
		}
	}
	c := carriedMessage{UUID: uuid}
	if uuid != "" && !validUUID(uuid) {
		return nil, fmt.Errorf("uuid %q is not 1 to %d printable ASCII characters", uuid, maxUUIDBytes)
	}
	for k, v := range md {
		if envelopeField(k) || perDelivery(k) {
			continue
		}
		if c.Metadata == nil {
			c.Metadata = map[string]string{}
		}
		c.Metadata[k] = v
	}
	if c.UUID == "" && len(c.Metadata) == 0 {
		return detail, nil
	}
	member, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	rest := bytes.TrimSpace(detail)[1:] // after the object's '{'
	out := make([]byte, 0, len(member)+len(rest)+16)
	out = append(out, `{"`+DetailMessageMember+`":`...)
	out = append(out, member...)
	if len(top) > 0 {
		out = append(out, ',')
	}
	return append(out, rest...), nil
}

// envelopeHead is what restoreMessage reads of a body.
type envelopeHead struct {
	Source     string   `json:"source"`
	DetailType string   `json:"detail-type"`
	Resources  []string `json:"resources"`
	Detail     struct {
		Message carriedMessage `json:"message"`
	} `json:"detail"`
}

// restoreMessage reads what an EventBridge envelope body carries of the
// message it was published from: the UUID (or "" if none is carried) and
// the metadata (the carried keys, source, detail-type and resources). ok
// is false when body is not an envelope.
func restoreMessage(body []byte) (uuid string, md message.Metadata, ok bool) {
	var h envelopeHead
	if json.Unmarshal(body, &h) != nil || h.Source == "" || h.DetailType == "" {
		return "", nil, false
	}
	md = message.Metadata{}
	for k, v := range h.Detail.Message.Metadata {
		if !envelopeField(k) && !perDelivery(k) {
			md.Set(k, v)
		}
	}
	md.Set(MetadataSource, h.Source)
	md.Set(MetadataDetailType, h.DetailType)
	if len(h.Resources) > 0 {
		md.Set(MetadataResources, strings.Join(h.Resources, ","))
	}
	if validUUID(h.Detail.Message.UUID) {
		uuid = h.Detail.Message.UUID
	}
	return uuid, md, true
}
