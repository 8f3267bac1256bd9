package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckpointCrash copies the log directory at every step of two
// checkpoints (what kill -9 at that instant would leave) and checks each
// copy replays to either the state before the snapshot or the state after
// it, and goes on working.
func TestCheckpointCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crashes := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	ctx := context.Background()

	type crash struct {
		step string
		dir  string
		want []string
	}
	var (
		all     []crash
		before  []string // replay if the snapshot is not in place yet
		after   []string // replay once it is
		renamed = map[string]bool{"renamed": true, "dir-synced": true, "segment-removed": true, "snapshot-removed": true}
	)
	l.hook = func(step string) {
		d := filepath.Join(crashes, fmt.Sprintf("%02d-%s", len(all), step))
		copyDir(t, dir, d)
		want := before
		if renamed[step] {
			want = after
		}
		all = append(all, crash{step, d, slices.Clone(want)})
	}
	appendRec := func(r string) {
		t.Helper()
		if err := l.Append(ctx, true, []byte(r)); err != nil {
			t.Fatal(err)
		}
		before = append(before, r)
		after = append(after, r)
	}
	checkpoint := func(state ...string) {
		t.Helper()
		s, err := l.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		after = slices.Clone(state)
		appendRec("during " + state[0]) // appended while the snapshot is written
		for _, r := range state {
			if err := s.Write([]byte(r)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		before = slices.Clone(after)
	}

	appendRec("a1")
	appendRec("a2")
	checkpoint("s1", "s2")
	appendRec("b1")
	checkpoint("t1")
	appendRec("c1")
	l.Close()
	if got, _ := replayDir(t, dir); !slices.Equal(got, []string{"t1", "during t1", "c1"}) {
		t.Fatalf("final log replayed %q", got)
	}
	steps := map[string]bool{}
	for _, c := range all {
		steps[c.step] = true
	}
	for _, s := range []string{"rotated", "snapshot-write", "written", "synced", "renamed", "dir-synced", "segment-removed", "snapshot-removed"} {
		if !steps[s] {
			t.Errorf("no crash at step %s", s)
		}
	}

	for _, c := range all {
		got, _ := replayDir(t, c.dir)
		if !slices.Equal(got, c.want) {
			t.Errorf("crash at %s: replayed %q, want %q", filepath.Base(c.dir), got, c.want)
			continue
		}
		if names := files(t, c.dir); slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, tempExt) }) {
			t.Errorf("crash at %s: Open left %q", filepath.Base(c.dir), names)
		}
		// The recovered log takes appends and checkpoints again.
		l := openLog(t, Options{Dir: c.dir})
		if err := l.Append(ctx, true, []byte("x")); err != nil {
			t.Fatal(err)
		}
		s, err := l.Checkpoint()
		if err != nil {
			t.Fatalf("crash at %s: Checkpoint: %v", c.step, err)
		}
		s.Write([]byte("y"))
		if err := s.Commit(); err != nil {
			t.Fatalf("crash at %s: Commit: %v", c.step, err)
		}
		l.Close()
		if got, _ := replayDir(t, c.dir); !slices.Equal(got, []string{"y"}) {
			t.Errorf("crash at %s: after recovery replayed %q", c.step, got)
		}
	}
}

// TestCheckpointSize: Size counts the log since the last snapshot; an
// aborted snapshot keeps everything.
func TestCheckpointSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	ctx := context.Background()
	rec := []byte("0123456789")
	per := int64(frameHeaderLen + len(rec))
	l.Append(ctx, true, rec, rec)
	s, err := l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	l.Append(ctx, false, rec)
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if got := l.Size(); got != 3*per {
		t.Errorf("Size after abort = %d, want %d", got, 3*per)
	}
	s, err = l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	l.Append(ctx, true, rec)
	s.Write(rec)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := l.Size(); got != per {
		t.Errorf("Size after commit = %d, want %d (the record appended after Checkpoint)", got, per)
	}
	if got := files(t, dir); !slices.Equal(got, []string{fmt.Sprintf("%020d.snap", 3), fmt.Sprintf("%020d.wal", 3)}) {
		t.Errorf("files after commit: %q", got)
	}
	l.Close()
	l2 := openLog(t, Options{Dir: dir})
	if got := l2.Size(); got != per {
		t.Errorf("Size after reopen = %d, want %d", got, per)
	}
}
