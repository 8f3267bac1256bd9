package signup

import (
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
)

// FuzzEmail: every address the edge accepts passes the schema's email
// format, so publishing never fails on input the edge let through.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@b.example", "ü@x.example", `"a b"@x.example`, "o'brien+x@sub.example.co.uk", "a@[127.0.0.1]", "a..b@x.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if validEmail("email", email) != nil {
			return
		}
		d := events.UserAddRequested{CompanyID: "co_a", UserID: "usr_a", Email: normalizeEmail(email), Name: "n",
			Role: events.RoleMember, RequestedBy: "usr_b", RequestedAt: time.Unix(0, 0)}
		if err := eventstest.Check(t.Context(), d); err != nil {
			t.Fatalf("edge accepts %q, schema refuses it: %v", email, err)
		}
	})
}
