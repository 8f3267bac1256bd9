package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/infra"
)

var updateGolden = flag.Bool("update", false, "rewrite infra/elasticmq.conf from the template")

func runInfra(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return execute(newInfraCmd(), args...)
}

func TestInfraCheckPassesOnTheTemplate(t *testing.T) {
	t.Parallel()
	out, err := runInfra(t, "check")
	if err != nil {
		t.Fatalf("check failed: %v\n%s", err, out)
	}
	if got := strings.Count(out, "PASS  "); got != len(infra.Checks()) {
		t.Fatalf("%d PASS lines, want %d:\n%s", got, len(infra.Checks()), out)
	}
}

func TestInfraCheckFailsOnABadTemplate(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(string(infra.EmbeddedTemplate()), "PubliclyAccessible: false", "PubliclyAccessible: true", 1)
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runInfra(t, "check", "--template", path)
	if err == nil {
		t.Fatalf("check passed a public database:\n%s", out)
	}
	if !strings.Contains(out, "FAIL  database") || strings.Count(out, "FAIL  ") != 1 {
		t.Fatalf("want exactly the database rule to fail:\n%s", out)
	}
}

func TestInfraCheckReportsMissingReferences(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(string(infra.EmbeddedTemplate()), "!GetAtt SignupQueue.Arn", "!GetAtt SignupQueeu.Arn", 1)
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runInfra(t, "check", "--template", path)
	if err == nil || !strings.Contains(err.Error(), "SignupQueeu") {
		t.Fatalf("want an error naming the missing resource, got %v", err)
	}
}

// TestElasticMQConfNotDrifted fails when infra/elasticmq.conf differs from
// what the generator makes of the template: run
// "go test ./cmd/licenseflow -run TestElasticMQConfNotDrifted -update".
func TestElasticMQConfNotDrifted(t *testing.T) {
	t.Parallel()
	out, err := runInfra(t, "elasticmq-conf")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("..", "..", "infra", "elasticmq.conf")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(committed) {
		t.Fatalf("infra/elasticmq.conf drifted from the template; regenerate it with\n  licenseflow infra elasticmq-conf > infra/elasticmq.conf\nor\n  go test ./cmd/licenseflow -run TestElasticMQConfNotDrifted -update")
	}
	for _, q := range infra.Default().Queues {
		if !strings.Contains(out, `"`+q.Name+`" {`) {
			t.Errorf("queue %s missing from the ElasticMQ config", q.Name)
		}
	}
}

// A function whose Handler is not one of the binary's entries would start
// and fail on every invocation; check refuses the template.
func TestInfraCheckRefusesAnUnknownHandler(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(string(infra.EmbeddedTemplate()), "      Handler: payment\n", "      Handler: payments\n", 1)
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runInfra(t, "check", "--template", path)
	if err == nil || !strings.Contains(out, "FAIL  lambda-entries") || !strings.Contains(out, `Handler "payments"`) {
		t.Fatalf("want lambda-entries to fail on Handler payments (err %v):\n%s", err, out)
	}
}

// TestInfraCheckValidatesPlans: the plans given as the Plans parameter are
// checked as deployed; bad plans fail the plans rule naming the key.
func TestInfraCheckValidatesPlans(t *testing.T) {
	t.Parallel()
	good := `{"trial_users":3,"plans":{"pro":{"name":"pro","seats":5,"features":["core"]}}}`
	if out, err := runInfra(t, "check", "--parameter", "Plans="+good); err != nil {
		t.Fatalf("valid plans: %v\n%s", err, out)
	}
	out, err := runInfra(t, "check", "--parameter", `Plans={"plans":{"pro":{"name":"pro","seats":0}}}`)
	if err == nil || !strings.Contains(out, "FAIL  plans") || !strings.Contains(out, `plan "pro": seats is 0`) {
		t.Fatalf("invalid plans: %v\n%s", err, out)
	}
	if _, err := runInfra(t, "check", "--parameter", "Plans"); err == nil || !strings.Contains(err.Error(), "NAME=VALUE") {
		t.Fatalf("--parameter without a value: %v", err)
	}
}
