package license_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
)

// An application server verifies a license file offline, with the
// public key alone.
func Example() {
	pub, priv, _ := license.GenerateKey()
	file, _ := license.Sign(priv, license.License{
		CompanyID: "cmp_123", Plan: "team", Status: license.StatusActive,
		Seats: 25, Features: []string{"sso"}, Serial: 1,
		IssuedAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour),
	})

	l, err := license.Verify(pub, file)
	fmt.Println(l.CompanyID, l.Seats, l.HasFeature("sso"), err)

	file[100] ^= 1 // tampered in transit
	_, err = license.Verify(pub, file)
	fmt.Println(errors.Is(err, license.ErrSignature) || errors.Is(err, license.ErrMalformed))

	other, _, _ := license.GenerateKey()
	_, err = license.Verify(other, file)
	fmt.Println(err != nil)
	// Output:
	// cmp_123 25 true <nil>
	// true
	// true
}
