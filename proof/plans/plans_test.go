package plans

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // count the stored licenses

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

const webhookSecret = "whsec_plans_proof"

const proPlans = `# the owner's plans: pro is a Stripe price's lookup_key
trial_users: 3
plans:
  pro:
    name: pro
    seats: 5
    features: [core, sso]
`

// richerPro is proPlans with the pro plan changed: more seats, one more
// feature.
const richerPro = `trial_users: 3
plans:
  pro:
    name: pro
    seats: 8
    features: [audit-log, core, sso]
`

// pipelineNode is `licenseflow run` on a data directory and two ports.
type pipelineNode struct {
	t               *testing.T
	data, edge, app string
	plans           string
}

func newNode(t *testing.T, plansFile string) *pipelineNode {
	addrs, err := prooftest.FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	return &pipelineNode{t: t, data: t.TempDir(), edge: addrs[0], app: addrs[1], plans: plansFile}
}

// env is the process environment: the plans file, a fixed webhook secret,
// deliveries allowed on loopback, and no endpoint or store of the caller's.
func (n *pipelineNode) env() []string {
	env := append(os.Environ(), "LICENSEFLOW_PLANS="+n.plans, "LICENSEFLOW_WEBHOOK_SECRET="+webhookSecret,
		"LICENSEFLOW_PUSH_ALLOWED_CIDRS=127.0.0.0/8")
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EVENTBRIDGE", "DATABASE_URL",
		"LICENSEFLOW_LICENSE_PUBLIC_KEY", "LICENSEFLOW_SIGNING_KEY", "LICENSEFLOW_PAYMENT_GRACE"} {
		env = append(env, v+"=")
	}
	return env
}

// startWithPlans writes plans to a file and runs the pipeline with it.
func startWithPlans(t *testing.T, plans string) (*pipelineNode, *prooftest.Proc, string) {
	t.Helper()
	plansFile := filepath.Join(t.TempDir(), "plans.yaml")
	writeFile(t, plansFile, plans)
	n := newNode(t, plansFile)
	return n, n.start(), plansFile
}

// start runs the pipeline until it is ready; the test's end stops it.
func (n *pipelineNode) start() *prooftest.Proc {
	n.t.Helper()
	cmd := exec.Command(binary, "run", "--data", n.data, "--http", n.edge, "--appserver", n.app, "--log-level", "warn")
	cmd.Env, cmd.Stderr = n.env(), os.Stderr
	p, err := prooftest.StartProc(cmd, "licenseflow ready")
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { p.Stop(20 * time.Second) })
	if _, err := p.WaitReady(90 * time.Second); err != nil {
		n.t.Fatal(err)
	}
	return p
}

func (n *pipelineNode) publicKey() ed25519.PublicKey {
	n.t.Helper()
	b, err := os.ReadFile(filepath.Join(n.data, "keys", "license-public-key.pem"))
	if err != nil {
		n.t.Fatal(err)
	}
	pub, err := license.ParsePublicKey(b)
	if err != nil {
		n.t.Fatal(err)
	}
	return pub
}

