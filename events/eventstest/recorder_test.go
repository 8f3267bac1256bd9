package eventstest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
)

func signup(co string) events.CompanySignupRequested {
	return events.CompanySignupRequested{CompanyID: co, CompanyName: "Company " + co, AdminUserID: "usr_" + co,
		AdminEmail: "boss@example.com", AdminName: "Admin", RequestedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func TestRecorderPublish(t *testing.T) {
	t.Parallel()
	errDown := errors.New("bus down")
	ctx := events.WithCorrelationID(context.Background(), "corr-1")
	for _, tt := range []struct {
		name      string
		fail      error
		ds        []events.Detail
		wantErr   error // nil: accepted
		permanent bool
	}{
		{name: "valid details are recorded", ds: []events.Detail{signup("co_a"), signup("co_b")}},
		{name: "an invalid detail refuses the whole call", ds: []events.Detail{signup("co_a"), signup("")},
			wantErr: eventstest.ErrInvalidDetail, permanent: true},
		{name: "a nil detail is invalid", ds: []events.Detail{nil}, wantErr: eventstest.ErrInvalidDetail, permanent: true},
		{name: "a set failure refuses valid details", fail: errDown, ds: []events.Detail{signup("co_a")}, wantErr: errDown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r eventstest.Recorder
			r.SetFail(tt.fail)
			err := r.Publish(ctx, tt.ds...)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Publish: %v", err)
				}
				if got := r.Details(); !slices.Equal(got, tt.ds) {
					t.Fatalf("recorded %#v, want %#v", got, tt.ds)
				}
				if got := r.CorrelationIDs(); !slices.Equal(got, []string{"corr-1"}) {
					t.Fatalf("correlation ids %q", got)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || events.IsPermanent(err) != tt.permanent {
				t.Fatalf("Publish: %v, want %v (permanent %v)", err, tt.wantErr, tt.permanent)
			}
			if d, c := r.Details(), r.CorrelationIDs(); len(d) != 0 || len(c) != 0 {
				t.Fatalf("a refused call recorded %#v %q", d, c)
			}
		})
	}
}

func TestRecorderFailResetTake(t *testing.T) {
	t.Parallel()
	var r eventstest.Recorder
	errDown := errors.New("bus down")
	r.SetFail(errDown)
	if err := r.Publish(context.Background(), signup("co_a")); !errors.Is(err, errDown) {
		t.Fatalf("failing Publish: %v", err)
	}
	r.SetFail(nil)
	if err := r.Publish(context.Background(), signup("co_a")); err != nil {
		t.Fatalf("Publish after SetFail(nil): %v", err)
	}
	if err := r.Publish(events.WithCorrelationID(context.Background(), "c2"), signup("co_b")); err != nil {
		t.Fatal(err)
	}
	if got := r.CorrelationIDs(); !slices.Equal(got, []string{"", "c2"}) {
		t.Fatalf("correlation ids %q", got)
	}
	// Details returns a copy: changing it changes nothing recorded.
	d := r.Details()
	d[0] = signup("co_z")
	if got := r.Details(); got[0] != events.Detail(signup("co_a")) {
		t.Fatalf("Details shares its slice: %#v", got)
	}
	if got := r.Take(); len(got) != 2 || got[1] != events.Detail(signup("co_b")) {
		t.Fatalf("Take %#v", got)
	}
	if d, c := r.Details(), r.CorrelationIDs(); len(d) != 0 || len(c) != 0 {
		t.Fatalf("after Take: %#v %q", d, c)
	}
	if err := r.Publish(context.Background(), signup("co_c")); err != nil {
		t.Fatal(err)
	}
	r.Reset()
	if d, c := r.Details(), r.CorrelationIDs(); len(d) != 0 || len(c) != 0 {
		t.Fatalf("after Reset: %#v %q", d, c)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	t.Parallel()
	var r eventstest.Recorder
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := events.WithCorrelationID(context.Background(), fmt.Sprint("c", i))
			if err := r.Publish(ctx, signup(fmt.Sprint("co_", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if d, c := r.Details(), r.CorrelationIDs(); len(d) != n || len(c) != n {
		t.Fatalf("recorded %d details, %d correlation ids; want %d each", len(d), len(c), n)
	}
}

// TestCheck: Check holds details to their schemas as Recorder does, with
// the validator's error; Valid passes what Check accepts.
func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := events.WithCorrelationID(context.Background(), "corr-1")
	if err := eventstest.Check(ctx); err != nil {
		t.Fatalf("no details: %v", err)
	}
	if err := eventstest.Check(ctx, signup("co_a"), signup("co_b")); err != nil {
		t.Fatalf("valid details: %v", err)
	}
	eventstest.Valid(t, signup("co_a"))
	bad := signup("co_b")
	bad.AdminEmail = "not an email"
	err := eventstest.Check(ctx, signup("co_a"), bad)
	var ve *events.ValidationError
	if !errors.Is(err, eventstest.ErrInvalidDetail) || !events.IsPermanent(err) || !errors.As(err, &ve) || ve.DetailType != events.TypeCompanySignup {
		t.Fatalf("invalid detail: %v", err)
	}
}
