package infra

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeFile loads docker-compose.yml with compose-go (interpolation
// and compose-spec schema validation on) and holds the local-run contract:
// every service is built or pulled, has a health check, binds its ports to
// 127.0.0.1, and the licenseflow services see the AWS endpoints the way
// they do on AWS.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yml", Content: b}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("licenseflow", true) })
	if err != nil {
		t.Fatalf("compose file does not load: %v", err)
	}
	for _, name := range []string{"elasticmq", "localaws", "postgres", "licenseflow"} {
		if _, ok := project.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	for name, svc := range project.Services {
		if svc.Image == "" && svc.Build == nil {
			t.Errorf("%s: neither image nor build", name)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 || svc.HealthCheck.Disable {
			t.Errorf("%s: no health check", name)
		}
		for _, p := range svc.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d bound to %q, not 127.0.0.1", name, p.Target, p.HostIP)
			}
		}
		for dep, d := range svc.DependsOn {
			if d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s: waits for %s to be %s, not healthy", name, dep, d.Condition)
			}
		}
	}
	env := func(svc, key string) string {
		v := project.Services[svc].Environment[key]
		if v == nil {
			return ""
		}
		return *v
	}
	for _, svc := range []string{"localaws", "licenseflow"} {
		if s := project.Services[svc]; s.Build == nil || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s is not built from the repository's Dockerfile", svc)
		}
		for key, want := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_SQS": "http://elasticmq:9324",
			"AWS_ENDPOINT_URL_EVENTBRIDGE": "http://localaws:4566"} {
			if got := env(svc, key); got != want {
				t.Errorf("%s: %s=%q, want %q", svc, key, got, want)
			}
		}
	}
	if u := env("licenseflow", "DATABASE_URL"); !strings.HasPrefix(u, "postgres://licenseflow:licenseflow-local@postgres:5432/") {
		t.Errorf("DATABASE_URL not interpolated to the compose database: %q", u)
	}
	if got := env("licenseflow", "LICENSEFLOW_EVENT_BUS"); got != BusName {
		t.Errorf("LICENSEFLOW_EVENT_BUS=%q, want the template's bus %q", got, BusName)
	}
	cmd := strings.Join(project.Services["localaws"].Command, " ")
	if !strings.Contains(cmd, "--sqs-endpoint http://elasticmq:9324") || !strings.Contains(cmd, "--addr 0.0.0.0:4566") {
		t.Errorf("localaws does not deliver targets to ElasticMQ: %q", cmd)
	}
	mq := project.Services["elasticmq"]
	if !strings.HasPrefix(mq.Image, "softwaremill/elasticmq-native:") {
		t.Errorf("elasticmq image %q", mq.Image)
	}
	mounted := false
	for _, v := range mq.Volumes {
		mounted = mounted || (v.Source == filepath.Join(root, "infra", "elasticmq.conf") && v.Target == "/opt/elasticmq.conf")
	}
	if !mounted {
		t.Errorf("elasticmq does not mount infra/elasticmq.conf: %+v", mq.Volumes)
	}
	if pg := project.Services["postgres"]; pg.Image != "postgres:16" {
		t.Errorf("postgres image %q", pg.Image)
	}
}

// TestComposeValidationCatchesMistakes proves the schema validation is on.
func TestComposeValidationCatchesMistakes(t *testing.T) {
	t.Parallel()
	bad := []byte("services:\n  x:\n    image: busybox\n    healthcheck:\n      interval: soon\n    bogus_key: 1\n")
	_, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yml", Content: bad}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("bad", true) })
	if err == nil {
		t.Fatal("an invalid compose file loaded")
	}
}