// licenseflow runs the CLI to its end and returns its output and exit code.
func licenseflow(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code <= 0 {
		t.Fatalf("licenseflow %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String(), code
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOwnPlansEndToEnd: a `pro` price of the owner's plans file becomes a
// `pro` license on the app server; `license verify` accepts it and refuses
// a tampered and an expired file; after the plan changes in the file, a
// restart reissues the license (a new serial) with no further webhook, and
// another restart on the same file issues nothing.
func TestOwnPlansEndToEnd(t *testing.T) {
	t.Parallel()
	n, p, plansFile := startWithPlans(t, proPlans)
	if !slices.ContainsFunc(p.Lines(), func(l string) bool { return l == "plans: 1 price of 1 plan (pro) from "+plansFile }) {
		t.Fatalf("run does not say which plans it uses:\n%s", strings.Join(p.Lines(), "\n"))
	}
	pub := n.publicKey()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := prooftest.NewClient("http://"+n.edge, "http://"+n.app, webhookSecret)
	co, err := c.Signup(ctx, "Initech", "bill@initech.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, co.Token); err != nil {
		t.Fatal(err)
	}
	sub := prooftest.NewSubscription("plans", 1, co.CompanyID)
	now := time.Now().Unix()
	for i, payload := range [][]byte{sub.Checkout("evt_plans_1", now), sub.Update("evt_plans_2", now+1, true, "pro", 1)} {
		if code, err := c.Webhook(ctx, payload, ""); err != nil || code != 200 {
			t.Fatalf("webhook %d: %d %v", i+1, code, err)
		}
	}
	lic, err := c.AwaitLicense(ctx, pub, co.CompanyID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if lic.Plan != "pro" || lic.Seats != 5 || strings.Join(lic.Features, ",") != "core,sso" || lic.Serial != 1 {
		t.Fatalf("license on the app server %+v; want pro, 5 seats, core and sso", lic)
	}

	// The app server's operator verifies the file by hand.
	_, _, file, err := c.License(ctx, pub, co.CompanyID)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.lic")
	writeFile(t, good, string(file))
	pubPath := filepath.Join(n.data, "keys", "license-public-key.pem")
	out, _, code := licenseflow(t, n.env(), "license", "verify", good, "--public-key", pubPath)
	for _, want := range []string{"company:        " + co.CompanyID, "plan:           pro", "seats:          5", "features:       core, sso",
		"serial:         1", "signature:      verified", "valid now:      yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("license verify output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("license verify of the app server's license exited %d", code)
	}
	tampered := filepath.Join(dir, "tampered.lic")
	bad, err := licensetest.Tamper(file, `"seats":5`, `"seats":500`)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, tampered, string(bad))
	out, stderr, code := licenseflow(t, n.env(), "license", "verify", tampered, "--public-key", pubPath)
	if code == 0 || !strings.Contains(out, "seats:          500") || !strings.Contains(out, "signature:      INVALID") || !strings.Contains(stderr, "signature does not verify") {
		t.Fatalf("tampered license: exit %d\n%s%s", code, out, stderr)
	}
	expired := filepath.Join(dir, "expired.lic")
	writeFile(t, expired, string(expiredLicense(t, n, co.CompanyID)))
	out, stderr, code = licenseflow(t, n.env(), "license", "verify", expired, "--data", n.data)
	if code == 0 || !strings.Contains(out, "signature:      verified") || !strings.Contains(out, "valid now:      no: expired") || !strings.Contains(stderr, "expired at") {
		t.Fatalf("expired license: exit %d\n%s%s", code, out, stderr)
	}

	// The owner changes the pro plan; the restarted pipeline reissues.
	p.Stop(20 * time.Second)
	writeFile(t, plansFile, richerPro)
	p = n.start()
	lic, err = c.AwaitLicense(ctx, pub, co.CompanyID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if lic.Serial != 2 || lic.Seats != 8 || !lic.HasFeature("audit-log") || lic.Plan != "pro" {
		t.Fatalf("after the plan change the app server holds %+v; want serial 2, 8 seats, audit-log", lic)
	}
	// The same file again: the payment stage adopts no new generation
	// before it is ready (so it has nothing to reconcile) and issues nothing.
	p.Stop(20 * time.Second)
	n.start().Stop(20 * time.Second)
	serials, generations := stored(t, n.data, co.CompanyID)
	if !slices.Equal(serials, []int64{1, 2}) || generations != 2 {
		t.Fatalf("stored for %s: serials %v, %d plans generations; want [1 2] and 2", co.CompanyID, serials, generations)
	}
}

// stored reads from run's store the serials of company's licenses and the
// number of plans generations.
func stored(t *testing.T, data, company string) (serials []int64, generations int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "licenseflow.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT serial FROM payment_licenses WHERE company_id = ? ORDER BY serial`, company)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		serials = append(serials, s)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM payment_plans`).Scan(&generations); err != nil {
		t.Fatal(err)
	}
	return serials, generations
}

// expiredLicense is a genuine license of company, signed with run's own
// key, that expired an hour ago.
func expiredLicense(t *testing.T, n *pipelineNode, company string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.data, "keys", "license-signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := license.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	file, err := license.Sign(priv, license.License{CompanyID: company, Plan: "pro", Status: license.StatusActive, Seats: 5,
		Serial: 1, IssuedAt: time.Now().Add(-48 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBadPlansRefuseToStart: every part that reads the plans refuses to
// start on a bad file, naming the variable, the file, the lookup key and
// the reason, before it creates anything; plans check says the same.
func TestBadPlansRefuseToStart(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "plans.yaml")
	writeFile(t, bad, "plans:\n  pro:\n    name: pro\n    seats: five\n  gold:\n    name: gold\n    seats: 0\n")
	wants := []string{`plan "pro" (line 3): seats: want a whole number, got "five"`, `plan "gold": seats is 0`}
	n := newNode(t, bad)
	env := append(n.env(), "AWS_ENDPOINT_URL=http://127.0.0.1:9") // stage asks for an endpoint first; never dialled
	for _, args := range [][]string{
		{"run", "--data", n.data, "--http", n.edge, "--appserver", n.app},
		{"stage", "payment", "--data", n.data},
		{"stage", "edge", "--data", n.data, "--http", n.edge},
		{"plans", "check", bad},
	} {
		stdout, stderr, code := licenseflow(t, env, args...)
		if code == 0 || strings.Contains(stdout, "ready") {
			t.Errorf("%s started on a bad plans file (exit %d):\n%s", args[0], code, stdout)
		}
		if args[0] != "plans" && !strings.Contains(stderr, "LICENSEFLOW_PLANS: plans file "+bad) {
			t.Errorf("licenseflow %s: stderr does not name the variable and the file:\n%s", strings.Join(args, " "), stderr)
		}
		for _, w := range wants {
			if !strings.Contains(stderr, w) {
				t.Errorf("licenseflow %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, stderr)
			}
		}
	}
	if entries, _ := os.ReadDir(n.data); len(entries) != 0 {
		t.Errorf("a refused start left %d entries in its data directory", len(entries))
	}
}
