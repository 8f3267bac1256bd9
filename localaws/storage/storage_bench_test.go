package storage

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/localaws/internal/benchtest"
)

// appender is what a benchmark drives: our Log, or the naive baseline.
type appender interface {
	Append(ctx context.Context, durable bool, recs ...[]byte) error
	Close() error
}

// naiveLog is the baseline: one write and one fdatasync per Append, under
// a mutex: what an append-only file gives without group commit.
type naiveLog struct {
	mu  sync.Mutex
	f   *os.File
	tab *crc32.Table
	buf []byte
}

func openNaive(b *testing.B) *naiveLog {
	f, err := os.Create(filepath.Join(b.TempDir(), "naive.wal"))
	if err != nil {
		b.Fatal(err)
	}
	return &naiveLog{f: f, tab: crc32.MakeTable(crc32.Castagnoli)}
}

func (n *naiveLog) Append(_ context.Context, durable bool, recs ...[]byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.buf = n.buf[:0]
	for _, r := range recs {
		n.buf = appendFrame(n.buf, n.tab, r)
	}
	if _, err := n.f.Write(n.buf); err != nil {
		return err
	}
	if durable {
		return datasync(n.f)
	}
	return nil
}

func (n *naiveLog) Close() error { return n.f.Close() }

// benchAppend runs b.N Appends of batch records of 600 bytes, spread over
// goroutines, and reports records/s (and fsyncs per 1000 records for Log).
func benchAppend(b *testing.B, a appender, goroutines, batch int, durable bool) {
	rec := make([]byte, 600)
	for i := range rec {
		rec[i] = byte('a' + i%26)
	}
	recs := make([][]byte, batch)
	for i := range recs {
		recs[i] = rec
	}
	b.SetBytes(int64(batch * len(rec)))
	b.ReportAllocs()
	benchtest.Run(b, goroutines, b.N, "records/s", func(int) (int, error) {
		return batch, a.Append(context.Background(), durable, recs...)
	})
	if l, ok := a.(*Log); ok {
		st := l.Stats()
		b.ReportMetric(float64(st.Syncs)*1000/float64(b.N*batch), "syncs/krec")
	}
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAppend compares the log with the naive baseline for durable
// appends (1 and 8 goroutines; 8 goroutines appending batches of 10 is
// SendMessageBatch from 8 clients) and for non-durable appends.
func BenchmarkAppend(b *testing.B) {
	cases := []struct {
		durable           bool
		goroutines, batch int
	}{
		{true, 1, 1},
		{true, 8, 1},
		{true, 8, 10},
		{false, 1, 1},
		{false, 8, 1},
	}
	for _, c := range cases {
		kind := "nondurable"
		if c.durable {
			kind = "durable"
		}
		name := fmt.Sprintf("%s/goroutines=%d/batch=%d", kind, c.goroutines, c.batch)
		b.Run(name+"/impl=log", func(b *testing.B) {
			l := openLog(b, Options{Dir: b.TempDir()})
			benchAppend(b, l, c.goroutines, c.batch, c.durable)
		})
		b.Run(name+"/impl=naive", func(b *testing.B) {
			benchAppend(b, openNaive(b), c.goroutines, c.batch, c.durable)
		})
	}
}

// BenchmarkReplay measures start-up: records/s replayed from a segment.
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	l := openLog(b, Options{Dir: dir, NoSync: true})
	rec := make([]byte, 600)
	const n = 20000
	for range n / 100 {
		batch := make([][]byte, 100)
		for i := range batch {
			batch[i] = rec
		}
		if err := l.Append(context.Background(), false, batch...); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		l := openLog(b, Options{Dir: dir, NoSync: true})
		if err := l.Replay(func([]byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
	b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "records/s")
}
