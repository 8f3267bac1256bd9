package crash

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // read the store file read-only

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

const (
	webhookSecret = "whsec_crash_proof"
	companies     = 6
	updates       = 10 // subscription changes per company after the first license
	baseSeats     = 5
)

// seed picks the kill schedule; LICENSEFLOW_CRASH_SEED replays one.
func seed(t *testing.T) uint64 {
	if s := os.Getenv("LICENSEFLOW_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LICENSEFLOW_CRASH_SEED: %v", err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// companyRun is what one company's stream established.
type companyRun struct {
	id         string
	sub        prooftest.Subscription
	firstLic   int64    // serial on the app server after the first subscription snapshot
	updateIDs  []string // acknowledged subscription updates, in order
	lastEvent  string
	finalSeats int
}

// TestKillNineDuringTraffic runs several seeded rounds; each kills
// `licenseflow run` at random points of a stream of traffic and restarts it
// on the same data. LICENSEFLOW_CRASH_ROUNDS sets the number of rounds
// (default 3; `make crash` runs more).
func TestKillNineDuringTraffic(t *testing.T) {
	rounds := 3
	if v := os.Getenv("LICENSEFLOW_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("LICENSEFLOW_CRASH_ROUNDS=%q", v)
		}
		rounds = n
	}
	if testing.Short() {
		rounds = 1
	}
	s := seed(t)
	for round := range rounds {
		rs := s + uint64(round)
		t.Run(fmt.Sprintf("seed-%d", rs), func(t *testing.T) { killNineRound(t, rs) })
	}
}

func killNineRound(t *testing.T, s uint64) {
	t.Logf("seed %d (replay with LICENSEFLOW_CRASH_SEED=%d LICENSEFLOW_CRASH_ROUNDS=1)", s, s)
	rng := rand.New(rand.NewPCG(s, 0x11cef10))
	addrs, err := prooftest.FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	n := &node{t: t, data: data, edge: addrs[0], app: addrs[1],
		env: append(os.Environ(), "LICENSEFLOW_WEBHOOK_SECRET="+webhookSecret, "LICENSEFLOW_PUSH_ALLOWED_CIDRS=127.0.0.0/8")}
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EVENTBRIDGE", "DATABASE_URL"} {
		n.env = append(n.env, v+"=")
	}
	n.start()
	t.Cleanup(n.stop)
	pemKey, err := os.ReadFile(filepath.Join(data, "keys", "license-public-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := license.ParsePublicKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	// run releases messages in flight at a kill when it restarts (every
	// consumer died with it), so recovery does not wait out visibility
	// timeouts; the bound is generous for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	c := prooftest.NewClient("http://"+n.edge, "http://"+n.app, webhookSecret)
	var retried atomic.Int64

	// The killer: seeded pauses, SIGKILL, restart on the same data and ports.
	workDone := make(chan struct{})
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for round := 0; round < 6; round++ {
			select {
			case <-workDone:
				return
			case <-time.After(time.Duration(60+rng.IntN(400)) * time.Millisecond):
			}
			n.kill()
			n.start()
		}
	}()

	runs := make([]*companyRun, companies)
	var wg sync.WaitGroup
	errs := make(chan error, companies)
	for i := range companies {
		wg.Go(func() {
			began := time.Now()
			r, err := stream(ctx, c, pub, i, &retried)
			t.Logf("company %d: stream took %s", i, time.Since(began).Round(time.Millisecond))
			runs[i] = r
			if err != nil {
				errs <- fmt.Errorf("company %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(workDone)
	<-killerDone
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%s; %d requests got no 2xx and were retried", n.summary(), retried.Load())

	// Every session's app server holds the company's current license.
	for _, r := range runs {
		lic, err := awaitSeats(ctx, c, pub, r.id, r.finalSeats)
		if err != nil {
			t.Fatal(err)
		}
		if want := r.firstLic + updates; lic.Serial != want {
			t.Errorf("%s: app server holds serial %d, want %d", r.id, lic.Serial, want)
		}
	}
	n.stop()
	checkStore(t, filepath.Join(data, "licenseflow.db"), runs)
}

// stream drives one company: signup, first subscription, login, then
// subscription updates one at a time (each waits for its license on the app
// server, so each has a visible effect), then a second login.
func stream(ctx context.Context, c *prooftest.Client, pub ed25519.PublicKey, i int, retried *atomic.Int64) (*companyRun, error) {
	r := &companyRun{}
	var co prooftest.Company
	// One account per email: an attempt whose answer a crash lost may have
	// landed (a company nobody signs in to, as a retried signup always
	// left), so each attempt signs up with an address of its own.
	attempt := 0
	if err := retry(ctx, retried, func() (err error) {
		attempt++
		co, err = c.Signup(ctx, fmt.Sprintf("Crash Co %d", i), fmt.Sprintf("admin%d.%d@crash.example", i, attempt))
		return err
	}); err != nil {
		return r, err
	}
	r.id = co.CompanyID
	r.sub = prooftest.NewSubscription("crash", i, co.CompanyID)
	created := time.Now().Unix()
	webhook := func(payload []byte) error {
		return retry(ctx, retried, func() error {
			code, err := c.Webhook(ctx, payload, "")
			if err != nil {
				return err
			}
			if code/100 != 2 {
				return fmt.Errorf("webhook answered %d", code)
			}
			return nil
		})
	}
	login := func() error {
		return retry(ctx, retried, func() error { _, err := c.Login(ctx, co.Token); return err })
	}
	if err := webhook(r.sub.Checkout(fmt.Sprintf("evt_crash_%d_checkout", i), created)); err != nil {
		return r, err
	}
	r.lastEvent = fmt.Sprintf("evt_crash_%d_created", i)
	if err := webhook(r.sub.Update(r.lastEvent, created+1, true, "team_monthly", baseSeats)); err != nil {
		return r, err
	}
	if err := login(); err != nil {
		return r, err
	}
	lic, err := awaitSeats(ctx, c, pub, co.CompanyID, baseSeats)
	if err != nil {
		return r, err
	}
	r.firstLic, r.finalSeats = lic.Serial, baseSeats
	for k := 1; k <= updates; k++ {
		id := fmt.Sprintf("evt_crash_%d_update_%d", i, k)
		if err := webhook(r.sub.Update(id, created+1+int64(k), false, "team_monthly", baseSeats+k)); err != nil {
			return r, err
		}
		r.updateIDs, r.lastEvent, r.finalSeats = append(r.updateIDs, id), id, baseSeats+k
		w := time.Now()
		if _, err := awaitSeats(ctx, c, pub, co.CompanyID, baseSeats+k); err != nil {
			return r, err
		}
		if d := time.Since(w); d > 5*time.Second {
			fmt.Fprintf(os.Stderr, "company %d update %d: effect took %s\n", i, k, d)
		}
	}
	return r, login()
}

// retry calls fn until it succeeds or ctx ends: a request that got no 2xx
// (refused, reset, 5xx, 429) is sent again.
func retry(ctx context.Context, retried *atomic.Int64, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		retried.Add(1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// awaitSeats waits until the app server holds a verified license of the
// company with the given seats.
func awaitSeats(ctx context.Context, c *prooftest.Client, pub ed25519.PublicKey, company string, seats int) (license.License, error) {
	return c.AwaitLicenseThat(ctx, pub, company, fmt.Sprintf("license with %d seats", seats),
		func(l license.License) bool { return l.Seats == seats })
}

// checkStore reads the store file read-only: each company's licenses are
// serials 1..n with no gap and no duplicate, every acknowledged update
// caused exactly one of them, and the subscription holds the last update.
func checkStore(t *testing.T, path string, runs []*companyRun) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range runs {
		rows, err := db.Query("SELECT serial, cause_event FROM payment_licenses WHERE company_id = ? ORDER BY serial", r.id)
		if err != nil {
			t.Fatal(err)
		}
		causes := map[string]int64{}
		var serials []int64
		for rows.Next() {
			var serial int64
			var cause string
			if err := rows.Scan(&serial, &cause); err != nil {
				t.Fatal(err)
			}
			if prev, dup := causes[cause]; dup {
				t.Errorf("%s: event %s caused licenses %d and %d", r.id, cause, prev, serial)
			}
			causes[cause] = serial
			serials = append(serials, serial)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatal(err)
		}
		for i, s := range serials {
			if s != int64(i+1) {
				t.Errorf("%s: serials %v are not 1..%d", r.id, serials, len(serials))
				break
			}
		}
		if want := r.firstLic + updates; int64(len(serials)) != want {
			t.Errorf("%s: %d licenses, want %d (first %d + %d updates)", r.id, len(serials), want, r.firstLic, updates)
		}
		for k, id := range r.updateIDs {
			if got, want := causes[id], r.firstLic+int64(k+1); got != want {
				t.Errorf("%s: update %s caused license %d, want %d", r.id, id, got, want)
			}
		}
		var quantity int
		var status, snapshot string
		if err := db.QueryRow("SELECT quantity, status, snapshot_event FROM payment_subscriptions WHERE subscription_id = ?",
			r.sub.SubscriptionID).Scan(&quantity, &status, &snapshot); err != nil {
			t.Fatalf("%s: subscription %s: %v", r.id, r.sub.SubscriptionID, err)
		}
		if quantity != r.finalSeats || snapshot != r.lastEvent || status != "active" {
			t.Errorf("%s: subscription quantity %d status %s snapshot %s, want %d active %s",
				r.id, quantity, status, snapshot, r.finalSeats, r.lastEvent)
		}
	}
}
