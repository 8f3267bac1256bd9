package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/services/webhook"
)

func mapEnv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestEnvironStore(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		vars    map[string]string
		data    string
		want    string
		wantErr string
	}{
		{"DATABASE_URL wins", map[string]string{"DATABASE_URL": "postgres://u:p@h/db", "LICENSEFLOW_DATABASE_HOST": "x"}, "d", "postgres://u:p@h/db", ""},
		{"RDS host and secret", map[string]string{"LICENSEFLOW_DATABASE_HOST": "db.internal",
			"LICENSEFLOW_DATABASE_SECRET": `{"username":"lf","password":"p@ss/word"}`}, "",
			"postgres://lf:p%40ss%2Fword@db.internal:5432/licenseflow?sslmode=require", ""},
		{"host without secret", map[string]string{"LICENSEFLOW_DATABASE_HOST": "db.internal"}, "", "", "needs LICENSEFLOW_DATABASE_SECRET"},
		{"secret not JSON is not echoed", map[string]string{"LICENSEFLOW_DATABASE_HOST": "db.internal",
			"LICENSEFLOW_DATABASE_SECRET": "hunter2"}, "", "", "not the RDS secret JSON"},
		{"local default", nil, "dir", "sqlite:" + filepath.Join("dir", "licenseflow.db"), ""},
		{"no store where nothing is local", nil, "", "", "no store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := newEnviron(mapEnv(c.vars), c.data).store(context.Background())
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("err = %v, want one naming %q (and no secret)", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("store = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestEnvironAWS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		vars map[string]string
		want pipeline.AWSConfig
	}{
		{"AWS itself", map[string]string{"AWS_REGION": "eu-west-1"}, pipeline.AWSConfig{}},
		{"no region", nil, pipeline.AWSConfig{Region: "us-east-1"}},
		{"local endpoint without credentials", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			pipeline.AWSConfig{Endpoint: "http://127.0.0.1:4566", Region: "us-east-1", StaticCredentials: true}},
		{"per-service endpoint", map[string]string{"AWS_ENDPOINT_URL_SQS": "http://elasticmq:9324", "AWS_REGION": "us-east-1"},
			pipeline.AWSConfig{StaticCredentials: true}},
		{"endpoint with credentials", map[string]string{"AWS_ENDPOINT_URL": "http://x", "AWS_ACCESS_KEY_ID": "AK", "AWS_DEFAULT_REGION": "us-west-2"},
			pipeline.AWSConfig{Endpoint: "http://x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := newEnviron(mapEnv(c.vars), "").aws(); got != c.want {
				t.Fatalf("aws() = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestEnvironOperatorAWS: the operator commands' flags go over the
// environment; with no endpoint anywhere the region is left to the SDK
// (AWS_REGION or the shared configuration), for events as for dlq.
func TestEnvironOperatorAWS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		vars             map[string]string
		endpoint, region string
		want             pipeline.AWSConfig
		onAWS            bool
	}{
		{"AWS, region from the shared configuration", nil, "", "", pipeline.AWSConfig{}, true},
		{"AWS, --region", nil, "", "eu-west-1", pipeline.AWSConfig{Region: "eu-west-1"}, true},
		{"--endpoint-url without credentials", nil, "http://127.0.0.1:4566", "",
			pipeline.AWSConfig{Endpoint: "http://127.0.0.1:4566", Region: "us-east-1", StaticCredentials: true}, false},
		{"--endpoint-url with credentials", map[string]string{"AWS_ACCESS_KEY_ID": "AK", "AWS_REGION": "us-west-2"}, "http://x", "",
			pipeline.AWSConfig{Endpoint: "http://x"}, false},
		{"the service's own endpoint variable", map[string]string{"SERVICE_ENDPOINT": "http://elasticmq:9324"}, "", "",
			pipeline.AWSConfig{Region: "us-east-1"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, onAWS := newEnviron(mapEnv(c.vars), "").operatorAWS(c.endpoint, c.region, "SERVICE_ENDPOINT")
			if got != c.want || onAWS != c.onAWS {
				t.Fatalf("operatorAWS() = %+v, %v; want %+v, %v", got, onAWS, c.want, c.onAWS)
			}
		})
	}
}

// Locally each secret is generated on first use, alone, and kept: the
// edge's secrets do not create a signing key, and a second read returns
// the same value.
func TestLocalSecretsAreCreatedOneByOne(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	e := newEnviron(mapEnv(nil), data)
	ctx := context.Background()
	secrets, generated, err := e.webhookSecrets(ctx)
	if err != nil || !generated || len(secrets) != 1 || !strings.HasPrefix(secrets[0], "whsec_") {
		t.Fatalf("webhook secrets %v generated=%v: %v", secrets, generated, err)
	}
	if _, err := e.tokenSecret(ctx); err != nil {
		t.Fatal(err)
	}
	if got := files(t, filepath.Join(data, "keys")); !slices.Equal(got, []string{"token-secret", "webhook-secret"}) {
		t.Fatalf("key files %v", got)
	}
	again, _, err := newEnviron(mapEnv(nil), data).webhookSecrets(ctx)
	if err != nil || again[0] != secrets[0] {
		t.Fatalf("second read %v (%v), first %v", again, err, secrets)
	}
	pub, err := e.publicKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.signingKey(ctx)
	if err != nil || !key.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("public key is not the signing key's (%v)", err)
	}
	if got := files(t, filepath.Join(data, "keys")); len(got) != 4 {
		t.Fatalf("key files %v", got)
	}
	// The environment wins, split on commas for a rotation.
	rot, generated, err := newEnviron(mapEnv(map[string]string{"LICENSEFLOW_WEBHOOK_SECRET": "whsec_new, whsec_old"}), data).webhookSecrets(ctx)
	if err != nil || generated || !slices.Equal(rot, []string{"whsec_new", "whsec_old"}) {
		t.Fatalf("from the environment: %v generated=%v %v", rot, generated, err)
	}
}

// TestWebhookSignUsesTheSecretThePipelineChecks: webhook-sign signs with
// LICENSEFLOW_WEBHOOK_SECRET or the secret run generated under --data, and
// where there is neither it says so instead of generating one that no
// running pipeline knows.
func TestWebhookSignUsesTheSecretThePipelineChecks(t *testing.T) {
	t.Setenv("LICENSEFLOW_WEBHOOK_SECRET", "")
	t.Setenv("LICENSEFLOW_WEBHOOK_SECRET_ARN", "")
	payload := []byte(`{"id":"evt_1"}`)
	sign := func(data string) (string, error) {
		cmd := newRootCmd()
		cmd.SetIn(bytes.NewReader(payload))
		out, err := execute(cmd, "webhook-sign", "--data", data)
		return strings.TrimSpace(out), err
	}
	empty := t.TempDir()
	if out, err := sign(empty); err == nil || !strings.Contains(err.Error(), "no webhook secret") {
		t.Fatalf("without a secret: %v\n%s", err, out)
	}
	if got := files(t, empty); len(got) != 0 {
		t.Fatalf("webhook-sign wrote %v", got)
	}

	data := t.TempDir()
	secrets, _, err := newEnviron(mapEnv(nil), data).webhookSecrets(context.Background()) // as run generates it
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, env, data, secret string }{
		{"generated under --data", "", data, secrets[0]},
		{"from the environment", "whsec_env", empty, "whsec_env"},
	} {
		t.Setenv("LICENSEFLOW_WEBHOOK_SECRET", c.env)
		header, err := sign(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := webhook.Verify(header, payload, []string{c.secret}, time.Minute, time.Now()); err != nil {
			t.Errorf("%s: %q does not verify with the secret: %v", c.name, header, err)
		}
	}
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestEnvironPaymentGrace(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    string
		want time.Duration
		err  bool
	}{
		{"", 0, false}, {"168h", 168 * time.Hour, false}, {"7d", 7 * 24 * time.Hour, false}, {" 36h30m ", 36*time.Hour + 30*time.Minute, false},
		{"0", 0, false}, {"-1h", 0, true}, {"7 days", 0, true}, {"d", 0, true}, {"99999d", 0, true}, {"-2d", 0, true},
	} {
		got, err := newEnviron(mapEnv(map[string]string{"LICENSEFLOW_PAYMENT_GRACE": tt.v}), "").paymentGrace()
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%q: %v, %v; want %v (error %v)", tt.v, got, err, tt.want, tt.err)
		}
		if err != nil && !strings.Contains(err.Error(), "LICENSEFLOW_PAYMENT_GRACE") {
			t.Errorf("%q: error %v does not name the variable", tt.v, err)
		}
	}
}
