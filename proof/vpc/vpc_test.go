// Package vpc proves the VPC promise on a real network: the license-push
// poller and an application server sit in a network namespace with no
// default route, whose only link is a veth pair to the host, where the only
// thing listening on that link is the endpoint (localaws). Licenses still
// arrive; the poller listens on nothing; the app server installs only what
// the poller delivers.
package vpc

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

const (
	webhookSecret = "whsec_vpc_proof"
	appPort       = "18090"
)

func TestVPCPromise(t *testing.T) {
	skipUnlessNetns(t)
	n := newNetwork(t)
	dir := t.TempDir()
	nodes, err := prooftest.BuildNodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := nodes.Public, nodes.Private
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The host side: localaws on the host end of the veth pair (the
	// "interface endpoint"); the edge and the stages outside the VPC serve
	// on loopback, unreachable from the namespace.
	hops := make(chan pipeline.Hop, 1024)
	appServer := n.VPCAddr + ":" + appPort
	edgeURL, endpoint := startHost(t, ctx, filepath.Join(dir, "host"), n.HostAddr, appServer, priv, hops)
	t.Logf("namespace %s: vpc %s, endpoint %s", n.NS, n.VPCAddr, endpoint)

	// The VPC side: the app server and the poller, each its own process.
	app := nodes.Start(t, n.nsExec(), endpoint, "appserver", filepath.Join(dir, "app"),
		"-addr", appServer, "-allow-sources", n.VPCAddr+"/32")
	poller := nodes.Start(t, n.nsExec(), endpoint, "poller", filepath.Join(dir, "poller"),
		"-allowed-cidrs", n.VPCAddr+"/32")

	// 1. Licenses are delivered: on login (Session Started) and on a new
	// license for a company the server already serves (License Issued).
	c := prooftest.NewClient(edgeURL, "http://"+appServer, webhookSecret)
	co, err := c.Signup(ctx, "Vpc Proof Inc", "admin@vpc-proof.example")
	if err != nil {
		t.Fatal(err)
	}
	awaitHop(t, ctx, hops, "accounts", events.TypeCompanySignup, co.CompanyID)
	sub := prooftest.NewSubscription("vpc", 1, co.CompanyID)
	now := time.Now().Unix()
	for _, payload := range [][]byte{sub.Checkout("evt_vpc_checkout", now), sub.Update("evt_vpc_created", now+1, true, "team_monthly", 10)} {
		if code, err := c.Webhook(ctx, payload, ""); err != nil || code != http.StatusOK {
			t.Fatalf("webhook: %d %v", code, err)
		}
	}
	awaitHop(t, ctx, hops, "payment", events.TypeSubscriptionChanged, co.CompanyID)
	sess, err := c.Login(ctx, co.Token)
	if err != nil {
		t.Fatal(err)
	}
	if sess.AppServer != appServer {
		t.Fatalf("session on %q, want the VPC app server %q", sess.AppServer, appServer)
	}
	lic, err := c.AwaitLicense(ctx, pub, co.CompanyID, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after login the app server holds license #%d (%s, %d seats)", lic.Serial, lic.Plan, lic.Seats)
	if code, err := c.Webhook(ctx, sub.Update("evt_vpc_upgrade", now+2, false, "enterprise_yearly", 50), ""); err != nil || code != http.StatusOK {
		t.Fatalf("upgrade webhook: %d %v", code, err)
	}
	up, err := c.AwaitLicense(ctx, pub, co.CompanyID, lic.Serial+1)
	if err != nil {
		t.Fatal(err)
	}
	if up.Plan != "enterprise" || up.CompanyID != co.CompanyID {
		t.Fatalf("upgraded license: plan %q company %q", up.Plan, up.CompanyID)
	}
	t.Logf("after the upgrade the app server holds license #%d (%s, %d seats)", up.Serial, up.Plan, up.Seats)

	// 2. The poller has no listening socket, yet holds a connection to the
	// endpoint; the app server (the control) does listen.
	checkSockets(t, poller.Pid(), app.Pid(), endpoint)
	if out, err := n.inNS("ss", "-ltnp").CombinedOutput(); err == nil {
		t.Logf("listening TCP sockets in %s:\n%s", n.NS, out)
	}

	// 3. The namespace routes nowhere but its own /30.
	checkRoutes(t, n)

	// 4. The app server installs only deliveries from inside the VPC: the
	// host, which can reach it, is refused.
	_, _, file, err := c.License(ctx, pub, co.CompanyID)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, c.AppServer+"/v1/licenses/"+co.CompanyID, bytes.NewReader(file))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("PUT from the host %s answered %d, want 403", n.HostAddr, resp.StatusCode)
	}
	checkAppLog(t, app, n)
}

