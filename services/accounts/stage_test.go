package accounts

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/services/stage"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	stage *Stage
	pub   *eventstest.Recorder
	now   time.Time
	// key signs the licenses of License Issued events.
	key ed25519.PrivateKey
}

// eachFixture runs fn on each store backend (storetest.Each) with a fresh
// fixture.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) { fn(t, newFixture(t, db)) })
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, pub: &eventstest.Recorder{}, now: testNow}
	pub, key := licensetest.Keys(t)
	f.key = key
	var err error
	f.stage, err = New(context.Background(), Config{
		Deps:      stage.Deps{DB: db, Publisher: f.pub, Now: func() time.Time { return f.now }, Logger: testlog.Quiet()},
		PublicKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) handle(id string, d events.Detail) error {
	return f.stage.Handle(context.Background(), eventstest.Envelope(f.t, id, testNow, d))
}

func signup(co, admin, email string) events.CompanySignupRequested {
	return events.CompanySignupRequested{CompanyID: co, CompanyName: "Company " + co, AdminUserID: admin,
		AdminEmail: email, AdminName: "Admin", RequestedAt: testNow}
}

func addUser(co, user, email, role, by string) events.UserAddRequested {
	return events.UserAddRequested{CompanyID: co, UserID: user, Email: email, Name: "User " + user, Role: role,
		RequestedBy: by, RequestedAt: testNow}
}

func session(id, co, user string) events.SessionRequested {
	return events.SessionRequested{SessionID: id, CompanyID: co, UserID: user, AppServer: "10.0.1.10:8090", RequestedAt: testNow}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompanyUsersSessions(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		must(t, f.handle("e1", signup("co_a", "usr_admin", "boss@a.example")))
		got := f.pub.Take()
		cc, ok1 := got[0].(events.CompanyCreated)
		ua, ok2 := got[1].(events.UserAdded)
		if len(got) != 2 || !ok1 || !ok2 || cc.CompanyID != "co_a" || cc.AdminUserID != "usr_admin" || !cc.CreatedAt.Equal(testNow) ||
			ua.UserID != "usr_admin" || ua.Role != events.RoleAdmin {
			t.Fatalf("published %#v", got)
		}
		f.now = f.now.Add(time.Minute)
		must(t, f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")))
		if got := f.pub.Take(); len(got) != 1 || got[0].(events.UserAdded).UserID != "usr_m" {
			t.Fatalf("published %#v", got)
		}
		f.now = f.now.Add(time.Minute)
		must(t, f.handle("e3", session("ses_1", "co_a", "usr_m")))
		ss, ok := f.pub.Take()[0].(events.SessionStarted)
		if !ok || ss.SessionID != "ses_1" || ss.AppServer != "10.0.1.10:8090" || ss.UserID != "usr_m" || !ss.StartedAt.Equal(f.now) {
			t.Fatalf("session event %#v", ss)
		}

		c, err := f.stage.GetCompany(ctx, "co_a")
		if err != nil || c.Name != "Company co_a" || c.AdminUserID != "usr_admin" {
			t.Fatalf("company %+v %v", c, err)
		}
		users, err := f.stage.ListUsers(ctx, "co_a")
		if err != nil || len(users) != 2 || users[0].ID != "usr_admin" || users[1].Role != events.RoleMember || users[1].CreatedBy != "usr_admin" {
			t.Fatalf("users %+v %v", users, err)
		}
		sessions, err := f.stage.ListSessions(ctx, "co_a")
		if err != nil || len(sessions) != 1 || sessions[0].UserID != "usr_m" {
			t.Fatalf("sessions %+v %v", sessions, err)
		}
		if _, err := f.stage.GetCompany(ctx, "co_none"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing company: %v", err)
		}
	})
}

func TestDuplicatesAreReplays(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		must(t, f.handle("e1", signup("co_a", "usr_admin", "boss@a.example")))
		first := f.pub.Take()
		f.now = f.now.Add(time.Hour)
		// The same event redelivered, and the same request published twice
		// (a new event id): both replay the stored outcome, timestamps included.
		must(t, f.handle("e1", signup("co_a", "usr_admin", "boss@a.example")))
		must(t, f.handle("e1-again", signup("co_a", "usr_admin", "boss@a.example")))
		again := f.pub.Take()
		if len(again) != 4 || again[0] != first[0] || again[1] != first[1] || again[2] != first[0] {
			t.Fatalf("replayed %#v, first %#v", again, first)
		}
		must(t, f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")))
		must(t, f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")))
		must(t, f.handle("e3", session("ses_1", "co_a", "usr_m")))
		must(t, f.handle("e3", session("ses_1", "co_a", "usr_m")))
		users, _ := f.stage.ListUsers(context.Background(), "co_a")
		sessions, _ := f.stage.ListSessions(context.Background(), "co_a")
		if len(users) != 2 || len(sessions) != 1 {
			t.Fatalf("%d users, %d sessions after duplicates", len(users), len(sessions))
		}
		// Same id, other content: a conflict, refused for good.
		other := signup("co_a", "usr_admin", "boss@a.example")
		other.CompanyName = "Impostor"
		if err := f.handle("e9", other); !events.IsPermanent(err) {
			t.Fatalf("conflicting company: %v", err)
		}
		if c, _ := f.stage.GetCompany(context.Background(), "co_a"); c.Name != "Company co_a" {
			t.Fatalf("conflict changed the company: %+v", c)
		}
	})
}

func TestOutOfOrder(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		// Session, then user, then company: each waits for its dependency.
		errSession := f.handle("e3", session("ses_1", "co_a", "usr_m"))
		errUser := f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin"))
		for _, err := range []error{errSession, errUser} {
			if err == nil || events.IsPermanent(err) || !errors.Is(err, ErrNotYetStored) {
				t.Fatalf("early event: %v, want retryable ErrNotYetStored", err)
			}
		}
		if got := f.pub.Take(); len(got) != 0 {
			t.Fatalf("published %v before dependencies", got)
		}
		must(t, f.handle("e1", signup("co_a", "usr_admin", "boss@a.example")))
		// The redeliveries now succeed: the earlier attempts left no mark.
		must(t, f.handle("e3-retry-is-same-id", session("ses_0", "co_a", "usr_admin")))
		must(t, f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")))
		must(t, f.handle("e3", session("ses_1", "co_a", "usr_m")))
		sessions, _ := f.stage.ListSessions(context.Background(), "co_a")
		if len(sessions) != 2 {
			t.Fatalf("sessions %+v", sessions)
		}
	})
}

