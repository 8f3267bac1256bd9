package localaws_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// TestDamagedRecordStopsTheStart holds both engines to one behaviour: a
// record whose frame is whole but which the engine cannot read, after
// records it can, makes Start fail with storage.ErrCorrupt naming the
// engine's segment, the record's offset and the reason.
func TestDamagedRecordStopsTheStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, log   string // log is the engine's directory under DataDir
		rec, reason string
	}{
		{"sqs: unknown kind", "sqs", "\x63", "unknown record kind 99"},
		{"sqs: empty", "sqs", "", "corrupt record"},
		{"sqs: truncated send", "sqs", "\x03\x01\x03", "corrupt record"}, // kind 3 (send) to queue 1 of 3 messages, none there
		{"events: not JSON", "events", `{"op":`, "eventbridge record: unexpected end of JSON input"},
		{"events: unknown op", "events", `{"op":"teleport"}`, `eventbridge record: unknown op "teleport"`},
		{"events: bus without its bus", "events", `{"op":"bus"}`, "eventbridge bus record without its bus"},
		{"events: rule without its rule", "events", `{"op":"rule"}`, "eventbridge rule record without its rule"},
		{"events: pending without its delivery", "events", `{"op":"pending"}`, "eventbridge pending record without its delivery"},
		{"events: archive without its archive", "events", `{"op":"archive"}`, "eventbridge archive record without its archive"},
		{"events: archived without its event", "events", `{"op":"archived","ids":["a"]}`, "eventbridge archived record without its event"},
		{"events: replay without its replay", "events", `{"op":"replay"}`, "eventbridge replay record without its replay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := localawstest.Start(t, localaws.Config{DataDir: dir})
			cfg := localawstest.Config(srv.URL())
			localawstest.CreateQueue(t, sqs.NewFromConfig(cfg), "kept", nil)
			localawstest.CreateBus(t, eventbridge.NewFromConfig(cfg), "kept")
			srv.Close()
			appendRecord(t, filepath.Join(dir, tt.log), tt.rec)

			srv, err := localaws.Start(context.Background(), localaws.Config{Addr: "127.0.0.1:0", DataDir: dir})
			if err == nil {
				srv.Close()
				t.Fatal("Start served a damaged log")
			}
			where := filepath.Join(dir, tt.log) + string(filepath.Separator)
			if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), where) ||
				!strings.Contains(err.Error(), ".wal: offset ") || !strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("Start: %v\nwant storage.ErrCorrupt naming a segment in %s, an offset and %q", err, where, tt.reason)
			}
		})
	}
}

// appendRecord appends one durable record to the log in dir.
func appendRecord(t *testing.T, dir, rec string) {
	t.Helper()
	l, err := storage.Open(storage.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append(context.Background(), true, []byte(rec)); err != nil {
		t.Fatal(err)
	}
}
