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

// TestInfraCheckFailsOnBadTemplates: check fails a template with one flaw,
// naming what is wrong: a rule failing (and only that rule), or the
// reference that resolves to nothing.
func TestInfraCheckFailsOnBadTemplates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string
		errHas   string   // in the error, when set
		outHas   []string // in the report
		failed   int      // FAIL lines in the report, when set
	}{
		{name: "public database", old: "PubliclyAccessible: false", new: "PubliclyAccessible: true",
			outHas: []string{"FAIL  database"}, failed: 1},
		{name: "missing reference", old: "!GetAtt SignupQueue.Arn", new: "!GetAtt SignupQueeu.Arn", errHas: "SignupQueeu"},
		// A function whose Handler is not one of the binary's entries would
		// start and fail on every invocation.
		{name: "unknown handler", old: "      Handler: payment\n", new: "      Handler: payments\n",
			outHas: []string{"FAIL  lambda-entries", `Handler "payments"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "template.yaml", strings.Replace(string(infra.EmbeddedTemplate()), tt.old, tt.new, 1))
			out, err := runInfra(t, "check", "--template", path)
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("check: err %v, want one naming %q:\n%s", err, tt.errHas, out)
			}
			wantAll(t, "report", out, tt.outHas...)
			if n := strings.Count(out, "FAIL  "); tt.failed > 0 && n != tt.failed {
				t.Errorf("%d rules failed, want %d:\n%s", n, tt.failed, out)
			}
		})
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
