package sqs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// TestDamagedRecordStopsTheStart: a record the engine cannot decode, after
// records it can, makes New fail with storage.ErrCorrupt naming the
// segment, the offset and the reason.
func TestDamagedRecordStopsTheStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rec    []byte
		reason string
	}{
		{"unknown kind", []byte{99}, "unknown record kind 99"},
		{"empty", []byte{}, errCorrupt.Error()},
		{"truncated send", []byte{recSend, 1, 3}, errCorrupt.Error()},
		{"truncated queue", queueRecord(newQueue(1, "q", "u", "a", false, nil, nil, 0))[:5], errCorrupt.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e := newEnv(t, envOptions{dir: dir})
			mustQueue(t, e, "kept")
			e.svc.Close()
			if err := e.log.Append(context.Background(), true, tt.rec); err != nil {
				t.Fatal(err)
			}
			e.log.Close()

			lg, err := storage.Open(storage.Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer lg.Close()
			svc, err := New(Config{Log: lg})
			if err == nil {
				svc.Close()
				t.Fatal("New started on a damaged log")
			}
			if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), ".wal: offset ") ||
				!strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("New: %v, want storage.ErrCorrupt naming the segment, offset and %q", err, tt.reason)
			}
		})
	}
}