// startHost runs the parts outside the VPC: localaws on the host end of
// the veth pair (the "interface endpoint") with the topology, and the edge
// (on loopback, unreachable from the namespace), the payment and the
// user-signup stages. It returns the edge's and localaws's URLs.
func startHost(t *testing.T, ctx context.Context, dir, hostAddr, appServer string, priv ed25519.PrivateKey, hops chan<- pipeline.Hop) (string, string) {
	t.Helper()
	endpoint, clients := prooftest.LocalAWS(ctx, t, hostAddr+":0", dir, testlog.Quiet())
	obs, bus := pipeline.NewObserver(hops), pipeline.Bus{Client: clients.Events}
	onBus := pipeline.EdgeConfig{Bus: bus, Logger: testlog.Quiet()}
	hook, err := pipeline.NewWebhook(pipeline.WebhookConfig{EdgeConfig: onBus, Secrets: []string{webhookSecret}})
	if err != nil {
		t.Fatal(err)
	}
	store := "sqlite:" + filepath.Join(dir, "licenseflow.db")
	sign, err := pipeline.NewSignup(ctx, pipeline.SignupConfig{EdgeConfig: onBus, Store: store, TokenSecret: bytes.Repeat([]byte("k"), 32),
		AppServers: []string{appServer}})
	if err != nil {
		t.Fatal(err)
	}
	edge, err := pipeline.NewEdgeServer(pipeline.EdgeServerConfig{Addr: "127.0.0.1:0", Observer: obs, Logger: testlog.Quiet()}, hook, sign)
	if err != nil {
		t.Fatal(err)
	}
	stage := pipeline.StageConfig{Store: store,
		Queue: pipeline.Queue{Client: clients.SQS}, Observer: obs, Logger: testlog.Quiet()}
	pay, err := pipeline.NewPayment(ctx, pipeline.PaymentConfig{StageConfig: stage, Bus: bus, SigningKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := pipeline.NewAccounts(ctx, pipeline.AccountsConfig{StageConfig: stage, Bus: bus, PublicKey: priv.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	prooftest.RunParts(t, edge, pay, acc)
	return edge.URL(), endpoint
}

func awaitHop(t *testing.T, ctx context.Context, hops <-chan pipeline.Hop, stage, detailType, company string) {
	t.Helper()
	for {
		select {
		case h := <-hops:
			if h.Stage == stage && h.DetailType == detailType && h.CompanyID == company {
				if h.Err != nil {
					t.Fatalf("%s on %s: %v", stage, detailType, h.Err)
				}
				return
			}
		case <-ctx.Done():
			t.Fatalf("no %q handled by %s: %v", detailType, stage, ctx.Err())
		}
	}
}

func checkSockets(t *testing.T, pollerPID, appPID int, endpoint string) {
	t.Helper()
	ep, err := netip.ParseAddrPort(strings.TrimPrefix(endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	socks := sockets(t, pollerPID)
	toEndpoint := 0
	for _, s := range socks {
		if s.Listening() {
			t.Errorf("the poller (pid %d) has a listening socket: %+v", pollerPID, s)
		}
		if remote, err := prooftest.KernelAddr(s.Remote); err == nil && remote == ep {
			toEndpoint++
		}
	}
	if toEndpoint == 0 {
		t.Errorf("the poller (pid %d) holds no connection to the endpoint %s (sockets %+v): the inspection saw nothing", pollerPID, ep, socks)
	}
	listening := 0
	for _, s := range sockets(t, appPID) {
		if s.Listening() {
			listening++
		}
	}
	if listening == 0 {
		t.Errorf("control failed: the app server (pid %d) shows no listening socket", appPID)
	}
	t.Logf("poller pid %d: %d TCP sockets, none listening, %d to the endpoint; app server pid %d: %d listening",
		pollerPID, len(socks), toEndpoint, appPID, listening)
}

// sockets returns the TCP sockets of process pid.
func sockets(t *testing.T, pid int) []prooftest.Socket {
	t.Helper()
	socks, err := prooftest.ProcessSockets(pid)
	if err != nil {
		t.Fatal(err)
	}
	return socks
}

func checkRoutes(t *testing.T, n *network) {
	t.Helper()
	for _, fam := range []string{"-4", "-6"} {
		all := ip(t, "-n", n.NS, fam, "route", "show", "table", "all")
		if strings.Contains(all, "default") {
			t.Errorf("namespace %s has a default route (%s):\n%s", n.NS, fam, all)
		}
	}
	main4 := strings.TrimSpace(ip(t, "-n", n.NS, "-4", "route", "show"))
	if lines := strings.Split(main4, "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], n.Subnet+" dev "+n.VPCIf) {
		t.Errorf("IPv4 routes of %s are not just the connected %s:\n%s", n.NS, n.Subnet, main4)
	}
	for _, line := range strings.Split(strings.TrimSpace(ip(t, "-n", n.NS, "-6", "route", "show")), "\n") {
		if line != "" && !strings.HasPrefix(line, "fe80::/64 dev "+n.VPCIf) {
			t.Errorf("IPv6 route of %s beyond the link-local one: %s", n.NS, line)
		}
	}
	links := strings.Split(strings.TrimSpace(ip(t, "-n", n.NS, "-o", "link", "show")), "\n")
	if len(links) != 2 {
		t.Errorf("namespace %s has %d links, want lo and %s:\n%s", n.NS, len(links), n.VPCIf, strings.Join(links, "\n"))
	}
	// A route lookup sends nothing: it asks the kernel where a packet
	// would go. 203.0.113.0/24 is TEST-NET-3.
	out, err := exec.Command("ip", "-n", n.NS, "route", "get", "203.0.113.7").CombinedOutput()
	if err == nil {
		t.Errorf("namespace %s has a route to 203.0.113.7: %s", n.NS, out)
	}
	if got := ip(t, "-n", n.NS, "route", "get", n.HostAddr); !strings.Contains(got, "dev "+n.VPCIf) {
		t.Errorf("the endpoint %s is not reached over %s: %s", n.HostAddr, n.VPCIf, got)
	}
	t.Logf("routes of %s: %s; to 203.0.113.7: %s", n.NS, main4, strings.TrimSpace(string(out)))
}

// checkAppLog waits for the host's refused PUT in the app server's request
// log, then checks every accepted PUT came from inside the VPC.
func checkAppLog(t *testing.T, app *prooftest.Proc, n *network) {
	t.Helper()
	type request struct {
		Method, Path, Remote string
		Status               int
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var installs, refusedHost int
		var bad []string
		for _, line := range app.Lines() {
			var r request
			if json.Unmarshal([]byte(line), &r) != nil || r.Method != http.MethodPut {
				continue
			}
			src, err := netip.ParseAddrPort(r.Remote)
			if err != nil {
				t.Fatalf("app server log: remote %q: %v", r.Remote, err)
			}
			switch {
			case r.Status == http.StatusForbidden && src.Addr().String() == n.HostAddr:
				refusedHost++
			case r.Status/100 == 2 && src.Addr().String() == n.VPCAddr:
				installs++
			case r.Status/100 == 2:
				bad = append(bad, line)
			}
		}
		if len(bad) > 0 {
			t.Fatalf("the app server accepted PUTs from outside the VPC: %s", strings.Join(bad, "; "))
		}
		if refusedHost > 0 {
			if installs < 2 {
				t.Fatalf("the app server logged %d accepted deliveries from the poller, want at least 2", installs)
			}
			t.Logf("app server: %d deliveries accepted, all from %s; %d PUT from the host refused", installs, n.VPCAddr, refusedHost)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refused PUT from the host never reached the app server's log:\n%s", strings.Join(app.Lines(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
