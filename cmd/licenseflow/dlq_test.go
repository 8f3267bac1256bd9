package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/ops/dlq"
)

// dlqRoot is a root command holding only dlq, as root.go wires it.
func dlqRoot() *cobra.Command {
	root := &cobra.Command{Use: "licenseflow", SilenceUsage: true, SilenceErrors: true}
	root.PersistentFlags().String("log-level", "error", "")
	root.AddCommand(newDLQCmd())
	return root
}

// runDLQ runs "licenseflow dlq args..." against endpoint in process.
func runDLQ(t *testing.T, endpoint string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = executeTo(dlqRoot(), &out, &errb, append([]string{"dlq", "--endpoint-url", endpoint, "--region", "us-east-1"}, args...)...)
	return out.String(), errb.String(), err
}

// testEnv is a localaws with one source queue and its DLQ.
type testEnv struct {
	srv        *localaws.Server
	client     *sqs.Client
	src, dlq   string // URLs
	srcN, dlqN string // names
}

func newTestEnv(t *testing.T, name string) *testEnv {
	t.Helper()
	srv, c := startLocalAWS(t, false)
	src, dlq := localawstest.CreateRedrivenQueue(t, c.SQS, name, "", 1, nil)
	return &testEnv{srv: srv, client: c.SQS, src: src.URL, dlq: dlq.URL, srcN: src.Name, dlqN: dlq.Name}
}

// fillDLQ puts bodies straight into the DLQ (as a redrive would).
func (e *testEnv) fillDLQ(t *testing.T, bodies []string) {
	t.Helper()
	for len(bodies) > 0 {
		n := min(10, len(bodies))
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(e.dlq)}
		for i, b := range bodies[:n] {
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
				MessageBody: aws.String(b), MessageAttributes: map[string]sqstypes.MessageAttributeValue{
					"kind": {DataType: aws.String("String"), StringValue: aws.String(strings.Split(b, "-")[0])}}})
		}
		if out, err := e.client.SendMessageBatch(context.Background(), in); err != nil || len(out.Failed) > 0 {
			t.Fatalf("sending: %v", err)
		}
		bodies = bodies[n:]
	}
}

func (e *testEnv) depth(t *testing.T, url string) int {
	t.Helper()
	out, err := e.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	f, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return v + f
}

// drain receives and deletes every visible message of url.
func (e *testEnv) drain(t *testing.T, url string) []string {
	t.Helper()
	var got []string
	for empty := 0; empty < 2; {
		out, err := e.client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body))
			if _, err := e.client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return got
}

