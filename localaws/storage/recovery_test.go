package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildLog writes records into a fresh log, each durable, and closes it.
func buildLog(t *testing.T, rs ...string) string {
	t.Helper()
	dir := t.TempDir()
	l := openLog(t, Options{Dir: dir})
	for _, r := range rs {
		if err := l.Append(context.Background(), true, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTornTail cuts the last segment at every byte offset inside its last
// record: Open truncates the torn record, keeps all earlier ones, and the
// log goes on after them.
func TestTornTail(t *testing.T) {
	t.Parallel()
	first := []string{"alpha", "", "gamma gamma"}
	last := "the last record, torn somewhere in its header or payload"
	dir := buildLog(t, append(first, last)...)
	seg := segmentName(dir, 1)
	whole, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	start := len(whole) - frameHeaderLen - len(last)
	for cut := start; cut <= len(whole); cut++ {
		d := t.TempDir()
		if err := os.WriteFile(segmentName(d, 1), whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		want := first
		if cut == len(whole) {
			want = append(first, last)
		}
		got, st := replayDir(t, d)
		if !slices.Equal(got, want) {
			t.Fatalf("cut at %d: replayed %q, want %q", cut, got, want)
		}
		if wantCut := int64(cut - start); cut < len(whole) && st.TruncatedBytes != wantCut {
			t.Errorf("cut at %d: TruncatedBytes = %d, want %d", cut, st.TruncatedBytes, wantCut)
		}
		l := openLog(t, Options{Dir: d})
		if err := l.Append(context.Background(), true, []byte("next")); err != nil {
			t.Fatal(err)
		}
		l.Close()
		if got, _ := replayDir(t, d); !slices.Equal(got, append(slices.Clone(want), "next")) {
			t.Fatalf("cut at %d: after append replayed %q", cut, got)
		}
	}
}

// TestGarbageTail: bytes after the last record that a power loss can
// leave (stale data, a half header) are truncated and counted; zeros are
// truncated as the preallocated space a crash leaves, and not counted.
func TestGarbageTail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tail []byte
		torn int64
	}{
		{"zeros", make([]byte, 4096), 0},
		{"stale bytes", []byte(strings.Repeat("stale page ", 50)), 550},
		{"footer mark", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8}, 12},
		{"huge length", []byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 'x'}, 9},
		{"half header, then zeros", append([]byte{5, 0, 0}, make([]byte, 4096)...), 4099},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := buildLog(t, "a", "b")
			f, err := os.OpenFile(segmentName(dir, 1), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(tt.tail)
			f.Close()
			got, st := replayDir(t, dir)
			if !slices.Equal(got, []string{"a", "b"}) || st.TruncatedBytes != tt.torn {
				t.Errorf("replayed %q, truncated %d, want [a b] and %d", got, st.TruncatedBytes, tt.torn)
			}
			if fi, err := os.Stat(segmentName(dir, 1)); err != nil || fi.Size() != int64(fileHeaderLen+2*(frameHeaderLen+1)) {
				t.Errorf("segment after Open: %v, %v; want it cut after the last record", fi.Size(), err)
			}
		})
	}
}

