package storage

import (
	"bytes"
	"errors"
	"hash/crc32"
	"os"
	"testing"
)

// FuzzReplay feeds arbitrary bytes to Open and Replay, as the body of the
// last segment or of a snapshot. A last segment never fails to open: its
// longest valid prefix of records replays, the rest is truncated (and
// counted as torn unless it is all zeros, preallocated space), and a
// second Open finds nothing more to cut. A snapshot either replays records
// that encode back to exactly its bytes, or is ErrCorrupt.
func FuzzReplay(f *testing.F) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	var valid []byte
	for _, r := range []string{"a", "", "hello world"} {
		valid = appendFrame(valid, tab, []byte(r))
	}
	f.Add(valid, false)
	f.Add(valid[:len(valid)-3], false)
	f.Add(appendFooter(bytes.Clone(valid), tab, 3), true)
	f.Fuzz(func(t *testing.T, body []byte, snapshot bool) {
		dir := t.TempDir()
		magic, name := segmentMagic, segmentName(dir, 1)
		if snapshot {
			magic, name = snapshotMagic, snapshotName(dir, 1)
		}
		if err := os.WriteFile(name, append(magic[:], body...), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(Options{Dir: dir, NoSync: true})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var got [][]byte
		err = l.Replay(func(rec []byte) error { got = append(got, rec); return nil })
		st := l.Stats()
		l.Close()
		var enc []byte
		for _, r := range got {
			enc = appendFrame(enc, tab, r)
		}
		if snapshot {
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("snapshot Replay = %v, want nil or ErrCorrupt", err)
				}
				return
			}
			if enc = appendFooter(enc, tab, uint64(len(got))); !bytes.Equal(enc, body) {
				t.Fatalf("snapshot replayed %d records that do not encode back to its bytes", len(got))
			}
			return
		}
		if err != nil {
			t.Fatalf("segment Replay: %v", err)
		}
		torn := int64(len(body) - len(enc))
		if bytes.Count(body[len(enc):], []byte{0}) == len(body)-len(enc) {
			torn = 0 // preallocated space, not a torn tail
		}
		if !bytes.HasPrefix(body, enc) || torn != st.TruncatedBytes {
			t.Fatalf("replayed %d bytes of records, truncated %d, of a %d-byte body", len(enc), st.TruncatedBytes, len(body))
		}
		again, st2 := replayDir(t, dir)
		if len(again) != len(got) || st2.TruncatedBytes != 0 {
			t.Fatalf("second Open replayed %d records (first %d), truncated %d", len(again), len(got), st2.TruncatedBytes)
		}
	})
}
