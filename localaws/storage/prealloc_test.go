package storage

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestPreallocation: a durable log fills its segment with zeros ahead of
// its records; a crash at any moment leaves those zeros,
// which Open cuts without counting them as torn; rotation and Close trim
// them, so only the last segment of a running log has any. A NoSync log
// preallocates nothing.
func TestPreallocation(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("p", maxPrealloc/3)
	want := []string{"a", big, big, big, big, "z"} // past the largest step
	var end int64 = fileHeaderLen
	for _, r := range want {
		end += int64(frameHeaderLen + len(r))
	}
	segSize := func(dir string, id uint64) int64 {
		t.Helper()
		fi, err := os.Stat(segmentName(dir, id))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}

	for _, noSync := range []bool{false, true} {
		dir := t.TempDir()
		l := openLog(t, Options{Dir: dir, NoSync: noSync})
		for _, r := range want {
			if err := l.Append(context.Background(), true, []byte(r)); err != nil {
				t.Fatal(err)
			}
		}
		size := segSize(dir, 1)
		switch {
		case noSync && size != end:
			t.Errorf("NoSync segment is %d bytes, want exactly its records' %d", size, end)
		case !noSync && (size <= end || size%minPrealloc != 0):
			t.Errorf("durable segment is %d bytes for %d of records, want zeros past them to a multiple of %d", size, end, minPrealloc)
		}

		crash := t.TempDir()
		copyDir(t, dir, crash)
		got, st := replayDir(t, crash)
		if !slices.Equal(got, want) || st.TruncatedBytes != 0 {
			t.Errorf("after a crash replayed %d records (want %d), TruncatedBytes %d", len(got), len(want), st.TruncatedBytes)
		}
		if size := segSize(crash, 1); size != end {
			t.Errorf("after a crash Open left a %d-byte segment, want %d", size, end)
		}
		l2 := openLog(t, Options{Dir: crash})
		if err := l2.Append(context.Background(), true, []byte("after")); err != nil {
			t.Fatal(err)
		}
		l2.Close()
		if got, _ := replayDir(t, crash); !slices.Equal(got, append(slices.Clone(want), "after")) {
			t.Errorf("appending after a crash: replayed %d records", len(got))
		}

		s, err := l.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		if size := segSize(dir, 1); size != end {
			t.Errorf("rotation left the old segment at %d bytes, want its records' %d", size, end)
		}
		if err := s.Abort(); err != nil {
			t.Fatal(err)
		}
		if err := l.Append(context.Background(), true, []byte("next")); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if size, want := segSize(dir, 2), int64(fileHeaderLen+frameHeaderLen+len("next")); size != want {
			t.Errorf("Close left the segment at %d bytes, want its records' %d", size, want)
		}
	}
}
