package licensetest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
)

func TestTamper(t *testing.T) {
	t.Parallel()
	pub, priv := licensetest.Keys(t)
	now := time.Now()
	file, err := license.Sign(priv, license.License{CompanyID: "co_a", Plan: "pro", Status: license.StatusActive,
		Seats: 5, Serial: 1, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := licensetest.Tamper(file, `"seats":5`, `"seats":50`)
	if err != nil {
		t.Fatal(err)
	}
	lic, err := license.Parse(bad)
	if err != nil || lic.Seats != 50 {
		t.Fatalf("tampered file: %+v, %v; want it to parse with 50 seats", lic, err)
	}
	if _, err := license.VerifyAt(pub, bad, now); !errors.Is(err, license.ErrSignature) {
		t.Fatalf("tampered file verifies: %v", err)
	}
	if _, err := licensetest.Tamper(file, "no such text", "x"); err == nil {
		t.Fatal("tampering with text the payload lacks succeeded")
	}
}
