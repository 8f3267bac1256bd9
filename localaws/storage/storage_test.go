package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 300_000)
	tests := []struct {
		name    string
		noSync  bool
		durable []bool // one Append per entry, alternating kinds
		records [][]string
	}{
		{name: "durable", durable: []bool{true, true}, records: [][]string{{"a"}, {"b", "c"}}},
		{name: "non-durable", durable: []bool{false, false}, records: [][]string{{"a", "b"}, {"c"}}},
		{name: "mixed", durable: []bool{false, true, false}, records: [][]string{{"a"}, {"b"}, {"c", "d"}}},
		{name: "nosync", noSync: true, durable: []bool{true, false}, records: [][]string{{"a"}, {"b"}}},
		{name: "empty and large records", durable: []bool{true, true}, records: [][]string{{"", big}, {"", "z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			l := openLog(t, Options{Dir: dir, NoSync: tt.noSync})
			if err := l.Replay(func([]byte) error { return errors.New("empty log replayed a record") }); err != nil {
				t.Fatal(err)
			}
			var want []string
			var size int64
			for i, rs := range tt.records {
				if err := l.Append(context.Background(), tt.durable[i], recs(rs...)...); err != nil {
					t.Fatal(err)
				}
				want = append(want, rs...)
				for _, r := range rs {
					size += int64(frameHeaderLen + len(r))
				}
			}
			if got := l.Size(); got != size {
				t.Errorf("Size = %d, want %d", got, size)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got, st := replayDir(t, dir)
			if !slices.Equal(got, want) {
				t.Errorf("replayed %d records %.40q, want %d %.40q", len(got), got, len(want), want)
			}
			if st.TruncatedBytes != 0 || st.Replayed != int64(len(want)) {
				t.Errorf("stats = %+v", st)
			}
			// Reopening continues the same log.
			l2 := openLog(t, Options{Dir: dir})
			if got := l2.Size(); got != size {
				t.Errorf("Size after reopen = %d, want %d", got, size)
			}
			if err := l2.Append(context.Background(), true, []byte("more")); err != nil {
				t.Fatal(err)
			}
			l2.Close()
			got, _ = replayDir(t, dir)
			if !slices.Equal(got, append(want, "more")) {
				t.Errorf("after reopen replayed %.40q", got)
			}
		})
	}
}

func TestInMemory(t *testing.T) {
	t.Parallel()
	l := openLog(t, Options{})
	if err := l.Append(context.Background(), true, []byte("a")); err != nil {
		t.Fatal(err)
	}
	s, err := l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]byte("s")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := l.Replay(func([]byte) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("Replay = %v with %d records, want nothing", err, n)
	}
	if l.Size() != 0 {
		t.Errorf("Size = %d", l.Size())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), false, []byte("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
}

// TestConcurrentOrder checks that records of concurrent appenders all
// arrive, each appender's in its order, each Append's records together,
// and that durable appends share fsyncs.
func TestConcurrentOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	const workers, appends = 8, 150
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			for i := range appends {
				durable := (g+i)%3 != 0
				a := fmt.Sprintf("%d %d a", g, i)
				b := fmt.Sprintf("%d %d b", g, i)
				if err := l.Append(context.Background(), durable, []byte(a), []byte(b)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Syncs >= workers*appends*2/3 {
		t.Errorf("%d syncs for %d durable appends: no group commit", st.Syncs, workers*appends*2/3)
	}
	got, _ := replayDir(t, dir)
	if len(got) != workers*appends*2 {
		t.Fatalf("replayed %d records, want %d", len(got), workers*appends*2)
	}
	next := make([]int, workers)
	for k := 0; k < len(got); k += 2 {
		f := strings.Fields(got[k])
		g, _ := strconv.Atoi(f[0])
		i, _ := strconv.Atoi(f[1])
		if i != next[g] || f[2] != "a" || got[k+1] != fmt.Sprintf("%d %d b", g, i) {
			t.Fatalf("record %d = %q, %q; want %d %d a/b", k, got[k], got[k+1], g, next[g])
		}
		next[g]++
	}
}

// TestAddWait checks Add orders records without writing them and Wait
// writes them.
func TestAddWait(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	p1, err := l.Add([]byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := l.Add([]byte("two"), []byte("three"))
	if err != nil || p2 <= p1 {
		t.Fatalf("Add = %d, %v after %d", p2, err, p1)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	if got, _ := replayDir(t, crashed); len(got) != 0 {
		t.Errorf("added but not waited records on disk: %q", got)
	}
	if err := l.Wait(context.Background(), p1, true); err != nil {
		t.Fatal(err)
	}
	crashed = t.TempDir()
	copyDir(t, dir, crashed)
	if got, _ := replayDir(t, crashed); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("after Wait replayed %q: Wait writes everything buffered", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx, p2, true); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with canceled ctx = %v", err)
	}
	if err := l.Append(ctx, true, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with canceled ctx = %v", err)
	}
}

func TestCloseSemantics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	if _, err := Open(Options{Dir: dir}); !errors.Is(err, ErrLocked) {
		t.Errorf("second Open = %v, want ErrLocked", err)
	}
	// Added records are flushed by Close.
	if _, err := l.Add([]byte("pending")); err != nil {
		t.Fatal(err)
	}
	s, err := l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkpoint(); !errors.Is(err, ErrSnapshotInProgress) {
		t.Errorf("second Checkpoint = %v", err)
	}
	if _, err := l.Add([]byte("after checkpoint")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := s.Commit(); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close = %v, want ErrClosed", err)
	}
	for name, err := range map[string]error{
		"Append":     l.Append(context.Background(), true, []byte("x")),
		"Checkpoint": func() error { _, err := l.Checkpoint(); return err }(),
		"Replay":     l.Replay(func([]byte) error { return nil }),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	got, _ := replayDir(t, dir)
	if !slices.Equal(got, []string{"pending", "after checkpoint"}) {
		t.Errorf("replayed %q", got)
	}
	if names := files(t, dir); slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, tempExt) }) {
		t.Errorf("temporary snapshot left behind: %q", names)
	}
}

