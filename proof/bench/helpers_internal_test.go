package bench

import (
	"os"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // reversed: percentile must sort
	}
	cases := []struct {
		name string
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of odd", ms(3, 1, 2), 0.5, 2 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p100", ms(hundred...), 1, 100 * time.Millisecond},
		{"p0 is the minimum", ms(hundred...), 0, 1 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(c.in, c.q); got != c.want {
				t.Fatalf("percentile(%v) = %v, want %v", c.q, got, c.want)
			}
		})
	}
}

func TestVMHWM(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	got, err := vmHWM(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// A Go test binary holds a few MiB at least and surely less than 64 GiB.
	if got < 1 || got > 64<<10 {
		t.Fatalf("VmHWM of this process = %.1f MiB", got)
	}
	if _, err := vmHWM(-1); err == nil {
		t.Fatal("VmHWM of pid -1 did not fail")
	}
}
