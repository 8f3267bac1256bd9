// Package plans proves the SaaS owner's side end to end, on real processes:
// `licenseflow run` with the owner's plans file issues a `pro` license that
// lands on the app server; a changed plan reissues it after a restart; a bad
// plans file stops every part that reads it before it starts; and `license
// verify` accepts the app server's license and rejects a tampered and an
// expired one; and when the catalogue lacked a plan, fixing it and
// replaying the archive's window with `licenseflow events replay` brings
// the right license to the app server with nothing else happening twice.
package plans

import (
	"os"
	"testing"

	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// binary is the licenseflow CLI built for this run.
var binary string

func TestMain(m *testing.M) { os.Exit(prooftest.RunWithCLI(m, &binary)) }