// TestCloseDuringAppends closes while appenders run: each Append either
// succeeds (and its records replay) or returns ErrClosed.
func TestCloseDuringAppends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				r := fmt.Sprintf("%d-%d", g, i)
				err := l.Append(context.Background(), i%2 == 0, []byte(r))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[r] = true
				n := len(acked)
				mu.Unlock()
				if n == 200 {
					go l.Close()
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	got, _ := replayDir(t, dir)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r] = true
	}
	for r := range acked {
		if !seen[r] {
			t.Errorf("acknowledged record %s lost", r)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	huge := make([]byte, MaxRecordSize+1)
	if err := l.Append(context.Background(), true, []byte("ok"), huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Append of huge record = %v, want ErrTooLarge", err)
	}
	if err := l.Append(context.Background(), true, []byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := l.Replay(func([]byte) error { return nil }); !errors.Is(err, ErrReplayTooLate) {
		t.Errorf("Replay after Append = %v", err)
	}
	l.Close()
	got, _ := replayDir(t, dir)
	if !slices.Equal(got, []string{"kept"}) {
		t.Errorf("replayed %q: a refused Append must add nothing", got)
	}
	// An error from fn stops Replay.
	stop := errors.New("stop")
	l2 := openLog(t, Options{Dir: dir})
	if err := l2.Replay(func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Replay = %v, want fn's error", err)
	}
	// A file where the directory should be.
	notDir := t.TempDir() + "/f"
	os.WriteFile(notDir, nil, 0o644)
	if _, err := Open(Options{Dir: notDir}); err == nil {
		t.Error("Open of a file succeeded")
	}
}

// TestReplayStopsAtARejectedRecord: a record the engine cannot apply stops
// Replay with ErrCorrupt naming the file and offset, wrapping the engine's
// reason, and the records before it were delivered.
func TestReplayStopsAtARejectedRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	if err := l.Append(context.Background(), true, recs("a", "bad", "c")...); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l = openLog(t, Options{Dir: dir})
	errUnknown := errors.New("unknown record kind")
	var got []string
	err := l.Replay(func(rec []byte) error {
		if string(rec) == "bad" {
			return errUnknown
		}
		got = append(got, string(rec))
		return nil
	})
	want := fmt.Sprintf("%s: offset %d: %v", segmentName(dir, 1), fileHeaderLen+frameHeaderLen+len("a"), errUnknown)
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, errUnknown) || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Replay = %v, want ErrCorrupt ending in %q", err, want)
	}
	if !slices.Equal(got, []string{"a"}) {
		t.Errorf("delivered %q before the rejected record, want [a]", got)
	}
}