func TestRefusals(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		must(t, f.handle("a1", signup("co_a", "usr_a", "boss@a.example")))
		must(t, f.handle("b1", signup("co_b", "usr_b", "boss@b.example")))
		must(t, f.handle("a2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_a")))
		f.pub.Take()

		for _, tc := range []struct {
			name string
			id   string
			d    events.Detail
			want string
		}{
			{"duplicate email, other case", "a3", addUser("co_a", "usr_dup", "M@A.example", events.RoleMember, "usr_a"), "already has a user"},
			{"added by a member", "a4", addUser("co_a", "usr_x", "x@a.example", events.RoleMember, "usr_m"), "not an admin"},
			{"added by another company's admin", "a5", addUser("co_a", "usr_y", "y@a.example", events.RoleAdmin, "usr_b"), "not an admin"},
			{"session for another company's user", "a6", session("ses_x", "co_a", "usr_b"), "not a user of company"},
			{"bad role", "a7", addUser("co_a", "usr_z", "z@a.example", "owner", "usr_a"), "unknown role"},
			{"bad email", "a8", addUser("co_a", "usr_z", "not an email", events.RoleMember, "usr_a"), "not valid"},
			{"empty ids", "a9", session("", "", ""), "session_id is empty"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := f.handle(tc.id, tc.d)
				if !events.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%v, want permanent %q", err, tc.want)
				}
				// Redelivery gives the same answer.
				if err2 := f.handle(tc.id, tc.d); !events.IsPermanent(err2) {
					t.Fatalf("redelivery: %v", err2)
				}
			})
		}
		// A session of a refused user fails for good instead of waiting.
		if err := f.handle("a10", session("ses_dup", "co_a", "usr_dup")); !events.IsPermanent(err) || !strings.Contains(err.Error(), "was refused") {
			t.Fatalf("session of a refused user: %v", err)
		}
		// The same email in another company is fine.
		must(t, f.handle("b2", addUser("co_b", "usr_bm", "m@a.example", events.RoleMember, "usr_b")))
		if got := f.pub.Take(); len(got) != 1 {
			t.Fatalf("published %d events; refusals must publish nothing", len(got))
		}
		if reason, ok, _ := f.stage.Rejection(context.Background(), "usr_dup"); !ok || !strings.Contains(reason, "already has a user") {
			t.Fatalf("rejection %q %v", reason, ok)
		}
		for _, e := range []events.Envelope{
			{ID: "m1", DetailType: events.TypeUserAddRequested, Detail: []byte(`{"company_id":`)},
			{ID: "m2", DetailType: events.TypeLicenseIssued, Detail: []byte(`{}`)},
		} {
			if err := f.stage.Handle(context.Background(), e); !events.IsPermanent(err) {
				t.Fatalf("%s: %v", e.ID, err)
			}
		}
	})
}