// TestTornSegmentHeader: a crash while a segment is being created leaves
// a short header; the segment is started again.
func TestTornSegmentHeader(t *testing.T) {
	t.Parallel()
	for cut := range fileHeaderLen {
		dir := buildLog(t, "a")
		if err := os.WriteFile(segmentName(dir, 2), segmentMagic[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		l := openLog(t, Options{Dir: dir})
		if err := l.Append(context.Background(), true, []byte("b")); err != nil {
			t.Fatal(err)
		}
		l.Close()
		if got, _ := replayDir(t, dir); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("cut %d: replayed %q", cut, got)
		}
	}
}

// TestCorruptMiddle: damage in a file that was synced whole (a segment
// before the last, a snapshot) or a missing segment is ErrCorrupt, not a
// silent loss.
func TestCorruptMiddle(t *testing.T) {
	t.Parallel()
	// build builds snapshot 2 ("s1", "s2"), segment 2 ("b1", "b2") and,
	// through an aborted checkpoint, segment 3 ("c").
	build := func(t *testing.T) string {
		dir := t.TempDir()
		l := openLog(t, Options{Dir: dir})
		ctx := context.Background()
		l.Append(ctx, true, []byte("a"))
		s, err := l.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("s1"))
		s.Write([]byte("s2"))
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		l.Append(ctx, true, []byte("b1"), []byte("b2"))
		s, err = l.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		s.Abort()
		l.Append(ctx, true, []byte("c"))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if got, _ := replayDir(t, dir); !slices.Equal(got, []string{"s1", "s2", "b1", "b2", "c"}) {
			t.Fatalf("intact log replayed %q", got)
		}
		return dir
	}
	flip := func(off int) func(string) { // flips a byte at off from the end
		return func(path string) {
			b, _ := os.ReadFile(path)
			b[len(b)-off] ^= 0x40
			os.WriteFile(path, b, 0o644)
		}
	}
	tests := []struct {
		name   string
		file   func(dir string) string
		damage func(path string)
	}{
		{"payload in earlier segment", func(d string) string { return segmentName(d, 2) }, flip(1)},
		{"length in earlier segment", func(d string) string { return segmentName(d, 2) }, flip(frameHeaderLen + 2)},
		{"earlier segment cut short", func(d string) string { return segmentName(d, 2) }, func(p string) { os.Truncate(p, fileHeaderLen+5) }},
		{"segment header", func(d string) string { return segmentName(d, 2) }, func(p string) { b, _ := os.ReadFile(p); b[0] = 'X'; os.WriteFile(p, b, 0o644) }},
		{"snapshot record", func(d string) string { return snapshotName(d, 2) }, flip(footerLen + 1)},
		{"snapshot footer", func(d string) string { return snapshotName(d, 2) }, flip(1)},
		{"snapshot without footer", func(d string) string { return snapshotName(d, 2) }, func(p string) { fi, _ := os.Stat(p); os.Truncate(p, fi.Size()-footerLen) }},
		{"missing segment", func(d string) string { return segmentName(d, 2) }, func(p string) { os.Remove(p) }},
		{"last segment header", func(d string) string { return segmentName(d, 3) }, func(p string) { b, _ := os.ReadFile(p); b[2] = 'X'; os.WriteFile(p, b, 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := build(t)
			tt.damage(tt.file(dir))
			l, err := Open(Options{Dir: dir})
			if err == nil {
				defer l.Close()
				err = l.Replay(func([]byte) error { return nil })
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open+Replay = %v, want ErrCorrupt", err)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.Base(tt.file(dir)))); err != nil && tt.name != "missing segment" {
				t.Errorf("damaged file removed: %v", err)
			}
		})
	}
}

// TestCheckpointCrash copies the log directory at every step of two
// checkpoints (what kill -9 at that instant would leave) and checks each
// copy replays to either the state before the snapshot or the state after
// it, and goes on working.
func TestCheckpointCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := newCrashRecorder(t, dir)
	r.appendRec("a1")
	r.appendRec("a2")
	r.checkpoint("s1", "s2")
	r.appendRec("b1")
	r.checkpoint("t1")
	r.appendRec("c1")
	r.l.Close()
	if got, _ := replayDir(t, dir); !slices.Equal(got, []string{"t1", "during t1", "c1"}) {
		t.Fatalf("final log replayed %q", got)
	}
	steps := map[string]bool{}
	for _, c := range r.all {
		steps[c.step] = true
	}
	for _, s := range []string{"rotated", "snapshot-write", "written", "synced", "renamed", "dir-synced", "segment-removed", "snapshot-removed"} {
		if !steps[s] {
			t.Errorf("no crash at step %s", s)
		}
	}
	for _, c := range r.all {
		checkCrashRecovers(t, c)
	}
}

// crashCopy is the log directory as a kill -9 at a checkpoint's step
// would leave it, with the records it must replay.
type crashCopy struct {
	step string
	dir  string
	want []string
}

// renamedSteps are the checkpoint steps at which the new snapshot is in
// place.
var renamedSteps = map[string]bool{"renamed": true, "dir-synced": true, "segment-removed": true, "snapshot-removed": true}

// crashRecorder appends to and checkpoints a log, and copies the log's
// directory at every step of a checkpoint (through the log's hook).
type crashRecorder struct {
	t      *testing.T
	l      *Log
	all    []crashCopy
	before []string // replay if the snapshot is not in place yet
	after  []string // replay once it is
}

func newCrashRecorder(t *testing.T, dir string) *crashRecorder {
	crashes := t.TempDir()
	r := &crashRecorder{t: t, l: openLog(t, Options{Dir: dir})}
	r.l.hook = func(step string) {
		d := filepath.Join(crashes, fmt.Sprintf("%02d-%s", len(r.all), step))
		copyDir(t, dir, d)
		want := r.before
		if renamedSteps[step] {
			want = r.after
		}
		r.all = append(r.all, crashCopy{step, d, slices.Clone(want)})
	}
	return r
}

// appendRec appends the record rec, durable, before and after the snapshot.
func (r *crashRecorder) appendRec(rec string) {
	r.t.Helper()
	if err := r.l.Append(context.Background(), true, []byte(rec)); err != nil {
		r.t.Fatal(err)
	}
	r.before = append(r.before, rec)
	r.after = append(r.after, rec)
}

// checkpoint writes a snapshot of state, and appends a record while it
// writes it.
func (r *crashRecorder) checkpoint(state ...string) {
	r.t.Helper()
	s, err := r.l.Checkpoint()
	if err != nil {
		r.t.Fatal(err)
	}
	r.after = slices.Clone(state)
	r.appendRec("during " + state[0]) // appended while the snapshot is written
	for _, rec := range state {
		if err := s.Write([]byte(rec)); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		r.t.Fatal(err)
	}
	r.before = slices.Clone(r.after)
}

// checkCrashRecovers checks that the copy c replays what it must, that
// Open leaves no temporary file in it, and that the recovered log takes
// appends and checkpoints again.
func checkCrashRecovers(t *testing.T, c crashCopy) {
	t.Helper()
	got, _ := replayDir(t, c.dir)
	if !slices.Equal(got, c.want) {
		t.Errorf("crash at %s: replayed %q, want %q", filepath.Base(c.dir), got, c.want)
		return
	}
	if names := files(t, c.dir); slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, tempExt) }) {
		t.Errorf("crash at %s: Open left %q", filepath.Base(c.dir), names)
	}
	l := openLog(t, Options{Dir: c.dir})
	if err := l.Append(context.Background(), true, []byte("x")); err != nil {
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
