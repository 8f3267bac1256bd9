package payment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// cidBus records the correlation id each License Issued is published with.
type cidBus struct {
	mu   sync.Mutex
	cids []string
}

func (b *cidBus) Publish(ctx context.Context, ds ...events.Detail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range ds {
		b.cids = append(b.cids, events.CorrelationID(ctx))
	}
	return nil
}

// TestCorrelationCarried: a detail as the bus delivers it (correlation id
// stamped into the JSON) decodes, and the license it causes is published
// under the correlation id of the causing event.
func TestCorrelationCarried(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	b := &cidBus{}
	s := newStage(t, db, b)
	ctx := events.WithCorrelationID(context.Background(), "corr-123")
	raw, err := events.MarshalDetail(ctx, checkout("e1", 0, "cmp_1", "team_monthly"))
	if err != nil {
		t.Fatal(err)
	}
	e := events.Envelope{ID: "x", DetailType: events.TypeCheckoutCompleted, Source: events.SourceWebhook, Detail: raw}
	if err := s.Handle(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(b.cids) != 1 || b.cids[0] != "corr-123" {
		t.Fatalf("published with correlation ids %q", b.cids)
	}
}