func TestPublishAfterCommitIsRepeated(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.pub.SetFail(errors.New("bus down"))
		err := f.handle("e1", signup("co_a", "usr_a", "boss@a.example"))
		if err == nil || events.IsPermanent(err) {
			t.Fatalf("publish failure: %v, want retryable", err)
		}
		// The company is stored: the effect committed before publishing.
		if _, err := f.stage.GetCompany(context.Background(), "co_a"); err != nil {
			t.Fatal(err)
		}
		f.pub.SetFail(nil)
		f.now = f.now.Add(time.Hour)
		must(t, f.handle("e1", signup("co_a", "usr_a", "boss@a.example")))
		got := f.pub.Take()
		if len(got) != 2 || !got[0].(events.CompanyCreated).CreatedAt.Equal(testNow) {
			t.Fatalf("redelivery published %#v", got)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), Config{})
	if err == nil || !strings.Contains(err.Error(), "db is required") || !strings.Contains(err.Error(), "publisher is required") ||
		!strings.Contains(err.Error(), "public key has 0 bytes") {
		t.Fatalf("config error: %v", err)
	}
}

// TestReplayedEvents: events an archive replay sends again (replay-name
// set, ids kept) create what is missing — also what an earlier, wrong
// judgement refused — and announce nothing that is stored already.
func TestReplayedEvents(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		replay := func(id string, d events.Detail) error {
			e := eventstest.Envelope(f.t, id, testNow, d)
			e.ReplayName = "fix-1"
			return f.stage.Handle(ctx, e)
		}
		must(t, f.handle("e1", signup("co_a", "usr_admin", "boss@a.example")))
		must(t, f.handle("e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")))
		must(t, f.handle("e3", session("ses_1", "co_a", "usr_m")))
		f.pub.Take()
		// As if an earlier version had refused a valid request.
		must(t, f.stage.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.FirstTime(ctx, Component, "e4"); err != nil {
				return err
			}
			return insertRejection(ctx, tx, "usr_n", "refused by mistake", testNow)
		}))

		for _, e := range []struct {
			id string
			d  events.Detail
		}{{"e1", signup("co_a", "usr_admin", "boss@a.example")}, {"e2", addUser("co_a", "usr_m", "m@a.example", events.RoleMember, "usr_admin")},
			{"e3", session("ses_1", "co_a", "usr_m")}} {
			must(t, replay(e.id, e.d))
		}
		if got := f.pub.Take(); len(got) != 0 {
			t.Fatalf("replaying stored events announced %v", got)
		}
		must(t, replay("e4", addUser("co_a", "usr_n", "n@a.example", events.RoleMember, "usr_admin")))
		must(t, replay("e4", addUser("co_a", "usr_n", "n@a.example", events.RoleMember, "usr_admin"))) // redelivered
		if got := f.pub.Take(); len(got) != 1 || got[0].(events.UserAdded).UserID != "usr_n" {
			t.Fatalf("replaying a wrongly refused request announced %v, want usr_n added once", got)
		}
		users, _ := f.stage.ListUsers(ctx, "co_a")
		sessions, _ := f.stage.ListSessions(ctx, "co_a")
		if _, refused, _ := f.stage.Rejection(ctx, "usr_n"); len(users) != 3 || len(sessions) != 1 || refused {
			t.Fatalf("%d users, %d sessions, usr_n refused %v; want 3, 1, false", len(users), len(sessions), refused)
		}
		other := addUser("co_a", "usr_m", "other@a.example", events.RoleMember, "usr_admin")
		if err := replay("e2", other); !events.IsPermanent(err) {
			t.Fatalf("a replay conflicting with what is stored: %v, want refused", err)
		}
	})
}

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
