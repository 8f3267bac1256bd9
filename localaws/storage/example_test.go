package storage_test

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// counter is a tiny engine: its state is a map, every change is a record.
type counter struct {
	mu  sync.Mutex
	n   map[string]int
	log *storage.Log
}

// Incr changes the state and its log under the engine lock (so the log
// order matches the state and Checkpoint sees both agree), and waits for
// the disk outside it (so concurrent calls share one fsync).
func (c *counter) Incr(ctx context.Context, key string) error {
	c.mu.Lock()
	c.n[key]++
	pos, err := c.log.Add([]byte(key))
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.log.Wait(ctx, pos, true)
}

// Compact snapshots the state: Checkpoint under the lock, write outside.
func (c *counter) Compact() error {
	c.mu.Lock()
	snap, err := c.log.Checkpoint()
	state := make([]string, 0, len(c.n))
	for k, v := range c.n {
		for range v {
			state = append(state, k)
		}
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	for _, k := range state {
		if err := snap.Write([]byte(k)); err != nil {
			snap.Abort()
			return err
		}
	}
	return snap.Commit()
}

func Example() {
	dir, _ := os.MkdirTemp("", "storage-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	open := func() *counter {
		l, err := storage.Open(storage.Options{Dir: dir})
		if err != nil {
			panic(err)
		}
		c := &counter{n: map[string]int{}, log: l}
		if err := l.Replay(func(rec []byte) error { c.n[string(rec)]++; return nil }); err != nil {
			panic(err)
		}
		return c
	}

	c := open()
	c.Incr(ctx, "a")
	c.Incr(ctx, "a")
	c.Compact()
	c.Incr(ctx, "b")
	c.log.Close()

	c = open()
	fmt.Println(c.n["a"], c.n["b"])
	c.log.Close()
	// Output: 2 1
}
