package storage

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// openLog opens a log and closes it when the test ends.
func openLog(t testing.TB, opts Options) *Log {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%+v): %v", opts, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// replayDir opens dir, replays it and closes it again.
func replayDir(t testing.TB, dir string) ([]string, Stats) {
	t.Helper()
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer l.Close()
	var got []string
	if err := l.Replay(func(rec []byte) error { got = append(got, string(rec)); return nil }); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return got, l.Stats()
}

// copyDir copies the log files of src into dst as a crash at this instant
// would leave them: everything written to the OS, nothing buffered.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
}

// files lists the names in dir, without the lock file.
func files(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != lockName {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// recs turns strings into records.
func recs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}
