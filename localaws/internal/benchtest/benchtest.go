// Package benchtest runs a benchmark's calls from several goroutines and
// reports their throughput, as the project's yardstick wants (8 clients
// over loopback, say). For benchmarks only.
package benchtest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Run makes n calls of op, spread over workers goroutines, with b's timer
// running only meanwhile, and reports the items the calls handled per
// second as unit ("msgs/s"). op gets its call's index (0 to n-1) and
// returns how many items it handled. A worker stops at its first error,
// and the first error fails b once every worker stopped.
func Run(b *testing.B, workers, n int, unit string, op func(i int) (items int, err error)) {
	b.Helper()
	var next, items atomic.Int64
	var once sync.Once
	var failed error
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				k, err := op(i)
				if err != nil {
					once.Do(func() { failed = err })
					return
				}
				items.Add(int64(k))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	b.ReportMetric(float64(items.Load())/elapsed.Seconds(), unit)
}
