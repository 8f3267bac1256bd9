package appserver_test

import (
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/services/appserver"
)

// An application server embeds a Holder: it installs the files the
// license-push stage delivers and asks it before serving a company.
func ExampleHolder() {
	pub, priv, _ := license.GenerateKey() // the server has only pub in practice
	file, _ := license.Sign(priv, license.License{CompanyID: "co_acme", Plan: "pro",
		Status: license.StatusActive, Seats: 5, Serial: 1, ExpiresAt: time.Now().Add(time.Hour)})

	h, err := appserver.NewHolder(appserver.HolderConfig{PublicKey: pub})
	if err != nil {
		panic(err)
	}
	lic, outcome, err := h.Install(file)
	fmt.Println(lic.CompanyID, lic.Serial, outcome, err)
	fmt.Println("licensed:", h.Licensed("co_acme"), h.Licensed("co_other"))
	// Before serving a company, ask how long its license has left.
	if lic, left, err := h.Check("co_acme"); err == nil {
		fmt.Printf("%s may use %q for about %s more\n", lic.CompanyID, lic.Plan, left.Round(time.Hour))
	}
	// Output:
	// co_acme 1 installed <nil>
	// licensed: true false
	// co_acme may use "pro" for about 1h0m0s more
}
