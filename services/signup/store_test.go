package signup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// TestStore runs the edge's tables on SQLite and PostgreSQL: seats taken
// concurrently never exceed the allowance, one account per email whatever
// its case, an invitation works once and not after it expires, disabling
// ends every session and frees the seat, and sign-in failures count per
// key within their window.
func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.MigrateDir(ctx, Component, migrations, "migrations"); err != nil {
			t.Fatal(err)
		}
		s := &store{db: db}
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		user := func(company, email, status string) login {
			return login{UserID: newID(prefixUser), CompanyID: company, Name: "N", Email: email, Role: events.RoleMember,
				Status: status, CreatedAt: now}
		}
		// ev is an event of a write: the store keeps it in the outbox.
		ev := func() outboxEvent {
			return outboxEvent{id: newID(prefixOutbox), detail: events.UserDisableRequested{}, at: now}
		}
		admin := user(newID(prefixCompany), "Boss@acme.example", statusActive)
		admin.Role, admin.PasswordHash = events.RoleAdmin, "$argon2id$stub"
		// sess is a session (kind) from now for an hour.
		sess := func(id, kind string) grant {
			return grant{id: id, kind: kind, created: now, expires: now.Add(time.Hour)}
		}
		must(t, s.createCompany(ctx, company{ID: admin.CompanyID, Name: "Acme"}, admin, sess("sid_0", kindAPI), ev()))

		t.Run("seats", func(t *testing.T) {
			const allowance, tries = 4, 12
			var wg sync.WaitGroup
			errs := make([]error, tries)
			for i := range tries {
				wg.Go(func() {
					errs[i] = s.addUser(ctx, user(admin.CompanyID, fmt.Sprintf("u%d@acme.example", i), statusInvited), allowance, "", now, nil, ev())
				})
			}
			wg.Wait()
			added := 0
			for _, err := range errs {
				switch {
				case err == nil:
					added++
				case !errors.Is(err, ErrSeatLimit):
					t.Fatalf("add: %v", err)
				}
			}
			c, err := s.company(ctx, admin.CompanyID)
			if err != nil || added != allowance-1 || c.SeatsUsed != allowance {
				t.Fatalf("%d added, %d seats used (%v); want %d of %d", added, c.SeatsUsed, err, allowance-1, allowance)
			}
		})

		t.Run("one account per email", func(t *testing.T) {
			err := s.addUser(ctx, user(admin.CompanyID, "BOSS@ACME.example", statusInvited), 100, "", now, nil, ev())
			if !errors.Is(err, ErrEmailTaken) {
				t.Fatalf("the same email in other case: %v, want ErrEmailTaken", err)
			}
			if taken, err := s.emailTaken(ctx, "boss@ACME.EXAMPLE"); !taken || err != nil {
				t.Fatalf("emailTaken %v %v", taken, err)
			}
		})

		t.Run("invitation and disable", func(t *testing.T) {
			u := user(admin.CompanyID, "inv@acme.example", statusInvited)
			must(t, s.addUser(ctx, u, 100, "secret-1", now.Add(time.Hour), nil, ev()))
			if _, err := s.invitation(ctx, "secret-1", now.Add(time.Hour)); !errors.Is(err, ErrNoAccount) {
				t.Fatalf("an expired invitation: %v", err)
			}
			if _, err := s.invitation(ctx, "secret-2", now); !errors.Is(err, ErrNoAccount) {
				t.Fatalf("an unknown invitation: %v", err)
			}
			got, err := s.acceptInvitation(ctx, "secret-1", "$argon2id$x", sess("sid_1", kindWeb))
			if err != nil || got.UserID != u.UserID || got.Status != statusActive {
				t.Fatalf("accept: %+v %v", got, err)
			}
			if _, err := s.acceptInvitation(ctx, "secret-1", "$argon2id$y", sess("sid_2", kindWeb)); !errors.Is(err, ErrNoAccount) {
				t.Fatalf("an invitation used twice: %v", err)
			}
			must(t, s.newSession(ctx, u.UserID, sess("sid_3", kindAPI)))
			for _, sid := range []string{"sid_1", "sid_3"} {
				kind := map[string]string{"sid_1": kindWeb, "sid_3": kindAPI}[sid]
				if _, err := s.sessionLogin(ctx, sid, kind, now); err != nil {
					t.Fatalf("session %s before disable: %v", sid, err)
				}
				if _, err := s.sessionLogin(ctx, sid, kind, now.Add(time.Hour)); !errors.Is(err, ErrNoAccount) {
					t.Fatalf("session %s after it expired: %v", sid, err)
				}
			}
			before, _ := s.company(ctx, admin.CompanyID)
			if _, err := s.disable(ctx, newID(prefixCompany), u.UserID, ev()); !errors.Is(err, ErrNoAccount) {
				t.Fatalf("disable through another company: %v", err)
			}
			for i, want := range []bool{true, false} {
				if changed, err := s.disable(ctx, admin.CompanyID, u.UserID, ev()); err != nil || changed != want {
					t.Fatalf("disable %d: %v %v, want %v", i, changed, err, want)
				}
			}
			after, _ := s.company(ctx, admin.CompanyID)
			if after.SeatsUsed != before.SeatsUsed-1 {
				t.Fatalf("seats used %d after disable, %d before", after.SeatsUsed, before.SeatsUsed)
			}
			for _, sid := range []string{"sid_1", "sid_3"} {
				if _, err := s.sessionLogin(ctx, sid, kindWeb, now); !errors.Is(err, ErrNoAccount) {
					t.Fatalf("session %s of a disabled user: %v", sid, err)
				}
			}
		})

		t.Run("sign-in failures", func(t *testing.T) {
			const window = 15 * time.Minute
			keys := []string{"account:x@acme.example", "client:192.0.2.1"}
			for i := range 3 {
				must(t, s.recordFailure(ctx, now.Add(time.Duration(i)*time.Minute), window, keys...))
			}
			must(t, s.recordFailure(ctx, now, window, keys[1]))
			for _, c := range []struct {
				at   time.Time
				keys []string
				want int
			}{
				{now.Add(5 * time.Minute), keys[:1], 3},
				{now.Add(5 * time.Minute), keys, 4},
				{now.Add(window), keys, 0}, // the window started at now
			} {
				if n, err := s.failures(ctx, c.at, window, c.keys...); err != nil || n != c.want {
					t.Fatalf("failures of %v at %v: %d %v, want %d", c.keys, c.at, n, err, c.want)
				}
			}
			// A failure after the window starts it anew.
			must(t, s.recordFailure(ctx, now.Add(window+time.Minute), window, keys[0]))
			if n, err := s.failures(ctx, now.Add(window+time.Minute), window, keys[0]); err != nil || n != 1 {
				t.Fatalf("a new window: %d %v", n, err)
			}
			must(t, s.clearFailures(ctx, keys[1]))
			if n, err := s.failures(ctx, now, window, keys[1]); err != nil || n != 0 {
				t.Fatalf("cleared: %d %v", n, err)
			}
		})
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
