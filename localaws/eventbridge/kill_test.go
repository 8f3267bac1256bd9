package eventbridge

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/localaws/internal/crashtest"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

func TestMain(m *testing.M) { crashtest.Main(m, runKillChild) }

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
	acked := map[string]bool{}
	crashtest.Run(t, dir, nil, 60*time.Second, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "ACK "); ok {
			acked[id] = true
		}
		return len(acked) < 2000
	})
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
	crashtest.Must(err)
	s, err := New(Config{Log: lg, Queues: newFlakyQueues(), Logger: slog.New(slog.DiscardHandler)})
	crashtest.Must(err)
	ctx := context.Background()
	_, err = s.createEventBus(ctx, &createEventBusInput{Name: "app"})
	crashtest.Must(err)
	_, err = s.createArchive(ctx, &createArchiveInput{ArchiveName: "arc", EventSourceArn: s.busARN("app")})
	crashtest.Must(err)
	w := bufio.NewWriter(os.Stdout)
	source, detailType, detail := "app", "t", `{"n":1}`
	for {
		in := &putEventsInput{}
		for range 10 {
			in.Entries = append(in.Entries, putEventsEntry{EventBusName: "app", Source: &source, DetailType: &detailType, Detail: &detail})
		}
		out, err := s.putEvents(ctx, in)
		crashtest.Must(err)
		for _, e := range out.Entries {
			if e.ErrorCode == "" {
				fmt.Fprintln(w, "ACK", e.EventId)
			}
		}
		w.Flush()
	}
}
