package payment_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/services/payment"
)

// TestConcurrentDeliveries: concurrent receivers handle events of one
// company, each retried on error as the queue would redeliver it. Serials
// stay unique and gapless, and the final license matches the newest event.
func TestConcurrentDeliveries(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		var evs []events.Detail
		evs = append(evs, checkout("c0", 0, "cmp_1", "team_monthly"))
		for i := 1; i <= 12; i++ {
			evs = append(evs, subChanged(fmt.Sprintf("s%02d", i), i, "cmp_1", "active", "team_monthly", int64(i)))
			evs = append(evs, subChanged(fmt.Sprintf("s%02d", i), i, "cmp_1", "active", "team_monthly", int64(i))) // duplicate delivery
		}
		var wg sync.WaitGroup
		for _, d := range evs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				deadline := time.Now().Add(60 * time.Second)
				for {
					err := s.Handle(context.Background(), envelope(t, d))
					if err == nil {
						return
					}
					if events.IsPermanent(err) || time.Now().After(deadline) {
						t.Errorf("Handle: %v", err)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		ls := b.verified(t)
		seen := map[int64]string{}
		var max int64
		for _, l := range ls {
			if prev, ok := seen[l.Serial]; ok && prev != l.ID {
				t.Fatalf("serial %d issued twice with different files", l.Serial)
			}
			seen[l.Serial] = l.ID
			max = maxInt(max, l.Serial)
		}
		for i := int64(1); i <= max; i++ {
			if _, ok := seen[i]; !ok {
				t.Fatalf("serial %d missing; serials %v", i, serials(ls))
			}
		}
		latest, ok, err := s.Latest(context.Background(), "cmp_1")
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		l, err := license.VerifyAt(pub, []byte(latest.License), t0)
		if err != nil || l.Seats != 12 || l.Serial != max {
			t.Fatalf("latest license %+v (%v); want 12 seats, serial %d", l, err, max)
		}
	})
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