func TestDLQCommands(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "cli")
	e.fillDLQ(t, []string{"a-1", "a-2", "b-1"})
	url := e.srv.URL()

	out, _, err := runDLQ(t, url, "list", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Queues []dlq.QueueInfo }
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Queues) != 1 || list.Queues[0].Name != e.dlqN ||
		list.Queues[0].Sources[0] != e.srcN || list.Queues[0].Messages != 3 {
		t.Fatalf("list: %v %s", err, out)
	}
	out, _, err = runDLQ(t, url, "list")
	if err != nil || !strings.Contains(out, e.dlqN) || !strings.Contains(out, "1 dead-letter queues") {
		t.Fatalf("list text: %v %s", err, out)
	}

	out, _, err = runDLQ(t, url, "show", "--queue", e.dlqN)
	if err != nil || strings.Count(out, "body:") != 3 || !strings.Contains(out, "attr:   kind = a") || !strings.Contains(out, "shown 3") {
		t.Fatalf("show: %v %s", err, out)
	}
	if d := e.depth(t, e.dlq); d != 3 {
		t.Fatalf("show consumed: depth %d", d)
	}

	out, errOut, err := runDLQ(t, url, "replay", "--queue", e.dlqN, "--filter", "kind=a", "--dry-run", "--concurrency", "0")
	if err != nil || !strings.Contains(out, "would move 2, skipped 1, failed 0") || strings.Count(errOut, "would-move") != 2 {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = runDLQ(t, url, "replay", "--queue", e.dlqN, "--filter", "kind=a", "-o", "json")
	var sum dlq.Summary
	if err != nil || json.Unmarshal([]byte(out), &sum) != nil || sum.Moved != 2 || sum.Skipped != 1 || sum.Failed != 0 ||
		strings.Count(errOut, "moved ") != 2 {
		t.Fatalf("replay: %v\n%s\n%s", err, out, errOut)
	}
	if got := e.drain(t, e.src); len(got) != 2 {
		t.Fatalf("source got %v", got)
	}

	if _, _, err := runDLQ(t, url, "purge", "--queue", e.dlqN); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("purge without --yes: %v", err)
	}
	out, _, err = runDLQ(t, url, "purge", "--queue", e.dlqN, "--yes")
	if err != nil || !strings.Contains(out, "purged 1") || e.depth(t, e.dlq) != 0 {
		t.Fatalf("purge: %v %s", err, out)
	}

	// Failures exit non-zero.
	for _, args := range [][]string{
		{"replay", "--queue", e.dlqN, "--filter", "novalue"},
		{"list", "--output", "yaml"},
	} {
		if _, _, err := runDLQ(t, url, args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	// Bad options are refused before anything runs: no summary on stdout.
	for _, args := range [][]string{
		{"replay", "--queue", e.dlqN, "--rate", "-1"},
		{"replay", "--queue", e.dlqN, "--max", "-1"},
	} {
		out, _, err := runDLQ(t, url, args...)
		if err == nil || !strings.Contains(err.Error(), "must not be negative") || out != "" {
			t.Errorf("%v: err %v, stdout %q", args, err, out)
		}
	}
	// --concurrency 0 is the default, and the help says so.
	if out, _, err := runDLQ(t, url, "replay", "--help"); err != nil || !strings.Contains(out, "0 means the default (4)") {
		t.Errorf("replay --help: %v\n%s", err, out)
	}
	// An operation that stops before it received anything (a queue that
	// does not exist; a DLQ of several queues, now that a second one sends
	// it its dead letters, replayed without --to) is only an error saying
	// why, with no summary of it and no progress.
	policy := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, localawstest.QueueARN(t, e.client, e.dlq))
	localawstest.CreateQueue(t, e.client, "cli-second", map[string]string{"RedrivePolicy": policy})
	for _, tc := range []struct {
		args []string
		is   error
		want string
	}{
		{[]string{"replay", "--queue", "no-such-queue"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"replay", "--queue", "no-such-queue", "--dry-run", "-o", "json"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"replay", "--queue", strings.TrimSuffix(e.dlq, e.dlqN) + "no-such-queue"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"replay", "--queue", "arn:aws:sqs:us-east-1:000000000000:no-such-queue"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"replay", "--queue", e.dlqN, "--to", "no-such-queue"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"show", "--queue", "no-such-queue"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"purge", "--queue", "no-such-queue", "--yes"}, dlq.ErrQueueNotFound, "no-such-queue"},
		{[]string{"replay", "--queue", e.dlqN}, dlq.ErrNotStarted, "dead-letter queue of 2 queues"},
		{[]string{"replay", "--queue", e.dlqN, "--dry-run", "-o", "json"}, dlq.ErrNotStarted, "name the destination with --to"},
	} {
		out, errOut, err := runDLQ(t, url, tc.args...)
		if !errors.Is(err, dlq.ErrNotStarted) || !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) || out != "" || errOut != "" {
			t.Errorf("%v: err %v, stdout %q, stderr %q", tc.args, err, out, errOut)
		}
	}
}

