// Package crash proves crash safety: `licenseflow run` is killed with
// SIGKILL at seeded random moments while signed webhooks, signups and
// logins stream in, restarted on the same data each time, and afterwards
// every acknowledged webhook has had its effect exactly once and every
// session's app server holds its company's current license.
package crash

import (
	"os"
	"testing"

	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// binary is the licenseflow CLI built for this run.
var binary string

func TestMain(m *testing.M) { os.Exit(prooftest.RunWithCLI(m, &binary)) }
