package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/localaws/internal/crashtest"
)

func TestMain(m *testing.M) { crashtest.Main(m, killChild) }

// TestKill runs a child process (this test binary again) that appends
// durable records from several goroutines, checkpointing now and then,
// and prints every acknowledged record; it is killed with SIGKILL at a
// random point. After each kill every acknowledged record must replay,
// each writer's records as a gapless prefix in order.
func TestKill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	acked := map[string]int{} // "round writer" -> highest acknowledged i
	const rounds = 4
	for round := range rounds {
		runAndKill(t, dir, round, acked)
		got, st := replayDir(t, dir)
		last := map[string]int{}
		lastRound := 0
		for _, rec := range got {
			f := strings.Fields(rec)
			r, _ := strconv.Atoi(f[0])
			i, _ := strconv.Atoi(f[2])
			key := f[0] + " " + f[1]
			prev, ok := last[key]
			if !ok {
				prev = -1
			}
			if i != prev+1 || r < lastRound {
				t.Fatalf("round %d: record %q follows %d of its writer (round %d): order broken", round, rec, prev, lastRound)
			}
			last[key], lastRound = i, r
		}
		for key, i := range acked {
			if got, ok := last[key]; !ok || got < i {
				t.Fatalf("round %d: writer %s acknowledged %d but replay ends at %d", round, key, i, got)
			}
		}
		t.Logf("round %d: %d records replayed, %d torn bytes truncated", round, len(got), st.TruncatedBytes)
	}
	if len(acked) == 0 {
		t.Fatal("no record acknowledged")
	}
}

// runAndKill runs one child and kills it after a random number of acks.
func runAndKill(t *testing.T, dir string, round int, acked map[string]int) {
	t.Helper()
	killAfter := 20 + rand.IntN(600)
	n := 0
	crashtest.Run(t, dir, []string{"STORAGE_KILL_ROUND=" + strconv.Itoa(round)}, 2*time.Minute, func(line string) bool {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "ack" {
			return true
		}
		i, _ := strconv.Atoi(f[3])
		key := f[1] + " " + f[2]
		if prev, ok := acked[key]; ok && i != prev+1 {
			t.Errorf("writer %s acknowledged %d after %d", key, i, prev)
		}
		acked[key] = i
		n++
		return n < killAfter
	})
	if n < killAfter {
		t.Fatalf("child ended after %d acks", n)
	}
}

// killChild is the child's body: it never returns normally.
func killChild(dir string) {
	round := os.Getenv("STORAGE_KILL_ROUND")
	l, err := Open(Options{Dir: dir})
	crashtest.Must(err)
	// The "engine": its state is the list of records, guarded by mu.
	var mu sync.Mutex
	var state [][]byte
	crashtest.Must(l.Replay(func(rec []byte) error { state = append(state, rec); return nil }))
	for g := range 4 {
		go func() {
			for i := 0; ; i++ {
				rec := []byte(fmt.Sprintf("%s %d %d", round, g, i))
				mu.Lock()
				pos, err := l.Add(rec)
				state = append(state, rec)
				mu.Unlock()
				if err == nil {
					err = l.Wait(context.Background(), pos, true)
				}
				crashtest.Must(err)
				os.Stdout.WriteString(fmt.Sprintf("ack %s %d %d\n", round, g, i))
			}
		}()
	}
	for {
		time.Sleep(time.Duration(1+rand.IntN(5)) * time.Millisecond)
		mu.Lock()
		s, err := l.Checkpoint()
		snap := state[:len(state):len(state)]
		mu.Unlock()
		crashtest.Must(err)
		for _, rec := range snap {
			crashtest.Must(s.Write(rec))
		}
		crashtest.Must(s.Commit())
	}
}
