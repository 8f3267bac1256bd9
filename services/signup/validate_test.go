package signup

import (
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// FuzzEmail: every address the edge accepts passes the schema's email
// format, so publishing never fails on input the edge let through.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@b.example", "ü@x.example", `"a b"@x.example`, "o'brien+x@sub.example.co.uk", "a@[127.0.0.1]", "a..b@x.io"} {
		f.Add(s)
	}
	v, err := events.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if validEmail("email", email) != nil {
			return
		}
		d := events.UserAddRequested{CompanyID: "co_a", UserID: "usr_a", Email: normalizeEmail(email), Name: "n",
			Role: events.RoleMember, RequestedBy: "usr_b", RequestedAt: time.Unix(0, 0)}
		b, err := events.MarshalDetail(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(d.DetailType(), b); err != nil {
			t.Fatalf("edge accepts %q, schema refuses it: %v", email, err)
		}
	})
}
