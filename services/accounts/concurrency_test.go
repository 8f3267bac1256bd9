package accounts

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/licenseflow/licenseflow/events"
)

// TestConcurrentDeliveries: the same event delivered to several consumers
// at once, and two users racing for one email, leave exactly one of each.
// Errors are allowed (the subscriber retries them) but never a second row.
func TestConcurrentDeliveries(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		must(t, f.handle("e1", signup("co_a", "usr_a", "boss@a.example")))
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Go(func() { errs[i] = f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_a")) })
			wg.Go(func() {
				errs[n+i] = f.handle(fmt.Sprint("race-", i), addUser("co_a", fmt.Sprint("usr_r", i), "race@a.example", events.RoleMember, "usr_a"))
			})
		}
		wg.Wait()
		// Redeliver every event until none fails with a retryable error, as
		// the subscriber would.
		for round := 0; round < 5; round++ {
			retry := false
			for i, err := range errs {
				if err == nil || events.IsPermanent(err) {
					continue
				}
				retry = true
				if i < n {
					errs[i] = f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_a"))
				} else {
					j := i - n
					errs[i] = f.handle(fmt.Sprint("race-", j), addUser("co_a", fmt.Sprint("usr_r", j), "race@a.example", events.RoleMember, "usr_a"))
				}
			}
			if !retry {
				break
			}
		}
		users, err := f.stage.ListUsers(context.Background(), "co_a")
		if err != nil {
			t.Fatal(err)
		}
		var m, race int
		for _, u := range users {
			switch {
			case u.ID == "usr_m":
				m++
			case strings.HasPrefix(u.ID, "usr_r"):
				race++
			}
		}
		if m != 1 || race != 1 {
			t.Fatalf("%d copies of usr_m, %d users with the raced email: %+v", m, race, users)
		}
		refused := 0
		for i := n; i < 2*n; i++ {
			if events.IsPermanent(errs[i]) {
				refused++
			} else if errs[i] != nil {
				t.Fatalf("race %d still failing: %v", i-n, errs[i])
			}
		}
		if refused != n-1 {
			t.Fatalf("%d of %d racing users refused, want %d", refused, n, n-1)
		}
	})
}
