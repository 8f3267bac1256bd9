// Package load is a bounded load test of the edge over loopback: signed and
// forged webhooks arrive concurrently at a whole pipeline started in
// process. Valid ones never get a 5xx, forged ones never reach the bus, and
// memory stays bounded.
package load

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
	"github.com/licenseflow/licenseflow/services/webhook"
)

const (
	secret  = "whsec_load_proof"
	workers = 16
)

// forgery is one way an attacker gets a webhook wrong.
type forgery struct {
	name string
	make func(payload []byte) (body []byte, signature string)
}

var forgeries = []forgery{
	{"wrong-secret", func(p []byte) ([]byte, string) { return p, webhook.Sign("whsec_attacker", p, time.Now()) }},
	{"tampered-body", func(p []byte) ([]byte, string) {
		return bytes.Replace(p, []byte(`"status":"complete"`), []byte(`"status":"complete" `), 1), webhook.Sign(secret, p, time.Now())
	}},
	{"stale-timestamp", func(p []byte) ([]byte, string) { return p, webhook.Sign(secret, p, time.Now().Add(-time.Hour)) }},
	{"future-timestamp", func(p []byte) ([]byte, string) { return p, webhook.Sign(secret, p, time.Now().Add(time.Hour)) }},
	{"no-signature", func(p []byte) ([]byte, string) { return p, "-" }},
	{"garbage-header", func(p []byte) ([]byte, string) { return p, "t=abc,v1=zz,v1=" + strings.Repeat("0", 64) }},
	{"signature-only-v0", func(p []byte) ([]byte, string) {
		return p, strings.Replace(webhook.Sign(secret, p, time.Now()), "v1=", "v0=", 1)
	}},
	{"oversized", func(p []byte) ([]byte, string) {
		big := append(bytes.TrimSuffix(p, []byte("}")), []byte(`,"pad":"`+strings.Repeat("x", 2<<20)+`"}`)...)
		return big, webhook.Sign(secret, big, time.Now())
	}},
}

func TestConcurrentSignedAndForgedWebhooks(t *testing.T) {
	valid, forged := 400, 400
	if testing.Short() {
		valid, forged = 100, 100
	}
	pub, priv, err := license.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	hops := make(chan pipeline.Hop, 4096)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, err := pipeline.Start(ctx, prooftest.PipelineConfig(t.TempDir(), pub, priv, secret, hops,
		testlog.Quiet()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })

	// Count what the payment stage handled, by company.
	var mu sync.Mutex
	handled := map[string]int{}
	go func() {
		for h := range hops {
			if h.Stage == pipeline.StagePayment && h.DetailType == events.TypeCheckoutCompleted && (h.Err == nil || strings.HasPrefix(h.CompanyID, "co_forged_")) {
				mu.Lock()
				handled[h.CompanyID]++
				mu.Unlock()
			}
		}
	}()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	send := func(body []byte, sig string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.Edge.URL()+webhook.Path, bytes.NewReader(body))
		if sig != "-" {
			req.Header.Set(webhook.SignatureHeader, sig)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	checkout := func(kind string, i int) []byte {
		s := prooftest.NewSubscription(kind, i, fmt.Sprintf("co_%s_%d", kind, i))
		return s.Checkout(fmt.Sprintf("evt_%s_%d", kind, i), time.Now().Unix())
	}

	// Warm up, then take the heap baseline.
	for i := range 20 {
		if code, err := send(checkout("warm", i), webhook.Sign(secret, checkout("warm", i), time.Now())); err != nil || code != http.StatusOK {
			t.Fatalf("warm-up webhook: %d %v", code, err)
		}
	}
	before := heap()

	type job struct {
		forged bool
		i      int
	}
	jobs := make(chan job)
	var validOK, valid5xx, forgedRejected, forgedAccepted, forged5xx atomic.Int64
	var failures sync.Map
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if !j.forged {
					body := checkout("valid", j.i)
					code, err := send(body, webhook.Sign(secret, body, time.Now()))
					switch {
					case err != nil:
						failures.Store(fmt.Sprintf("valid %d", j.i), err.Error())
					case code == http.StatusOK:
						validOK.Add(1)
					case code >= 500:
						valid5xx.Add(1)
					default:
						failures.Store(fmt.Sprintf("valid %d", j.i), code)
					}
					continue
				}
				f := forgeries[j.i%len(forgeries)]
				body, sig := f.make(checkout("forged", j.i))
				code, err := send(body, sig)
				switch {
				case err != nil:
					failures.Store(fmt.Sprintf("forged %s %d", f.name, j.i), err.Error())
				case code >= 500:
					forged5xx.Add(1)
				case code/100 == 4:
					forgedRejected.Add(1)
				default:
					forgedAccepted.Add(1)
					failures.Store(fmt.Sprintf("forged %s %d", f.name, j.i), code)
				}
			}
		})
	}
	began := time.Now()
	for i := 0; i < valid || i < forged; i++ {
		if i < valid {
			jobs <- job{false, i}
		}
		if i < forged {
			jobs <- job{true, i}
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(began)
	failures.Range(func(k, v any) bool { t.Errorf("%s: %v", k, v); return true })
	if valid5xx.Load() != 0 || validOK.Load() != int64(valid) {
		t.Errorf("valid webhooks: %d answered 200, %d 5xx, of %d", validOK.Load(), valid5xx.Load(), valid)
	}
	if forgedAccepted.Load() != 0 || forged5xx.Load() != 0 || forgedRejected.Load() != int64(forged) {
		t.Errorf("forged webhooks: %d rejected with 4xx, %d accepted, %d 5xx, of %d",
			forgedRejected.Load(), forgedAccepted.Load(), forged5xx.Load(), forged)
	}

	// Every valid one reached the payment stage; wait until the payment
	// queue is empty, then no forged one ever did.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		got := 0
		for co := range handled {
			if strings.HasPrefix(co, "co_valid_") {
				got++
			}
		}
		mu.Unlock()
		if got == valid && queueEmpty(ctx, t, p.Clients.SQS, infra.QueuePayment) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payment stage handled %d of %d valid checkouts", got, valid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	for co, n := range handled {
		if strings.HasPrefix(co, "co_forged_") {
			t.Errorf("forged webhook reached the payment stage: %s (%d times)", co, n)
		}
	}
	mu.Unlock()

	after := heap()
	t.Logf("%d valid + %d forged webhooks from %d workers in %s (%.0f req/s); heap in use %.1f MiB before, %.1f MiB after",
		valid, forged, workers, elapsed.Round(time.Millisecond), float64(valid+forged)/elapsed.Seconds(),
		float64(before)/(1<<20), float64(after)/(1<<20))
	// Bounded: a leak of the bodies alone (forged oversized ones are 2 MiB
	// each) would exceed this by far.
	if limit := before + 64<<20; after > limit {
		t.Errorf("heap grew from %d to %d bytes (limit %d)", before, after, limit)
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// queueEmpty reports whether the queue has no visible and no in-flight
// message.
func queueEmpty(ctx context.Context, t *testing.T, c *sqs.Client, name string) bool {
	url, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return attrs.Attributes["ApproximateNumberOfMessages"] == "0" && attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
}
