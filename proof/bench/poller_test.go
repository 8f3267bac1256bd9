package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

const (
	// pollerLoad is how many companies get a session and then a license
	// while the poller is measured: 2 × pollerLoad events, pollerLoad
	// deliveries.
	pollerLoad = 2000
	// pollerIdle is how long the poller idles before its baseline reading.
	pollerIdle = time.Second
	// publishBatch is how many details one Publish call carries.
	publishBatch = 50
)

// BenchmarkPollerRSS measures the license-push poller's memory as its own
// process (proof/internal/vpcnode -role poller, the same code path as
// `licenseflow run --parts licensepush`) against a localaws and an app
// server this process runs on 127.0.0.1. idle-MiB is its peak RSS (VmHWM)
// after idling pollerIdle on empty queues; peak-MiB its peak RSS once
// pollerLoad Session Started and then pollerLoad License Issued events
// (licenses signed with the key the poller trusts) were all delivered, as
// each company's license is read back from the app server. deliveries/s is
// the load's throughput.
func BenchmarkPollerRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("no /proc: VmHWM cannot be read on this system")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	nodes, err := prooftest.BuildNodes(dir)
	if err != nil {
		b.Fatal(err)
	}
	pub, priv := nodes.Public, nodes.Private
	// This process: localaws (durable) with the topology, and the app server.
	endpoint, clients, appURL := startPollerHost(ctx, b, filepath.Join(dir, "host"), pub)
	bus, closeBus, err := pipeline.Bus{Client: clients.Events}.Publisher(testlog.Quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer closeBus()
	appServer := strings.TrimPrefix(appURL, "http://")
	c := prooftest.NewClient("", appURL, "")

	var idle, peak, rate float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		sessions, licenses := pollerEvents(b, priv, fmt.Sprintf("r%d", i), appServer)
		child := nodes.Start(b, nil, endpoint, "poller", filepath.Join(dir, fmt.Sprintf("poller-%d", i)), "-allowed-cidrs", "127.0.0.0/8")
		time.Sleep(pollerIdle)
		idleMiB, err := vmHWM(child.Pid())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		// Sessions first, so License Issued finds servers to push to (the
		// other order delivers too, on Session Started).
		publishAll(ctx, b, bus, sessions)
		publishAll(ctx, b, bus, licenses)
		awaitDelivered(ctx, b, c, pub, licenses)
		elapsed := time.Since(start)
		b.StopTimer()
		peakMiB, err := vmHWM(child.Pid())
		if err != nil {
			b.Fatal(err)
		}
		child.Stop(10 * time.Second)
		idle, peak, rate = idle+idleMiB, peak+peakMiB, rate+float64(len(licenses))/elapsed.Seconds()
	}
	b.ReportMetric(idle/float64(b.N), "idle-MiB")
	b.ReportMetric(peak/float64(b.N), "peak-MiB")
	b.ReportMetric(rate/float64(b.N), "deliveries/s")
}

// startPollerHost runs this process's side: localaws (durable) with the
// topology, and the app server. It returns localaws's URL, its clients and
// the app server's URL.
func startPollerHost(ctx context.Context, b *testing.B, dir string, pub ed25519.PublicKey) (string, pipeline.Clients, string) {
	b.Helper()
	endpoint, clients := prooftest.LocalAWS(ctx, b, "127.0.0.1:0", dir, testlog.Quiet())
	app, err := pipeline.NewAppServer(pipeline.AppServerConfig{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "appserver"),
		PublicKey: pub, Logger: testlog.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	prooftest.RunParts(b, app)
	return endpoint, clients, app.URL()
}

// pollerEvents returns pollerLoad Session Started events on appServer and
// a signed License Issued event for each of their companies.
func pollerEvents(b *testing.B, priv ed25519.PrivateKey, run, appServer string) ([]events.Detail, []events.Detail) {
	b.Helper()
	now := time.Now().UTC()
	sessions := make([]events.Detail, 0, pollerLoad)
	licenses := make([]events.Detail, 0, pollerLoad)
	for k := range pollerLoad {
		co := fmt.Sprintf("co-rss-%s-%d", run, k)
		sessions = append(sessions, events.SessionStarted{SessionID: "sess-" + co, CompanyID: co,
			UserID: "user-" + co, AppServer: appServer, StartedAt: now})
		lic := license.License{Issuer: "licenseflow.bench", CompanyID: co, Plan: "team", Status: license.StatusActive,
			Seats: 10, Features: []string{"sso"}, Serial: 1, IssuedAt: now, ExpiresAt: now.AddDate(0, 1, 0)}
		file, err := license.Sign(priv, lic)
		if err != nil {
			b.Fatal(err)
		}
		licenses = append(licenses, events.LicenseIssued{CompanyID: co, Serial: 1, Plan: lic.Plan,
			Status: lic.Status, ExpiresAt: lic.ExpiresAt, License: string(file)})
	}
	return sessions, licenses
}

func publishAll(ctx context.Context, b *testing.B, bus *events.BusPublisher, details []events.Detail) {
	b.Helper()
	err := parallel((len(details)+publishBatch-1)/publishBatch, 4, func(k int) error {
		return bus.Publish(ctx, details[k*publishBatch:min(len(details), (k+1)*publishBatch)]...)
	})
	if err != nil {
		b.Fatalf("publishing: %v", err)
	}
}

// awaitDelivered waits until the app server holds every license.
func awaitDelivered(ctx context.Context, b *testing.B, c *prooftest.Client, pub ed25519.PublicKey, licenses []events.Detail) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err := parallel(len(licenses), 4, func(k int) error {
		li := licenses[k].(events.LicenseIssued)
		_, err := c.AwaitLicense(ctx, pub, li.CompanyID, li.Serial)
		return err
	})
	if err != nil {
		b.Fatalf("waiting for deliveries: %v", err)
	}
}
