package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// runtimeAPI stands in for the Lambda runtime API on loopback: it hands the
// function one invocation at /2018-06-01/runtime/invocation/next and takes
// its response or error, the calls aws-lambda-go's runtime client makes.
type runtimeAPI struct {
	events  chan []byte
	results chan invocationResult
}

type invocationResult struct {
	kind string // "response", "error" or "init-error"
	body []byte
}

func newRuntimeAPI(t *testing.T) (*runtimeAPI, string) {
	t.Helper()
	api := &runtimeAPI{events: make(chan []byte, 1), results: make(chan invocationResult, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ev := <-api.events:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			h.Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:licenseflow-test")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
			w.Write(ev)
		case <-r.Context().Done():
		}
	})
	record := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			api.results <- invocationResult{kind: kind, body: b}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", record("init-error"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return api, ln.Addr().String()
}

// TestTemplateFunctionsStartAsTheRuntimeStartsThem starts this binary the way
// the provided.al2023 runtime does for every function of the template —
// _HANDLER from the function's Handler, AWS_LAMBDA_RUNTIME_API pointing at
// a stand-in on loopback, the function's environment — delivers one event
// of the kind its trigger sends (API Gateway HTTP API v2 or SQS) built from
// the fixtures, and checks the answer. The template's Plans parameter
// carries an owner's plans file, as a deployment would pass it (its JSON),
// so the payment and signup functions start on those plans.
func TestTemplateFunctionsStartAsTheRuntimeStartsThem(t *testing.T) {
	t.Parallel()
	own, err := plans.Load("../../plans/testdata/plans.yaml") // has the samples' team_monthly
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := infra.LoadEmbedded(infra.Options{Parameters: map[string]string{"Plans": string(own.JSON())}})
	if err != nil {
		t.Fatal(err)
	}
	endpoint, _ := lambdaEndpoint(t)
	fns := tpl.OfType("AWS::Serverless::Function", "AWS::Lambda::Function")
	if len(fns) == 0 {
		t.Fatal("the template has no functions")
	}
	for _, fn := range fns {
		t.Run(fn.LogicalID, func(t *testing.T) {
			t.Parallel()
			handler, _ := fn.Properties["Handler"].(string)
			env := functionEnv(t, fn, endpoint)
			event, check := invocationFor(t, fn, env)
			api, addr := newRuntimeAPI(t)
			api.events <- event

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "LICENSEFLOW_TEST_MAIN=1", "_HANDLER="+handler, "AWS_LAMBDA_RUNTIME_API="+addr)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() { cmd.Process.Kill(); <-exited }()
			select {
			case res := <-api.results:
				if res.kind != "response" {
					t.Fatalf("%s (Handler %s) answered %s: %s\nstderr: %s", fn.LogicalID, handler, res.kind, res.body, stderr.String())
				}
				check(t, res.body)
			case err := <-exited:
				exited <- err
				t.Fatalf("%s (Handler %s) exited (%v) without answering\nstderr: %s", fn.LogicalID, handler, err, stderr.String())
			case <-ctx.Done():
				t.Fatalf("%s (Handler %s) gave no answer\nstderr: %s", fn.LogicalID, handler, stderr.String())
			}
		})
	}
}

