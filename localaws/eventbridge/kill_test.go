package eventbridge

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

const killChildEnv = "EVENTBRIDGE_KILL_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		runKillChild(dir)
		return
	}
	os.Exit(m.Run())
}

// TestArchiveSurvivesKillDashNine runs a child process that archives
// every event it accepts, kills it with SIGKILL mid-stream, and checks
// that every event PutEvents acknowledged is in the archive after a
// restart on the same directory.
func TestArchiveSurvivesKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test is not short")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for deadline := time.Now().Add(60 * time.Second); sc.Scan() && len(acked) < 2000 && time.Now().Before(deadline); {
		if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked[id] = true
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("the child acknowledged only %d events", len(acked))
	}
	svc, _ := startService(t, openLog(t, dir), newFlakyQueues())
	svc.mu.RLock()
	a := svc.archives["arc"]
	svc.mu.RUnlock()
	svc.archMu.Lock()
	archived := map[string]bool{}
	for _, ev := range a.events {
		archived[ev.ID] = true
	}
	svc.archMu.Unlock()
	for id := range acked {
		if !archived[id] {
			t.Errorf("acknowledged event %s is not in the archive", id)
		}
	}
	t.Logf("%d acknowledged before the kill, %d archived after it", len(acked), len(archived))
}

// runKillChild archives events on a durable log in dir until it is
// killed, printing the id of every event PutEvents acknowledged.
func runKillChild(dir string) {
	lg, err := storage.Open(storage.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s, err := New(Config{Log: lg, Queues: newFlakyQueues(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	if _, err := s.createEventBus(ctx, &createEventBusInput{Name: "app"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := s.createArchive(ctx, &createArchiveInput{ArchiveName: "arc", EventSourceArn: s.busARN("app")}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	source, detailType, detail := "app", "t", `{"n":1}`
	for {
		in := &putEventsInput{}
		for range 10 {
			in.Entries = append(in.Entries, putEventsEntry{EventBusName: "app", Source: &source, DetailType: &detailType, Detail: &detail})
		}
		out, err := s.putEvents(ctx, in)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, e := range out.Entries {
			if e.ErrorCode == "" {
				fmt.Fprintln(w, "ACK", e.EventId)
			}
		}
		w.Flush()
	}
}
