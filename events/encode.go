package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Metadata keys of watermill messages that carry events: the EventBridge
// publisher reads them to fill PutEvents entries.
const (
	MetadataSource     = "source"
	MetadataDetailType = "detail-type"
	// MetadataResources is an optional comma-separated list of ARNs.
	MetadataResources = "resources"
)

// MarshalDetail encodes d as the detail JSON, with the correlation id of ctx
// (if any) stamped as "correlation_id".
func MarshalDetail(ctx context.Context, d Detail) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encoding %q detail: %w", d.DetailType(), err)
	}
	return stampCorrelationID(b, CorrelationID(ctx))
}

// stampCorrelationID adds "correlation_id" to the JSON object b.
func stampCorrelationID(b []byte, id string) ([]byte, error) {
	if id == "" {
		return b, nil
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("detail is not a JSON object")
	}
	q, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(q)+20)
	out = append(out, `{"correlation_id":`...)
	out = append(out, q...)
	if string(b) != "{}" {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// NewEntry builds the PutEvents entry that publishes d on bus, stamped with
// ctx's correlation id. It does not validate: see BusPublisher.
func NewEntry(ctx context.Context, bus string, d Detail) (ebtypes.PutEventsRequestEntry, error) {
	b, err := MarshalDetail(ctx, d)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, err
	}
	return ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(bus),
		Source:       aws.String(d.Source()),
		DetailType:   aws.String(d.DetailType()),
		Detail:       aws.String(string(b)),
		Time:         aws.Time(time.Now().UTC()),
	}, nil
}

// NewMessage builds the watermill message that carries d to the EventBridge
// publisher: the payload is the detail JSON (with ctx's correlation id), the
// metadata names source and detail-type, the context is ctx.
func NewMessage(ctx context.Context, uuid string, d Detail) (*message.Message, error) {
	b, err := MarshalDetail(ctx, d)
	if err != nil {
		return nil, err
	}
	m := message.NewMessage(uuid, b)
	m.Metadata.Set(MetadataSource, d.Source())
	m.Metadata.Set(MetadataDetailType, d.DetailType())
	m.SetContext(ctx)
	return m, nil
}
