package signup

import (
	"fmt"
	"testing"
)

func TestAssignSpreadsAndIsStable(t *testing.T) {
	t.Parallel()
	pool := []string{"10.0.1.10:8090", "10.0.1.11:8090", "10.0.1.12:8090", "10.0.1.13:8090"}
	a := assigner{servers: pool}
	shrunk := assigner{servers: pool[:3]}
	reordered := assigner{servers: []string{pool[3], pool[1], pool[0], pool[2]}}
	counts := map[string]int{}
	const n = 4000
	moved := 0
	for i := range n {
		co := fmt.Sprintf("co_%d", i)
		s := a.pick(co)
		counts[s]++
		if reordered.pick(co) != s {
			t.Fatalf("%s: order of the pool changed the assignment", co)
		}
		if s != pool[3] && shrunk.pick(co) != s {
			moved++
		}
	}
	for _, s := range pool {
		if c := counts[s]; c < n/4*7/10 || c > n/4*13/10 {
			t.Fatalf("server %s got %d of %d companies: %v", s, c, n, counts)
		}
	}
	if moved != 0 {
		t.Fatalf("removing one server moved %d companies of the others", moved)
	}
}
