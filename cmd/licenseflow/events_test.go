package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// TestEventsCommands runs archives, replay (dry and real) and replays
// against a localaws built from the template, through the SDK as on AWS.
func TestEventsCommands(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, c := startLocalAWS(t, true)
	top := infra.Default()
	archive := top.Archives[0].Name
	var rule string
	for _, r := range top.Rules {
		if r.Targets[0].Queue == infra.QueueSignup {
			rule = r.Name
		}
	}
	queue, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(infra.QueueSignup)})
	if err != nil {
		t.Fatal(err)
	}
	var entries []ebtypes.PutEventsRequestEntry
	for _, n := range []string{"1", "2", "3"} {
		entries = append(entries, localawstest.Entry(top.Bus, "licenseflow.signup", "Company Signup Requested", `{"n":`+n+`}`))
	}
	localawstest.PutEvents(t, c.Events, entries...)
	localawstest.Drain(t, c.SQS, aws.ToString(queue.QueueUrl), 3, 30*time.Second)

	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := executeTo(newEventsCmd(), &out, &errOut, append(append([]string{}, args...), "--endpoint-url", srv.URL(), "--region", "us-east-1")...)
		return out.String(), errOut.String(), err
	}
	if out, _, err := run("archives"); err != nil || !strings.Contains(out, archive+"  ENABLED  3 ") || !strings.Contains(out, "30 days") {
		t.Fatalf("events archives: %v\n%s", err, out)
	}
	out, _, err := run("replay", "--archive", archive, "--from", "-1h", "--rule", rule, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run: would replay archive "+archive+" (3 events") || !strings.Contains(out, "to rule "+rule) {
		t.Fatalf("events replay --dry-run: %v\n%s", err, out)
	}
	if out, _, err := run("replays"); err != nil || !strings.Contains(out, "0 replays") {
		t.Fatalf("a dry run started a replay: %v\n%s", err, out)
	}

	out, progress, err := run("replay", "--archive", archive, "--from", "-1h", "--rule", rule, "--name", "fix-1", "--poll", "20ms")
	if err != nil || !strings.HasPrefix(out, "replay fix-1 COMPLETED: archive "+archive) || !strings.Contains(progress, "replay fix-1: ") {
		t.Fatalf("events replay: %v\nstdout %s\nstderr %s", err, out, progress)
	}
	for _, m := range localawstest.Drain(t, c.SQS, aws.ToString(queue.QueueUrl), 3, 30*time.Second) {
		if !strings.Contains(aws.ToString(m.Body), `"replay-name":"fix-1"`) {
			t.Fatalf("replayed %s", aws.ToString(m.Body))
		}
	}
	out, _, err = run("replays", "-o", "json")
	var listed struct {
		Replays []struct{ Name, State string }
	}
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed.Replays) != 1 ||
		listed.Replays[0].Name != "fix-1" || listed.Replays[0].State != "COMPLETED" {
		t.Fatalf("events replays -o json: %v\n%s", err, out)
	}

	for _, bad := range [][]string{
		{"replay", "--archive", archive, "--from", "-1h", "--rule", "no-such-rule"},
		{"replay", "--archive", archive, "--from", "now", "--to", "-1h"},
		{"replay", "--archive", archive, "--from", "-1h", "--to", "2999-01-01"},
		{"replay", "--archive", "no-such-archive", "--from", "-1h"},
		{"replay", "--archive", archive, "--from", "yesterday"},
		{"replay", "--archive", archive, "--from", "-1h", "--poll", "-1s"},
	} {
		if _, _, err := run(bad...); err == nil {
			t.Errorf("events %v succeeded", bad)
		}
	}
}
