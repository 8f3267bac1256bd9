package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/services/payment"
)

// TestCrashBetweenCommitAndPublish: the bus fails after the license was
// stored. Handle reports a retryable error; the redelivery (now a duplicate)
// publishes the stored license; nothing is issued twice.
func TestCrashBetweenCommitAndPublish(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		b.failNext = 1
		e := envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))
		err := s.Handle(context.Background(), e)
		if err == nil || events.IsPermanent(err) {
			t.Fatalf("first delivery: err = %v, want retryable", err)
		}
		if n := len(b.licenses()); n != 0 {
			t.Fatalf("%d published while the bus was down", n)
		}
		if err := s.Handle(context.Background(), e); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		ls := b.verified(t)
		if len(ls) != 1 || ls[0].Serial != 1 {
			t.Fatalf("published %v, want serial 1 once", serials(ls))
		}
	})
}

// TestCrashRestartFlush: the process dies after commit (publishing fails
// and no redelivery comes); a new stage on the same store publishes the
// license from its outbox with Flush.
func TestCrashRestartFlush(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		down := newBus(t)
		down.failNext = 1000
		s := newStage(t, db, down)
		if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err == nil {
			t.Fatal("Handle succeeded with the bus down")
		}
		if err := s.Handle(context.Background(), envelope(t, subChanged("e2", 1, "cmp_1", "active", "team_monthly", 4))); err == nil {
			t.Fatal("Handle succeeded with the bus down")
		}
		up := newBus(t)
		restarted := newStage(t, db, up)
		n, err := restarted.Flush(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("Flush = %d, %v; want 2 published", n, err)
		}
		if ls := up.verified(t); len(ls) != 2 || ls[0].Serial != 1 || ls[1].Serial != 2 || ls[1].Seats != 4 {
			t.Fatalf("published %+v", ls)
		}
		if n, err := restarted.Flush(context.Background()); err != nil || n != 0 {
			t.Fatalf("second Flush = %d, %v; want nothing left", n, err)
		}
	})
}

// TestCrashAfterPublishBeforeMark: the bus accepted the license but the
// stage died before marking it published. The retry publishes the same
// license again (same serial, same bytes) and issues no new one.
func TestCrashAfterPublishBeforeMark(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		ctx, cancel := context.WithCancel(context.Background())
		b.after = cancel // the "crash": the context dies right after Publish
		err := s.Handle(ctx, envelope(t, checkout("e1", 0, "cmp_1", "team_monthly")))
		if err == nil {
			t.Fatal("Handle succeeded though marking could not commit")
		}
		b.after = nil
		if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err != nil {
			t.Fatal(err)
		}
		got := b.licenses()
		if len(got) != 2 || got[0].Serial != 1 || got[1].Serial != 1 || got[0].License != got[1].License {
			t.Fatalf("published %d licenses; want serial 1 twice with identical files", len(got))
		}
		if n, _ := s.Flush(context.Background()); n != 0 {
			t.Fatalf("Flush published %d more", n)
		}
	})
}

// TestRunPublishesOutbox: a license stored while the bus was down goes out
// from Run once the bus is back, with no further event.
func TestRunPublishesOutbox(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	b.failNext = 1
	s := newStage(t, storetest.SQLite(t), b)
	if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err == nil {
		t.Fatal("Handle succeeded with the bus down")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(30 * time.Second)
	for len(b.licenses()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if ls := b.verified(t); len(ls) != 1 || ls[0].Serial != 1 {
		t.Fatalf("published %v", serials(ls))
	}
}
