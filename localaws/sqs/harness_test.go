package sqs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/sdkhttp"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// testEnv is a Service served over loopback HTTP with an SDK client.
type testEnv struct {
	svc    *Service
	log    *storage.Log
	srv    *httptest.Server
	client *awssqs.Client
}

type envOptions struct {
	dir string
	now func() time.Time
}

// serveSQSLate serves the Service *p points to once it is set.
func serveSQSLate(p **Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*p).ServeHTTP(w, r) })
}

func newEnv(t testing.TB, o envOptions) *testEnv {
	t.Helper()
	lg, err := storage.Open(storage.Options{Dir: o.dir, NoSync: false})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{log: lg}
	e.srv = httptest.NewServer(serveSQSLate(&e.svc))
	e.svc, err = New(Config{Log: lg, BaseURL: e.srv.URL, Now: o.now, TickInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.client = newClient(e.srv.URL)
	t.Cleanup(func() {
		e.srv.Close()
		e.svc.Close()
		e.log.Close()
	})
	return e
}

// send sends each body to the queue at url with SendMessage.
func (e *testEnv) send(tb testing.TB, url string, bodies ...string) {
	tb.Helper()
	for _, b := range bodies {
		if _, err := e.client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(b)}); err != nil {
			tb.Fatalf("sending %q: %v", b, err)
		}
	}
}

func newClient(url string) *awssqs.Client {
	return awssqs.New(awssqs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   sdkhttp.Client(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}),
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// clockedEnv is an engine on a fresh directory, on a clock the test sets.
func clockedEnv(t *testing.T) (e *testEnv, dir string, clk *clock.Manual) {
	clk = clock.NewManual(time.Now())
	dir = t.TempDir()
	return newEnv(t, envOptions{dir: dir, now: clk.Now}), dir, clk
}

// restarted is a second engine on the files of e's directory as kill -9
// would leave them, on the same clock.
func restarted(t *testing.T, dir string, clk *clock.Manual) *testEnv {
	t.Helper()
	return newEnv(t, envOptions{dir: copyDir(t, dir), now: clk.Now})
}
