package localawstest

import (
	"regexp"
	"strings"
	"testing"
)

func TestFreshName(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,69}$`)
	a, b := FreshName(t, "q"), FreshName(t, "q")
	if a == b {
		t.Fatalf("two names alike: %s", a)
	}
	long := FreshName(t, strings.Repeat("x_", 60))
	for _, n := range []string{a, b, long} {
		if !valid.MatchString(n) {
			t.Errorf("name %q is not a valid queue name of at most 70 characters", n)
		}
	}
}