// functionEnv is the function's environment from the template, with each
// secret the template reads from Secrets Manager (NAME_ARN) given in plain
// form instead (no Secrets Manager runs here), the database as a SQLite
// file, and the SDK pointed at localaws.
func functionEnv(t *testing.T, fn infra.Resource, endpoint string) map[string]string {
	t.Helper()
	out := map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
	envProp, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ := envProp["Variables"].(map[string]any)
	key, err := (&keyDir{dir: t.TempDir()}).signingKey()
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range vars {
		switch name {
		case "LICENSEFLOW_WEBHOOK_SECRET_ARN":
			out["LICENSEFLOW_WEBHOOK_SECRET"] = "whsec_runtime_test"
		case "LICENSEFLOW_TOKEN_SECRET_ARN":
			out["LICENSEFLOW_TOKEN_SECRET"] = strings.Repeat("t", 48)
		case "LICENSEFLOW_SIGNING_KEY_ARN":
			pem, err := license.MarshalPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			out["LICENSEFLOW_SIGNING_KEY"] = string(pem)
		case "LICENSEFLOW_LICENSE_PUBLIC_KEY":
			// The deployment's LicenseSigningPublicKey: the signing key's.
			pem, err := license.MarshalPublicKey(key.Public().(ed25519.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			out[name] = string(pem)
		case "LICENSEFLOW_DATABASE_SECRET_ARN", "LICENSEFLOW_DATABASE_HOST":
			out["DATABASE_URL"] = "sqlite:" + filepath.Join(t.TempDir(), "licenseflow.db")
		default:
			if strings.HasSuffix(name, "_ARN") {
				t.Fatalf("%s reads %s from Secrets Manager: give this test its plain value", fn.LogicalID, name)
			}
			out[name] = fmt.Sprint(v)
		}
	}
	return out
}

// invocationFor builds the event fn's trigger delivers and the check of
// the answer.
func invocationFor(t *testing.T, fn infra.Resource, env map[string]string) ([]byte, func(*testing.T, []byte)) {
	t.Helper()
	trigger := ""
	evs, _ := fn.Properties["Events"].(map[string]any)
	for _, e := range evs {
		if m, _ := e.(map[string]any); m != nil {
			trigger, _ = m["Type"].(string)
			break
		}
	}
	switch trigger {
	case "HttpApi":
		return apiGatewayInvocation(t, fn, env)
	case "SQS":
		return sqsInvocation(t, fn)
	}
	t.Fatalf("%s: no fixture for a %q trigger", fn.LogicalID, trigger)
	return nil, nil
}

func apiGatewayInvocation(t *testing.T, fn infra.Resource, env map[string]string) ([]byte, func(*testing.T, []byte)) {
	var req awsevents.APIGatewayV2HTTPRequest
	want := http.StatusAccepted
	if secret := env["LICENSEFLOW_WEBHOOK_SECRET"]; secret != "" {
		readFixture(t, "../../services/webhook/testdata/apigw_v2_webhook.json", &req)
		body := req.Body
		if req.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				t.Fatal(err)
			}
			body = string(b)
		}
		// The fixture's signature is past the replay window: sign it anew.
		req.Headers["stripe-signature"] = webhook.Sign(secret, []byte(body), time.Now())
		want = http.StatusOK
	} else {
		readFixture(t, "../../services/signup/testdata/apigw-v2-signup.json", &req)
	}
	ev, _ := json.Marshal(req)
	return ev, func(t *testing.T, out []byte) {
		var resp awsevents.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != want {
			t.Fatalf("%s: response %s (%v), want status %d", fn.LogicalID, out, err, want)
		}
	}
}

// sqsInvocation wraps the sample event of a detail-type the function's
// queue receives in the SQS fixture's record.
func sqsInvocation(t *testing.T, fn infra.Resource) ([]byte, func(*testing.T, []byte)) {
	sample := map[string]string{
		"PaymentFunction":  "subscription-changed.json",
		"AccountsFunction": "company-signup-requested.json",
	}[fn.LogicalID]
	if sample == "" {
		t.Fatalf("%s: no sample event for its queue", fn.LogicalID)
	}
	body, err := os.ReadFile("../../schemas/samples/" + sample)
	if err != nil {
		t.Fatal(err)
	}
	var ev awsevents.SQSEvent
	readFixture(t, "../../events/testdata/sqs-event.json", &ev)
	rec := ev.Records[0]
	rec.Body = string(body)
	ev.Records = []awsevents.SQSMessage{rec}
	raw, _ := json.Marshal(ev)
	return raw, func(t *testing.T, out []byte) {
		var resp awsevents.SQSEventResponse
		if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s: response %s (%v), want no batch item failures", fn.LogicalID, out, err)
		}
	}
}

func readFixture(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
