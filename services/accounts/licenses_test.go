package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
)

func (f *fixture) issued(key []byte, company string, serial int64, seats int) events.LicenseIssued {
	f.t.Helper()
	file, err := license.Sign(key, license.License{CompanyID: company, Plan: "team", Status: license.StatusActive, Seats: seats,
		Features: []string{"core", "sso"}, Serial: serial, IssuedAt: testNow, ExpiresAt: testNow.Add(30 * 24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return events.LicenseIssued{CompanyID: company, Serial: serial, Plan: "team", Status: "active",
		ExpiresAt: testNow.Add(30 * 24 * time.Hour), License: string(file)}
}

// TestLicensesAndDeliveries: the newest verified license of a company and
// the highest serial each server holds are kept, in any delivery order; a
// license that does not verify is refused.
func TestLicensesAndDeliveries(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if _, ok, err := f.stage.License(ctx, "co_a"); ok || err != nil {
			t.Fatalf("license before any: %v %v", ok, err)
		}
		must(t, f.handle("l2", f.issued(f.key, "co_a", 2, 10)))
		must(t, f.handle("l1", f.issued(f.key, "co_a", 1, 3)))
		must(t, f.handle("l2", f.issued(f.key, "co_a", 2, 10)))
		lic, ok, err := f.stage.License(ctx, "co_a")
		if err != nil || !ok || lic.Serial != 2 || lic.Seats != 10 || lic.Plan != "team" || !lic.Licensed(testNow) ||
			strings.Join(lic.Features, ",") != "core,sso" || !lic.ExpiresAt.Equal(testNow.Add(30*24*time.Hour)) {
			t.Fatalf("license %+v %v %v", lic, ok, err)
		}
		_, other, _ := license.GenerateKey()
		forged := f.issued(other, "co_a", 9, 1000)
		mismatched := f.issued(f.key, "co_a", 9, 1000)
		mismatched.Serial = 8
		for name, d := range map[string]events.LicenseIssued{"forged": forged, "mismatched": mismatched} {
			if err := f.handle(name, d); !events.IsPermanent(err) {
				t.Fatalf("%s license: %v", name, err)
			}
		}
		if lic, _, _ := f.stage.License(ctx, "co_a"); lic.Serial != 2 {
			t.Fatalf("a refused license changed the record: %+v", lic)
		}
		delivered := func(id string, serial int64) error {
			return f.handle(id, events.LicenseDelivered{CompanyID: "co_a", AppServer: "10.0.1.10:8090", Serial: serial, DeliveredAt: testNow})
		}
		must(t, delivered("d2", 2))
		must(t, delivered("d1", 1))
		if d, ok, err := f.stage.Delivery(ctx, "co_a", "10.0.1.10:8090"); err != nil || !ok || d.Serial != 2 || !d.DeliveredAt.Equal(testNow) {
			t.Fatalf("delivery %+v %v %v", d, ok, err)
		}
		if _, ok, _ := f.stage.Delivery(ctx, "co_a", "10.0.1.11:8090"); ok {
			t.Fatal("a delivery to a server that got none")
		}
		if err := delivered("d0", 0); !events.IsPermanent(err) {
			t.Fatalf("serial 0: %v", err)
		}
		if got := f.pub.Take(); len(got) != 0 {
			t.Fatalf("recording licenses published %v", got)
		}
	})
}

// TestDisableUser: an admin's request disables a user of its company once;
// a redelivery announces the same; anyone else's is refused.
func TestDisableUser(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		must(t, f.handle("a1", signup("co_a", "usr_a", "boss@a.example")))
		must(t, f.handle("b1", signup("co_b", "usr_b", "boss@b.example")))
		must(t, f.handle("a2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_a")))
		f.pub.Take()
		disable := func(user, by string) events.UserDisableRequested {
			return events.UserDisableRequested{CompanyID: "co_a", UserID: user, RequestedBy: by, RequestedAt: testNow}
		}
		if err := f.handle("x0", disable("usr_later", "usr_a")); err == nil || events.IsPermanent(err) || !errors.Is(err, ErrNotYetStored) {
			t.Fatalf("disabling a user not stored yet: %v, want retryable", err)
		}
		for name, d := range map[string]events.UserDisableRequested{"by a member": disable("usr_a", "usr_m"),
			"by another company's admin": disable("usr_m", "usr_b")} {
			if err := f.handle(name, d); !events.IsPermanent(err) {
				t.Fatalf("%s: %v", name, err)
			}
		}
		f.now = testNow.Add(time.Minute)
		must(t, f.handle("x1", disable("usr_m", "usr_a")))
		f.now = testNow.Add(time.Hour)
		must(t, f.handle("x1", disable("usr_m", "usr_a")))
		got := f.pub.Take()
		if len(got) != 2 || got[0] != got[1] || got[0].(events.UserDisabled).DisabledAt != testNow.Add(time.Minute) {
			t.Fatalf("announced %#v", got)
		}
		u, err := f.stage.GetUser(ctx, "usr_m")
		if err != nil || u.Status != UserDisabled || !u.DisabledAt.Equal(testNow.Add(time.Minute)) {
			t.Fatalf("user %+v %v", u, err)
		}
		if a, _ := f.stage.GetUser(ctx, "usr_a"); a.Status != UserActive || !a.DisabledAt.IsZero() {
			t.Fatalf("admin %+v", a)
		}
	})
}
