package storage

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const killDirEnv = "STORAGE_KILL_TEST_DIR"

// TestKill runs a child process (this test binary again) that appends
// durable records from several goroutines, checkpointing now and then,
// and prints every acknowledged record; it is killed with SIGKILL at a
// random point. After each kill every acknowledged record must replay,
// each writer's records as a gapless prefix in order.
func TestKill(t *testing.T) {
	if dir := os.Getenv(killDirEnv); dir != "" {
		killChild(dir)
		return
	}
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
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), killDirEnv+"="+dir, "STORAGE_KILL_ROUND="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killAfter := 20 + rand.IntN(600)
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(out)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "ack" {
			continue
		}
		i, _ := strconv.Atoi(f[3])
		key := f[1] + " " + f[2]
		if prev, ok := acked[key]; ok && i != prev+1 {
			t.Errorf("writer %s acknowledged %d after %d", key, i, prev)
		}
		acked[key] = i
		if n++; n == killAfter {
			cmd.Process.Kill() // SIGKILL; acks already in the pipe still count
		}
	}
	err = cmd.Wait()
	if n < killAfter {
		t.Fatalf("child ended after %d acks: %v", n, err)
	}
}

// killChild is the child's body: it never returns normally.
func killChild(dir string) {
	round := os.Getenv("STORAGE_KILL_ROUND")
	l, err := Open(Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	// The "engine": its state is the list of records, guarded by mu.
	var mu sync.Mutex
	var state [][]byte
	if err := l.Replay(func(rec []byte) error { state = append(state, rec); return nil }); err != nil {
		fmt.Fprintln(os.Stderr, "child replay:", err)
		os.Exit(2)
	}
	fail := func(what string, err error) {
		fmt.Fprintln(os.Stderr, "child", what+":", err)
		os.Exit(2)
	}
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
				if err != nil {
					fail("append", err)
				}
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
		if err != nil {
			fail("checkpoint", err)
		}
		for _, rec := range snap {
			if err := s.Write(rec); err != nil {
				fail("snapshot", err)
			}
		}
		if err := s.Commit(); err != nil {
			fail("commit", err)
		}
	}
}