// TestDLQChild is not a test: TestDLQReplayKilled runs the test binary
// with LICENSEFLOW_DLQ_CHILD set to run one dlq command in a child process.
func TestDLQChild(t *testing.T) {
	args := os.Getenv("LICENSEFLOW_DLQ_CHILD")
	if args == "" {
		t.Skip("helper process for TestDLQReplayKilled")
	}
	root := dlqRoot()
	root.SetArgs(strings.Split(args, "\x1f"))
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func childReplay(t *testing.T, e *testEnv, extra ...string) *exec.Cmd {
	args := append([]string{"dlq", "--endpoint-url", e.srv.URL(), "--region", "us-east-1", "replay", "--queue", e.dlqN,
		"--visibility", "2s"}, extra...)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDLQChild$")
	cmd.Env = append(os.Environ(), "LICENSEFLOW_DLQ_CHILD="+strings.Join(args, "\x1f"),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
	return cmd
}

// TestDLQReplayKilled kills a replay with SIGKILL half-way and reruns it:
// every message ends up in the source queue at least once, none is lost,
// and duplicates are bounded by what was in flight.
func TestDLQReplayKilled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "killed")
	const n = 400
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("m-%04d", i))
	}
	e.fillDLQ(t, want)

	child := childReplay(t, e, "--rate", "100")
	var childErr bytes.Buffer
	child.Stderr = &childErr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for e.depth(t, e.src) < n/4 {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("replay made no progress: %s", childErr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if moved := e.depth(t, e.src); moved >= n {
		t.Fatalf("the replay finished (%d moved) before it was killed", moved)
	}
	// Nothing lost at the moment of the kill.
	if total := e.depth(t, e.src) + e.depth(t, e.dlq); total < n {
		t.Fatalf("after kill: %d messages in source+dlq, want >= %d", total, n)
	}

	// Rerun until the DLQ is empty (messages the killed run held come back
	// after --visibility).
	for attempt := 0; e.depth(t, e.dlq) > 0; attempt++ {
		if attempt == 10 {
			t.Fatalf("dlq still holds %d after %d reruns", e.depth(t, e.dlq), attempt)
		}
		out, err := childReplay(t, e).CombinedOutput()
		if err != nil {
			t.Fatalf("rerun: %v\n%s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	got := e.drain(t, e.src)
	seen := map[string]int{}
	for _, b := range got {
		seen[b]++
	}
	var missing []string
	for _, b := range want {
		if seen[b] == 0 {
			missing = append(missing, b)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("lost %d messages: %v", len(missing), missing)
	}
	// At most the batches in flight (4 loops of 10) arrive twice.
	if dup := len(got) - n; dup > 40 {
		t.Fatalf("%d duplicates", dup)
	}
}

// TestProgressBar drives the terminal form of the progress output (the
// bar is only chosen on a terminal, so it is built by hand here).
func TestProgressBar(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := &progress{w: &buf, bar: newBar(&buf, "replaying")}
	p.Planned(5)
	for range 4 {
		p.Done(dlq.Outcome{Action: dlq.ActionMoved})
	}
	p.Done(dlq.Outcome{Action: dlq.ActionMoved, Count: 3}) // more than planned
	p.finish()
	if got := p.bar.State().CurrentNum; got != 7 {
		t.Fatalf("bar at %d, want 7", got)
	}
	if out := buf.String(); !strings.Contains(out, "replaying") || !strings.Contains(out, "msg/s") {
		t.Fatalf("bar output %q", out)
	}
}

// TestDLQLocalEndpointAsksNoInstanceMetadata: against a local endpoint
// with no credentials anywhere, dlq uses static local ones and the
// credential chain's last resort, the instance-metadata service, is never
// asked. The service's address points at a stand-in on loopback that
// counts what it is asked.
func TestDLQLocalEndpointAsksNoInstanceMetadata(t *testing.T) {
	var asked atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		http.Error(w, "not here", http.StatusForbidden)
	}))
	defer imds.Close()
	dir := t.TempDir()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "") // make test turns the service off; here a regression must reach the stand-in
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(v, "")
	}
	e := newTestEnv(t, "imds")
	for _, how := range []string{"flag", "AWS_ENDPOINT_URL"} {
		args := []string{"dlq", "list", "--endpoint-url", e.srv.URL()}
		if how == "AWS_ENDPOINT_URL" {
			t.Setenv("AWS_ENDPOINT_URL", e.srv.URL())
			args = args[:2]
		}
		out, err := execute(dlqRoot(), args...)
		if err != nil {
			t.Fatalf("dlq list, endpoint by %s: %v\n%s", how, err, out)
		}
		if !strings.Contains(out, e.dlqN) {
			t.Errorf("dlq list, endpoint by %s, does not name %s:\n%s", how, e.dlqN, out)
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the instance-metadata service was asked %d times", n)
	}
}
