package testlog_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/licenseflow/licenseflow/internal/testlog"
)

func TestBuffer(t *testing.T) {
	t.Parallel()
	var text, js testlog.Buffer
	tl, jl := text.Text(), js.JSON()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tl.Debug("line", "i", i)
			jl.Warn("line", "i", i)
		})
	}
	wg.Wait()
	if n := strings.Count(text.String(), "level=DEBUG msg=line i="); n != 8 {
		t.Fatalf("%d whole text lines:\n%s", n, text.String())
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["level"] != "WARN" {
			t.Fatalf("line %q: %v", l, err)
		}
	}
}

func TestQuiet(t *testing.T) {
	t.Setenv(testlog.EnvVerbose, "")
	if testlog.Quiet().Enabled(t.Context(), 12) {
		t.Fatal("a quiet logger logs")
	}
	t.Setenv(testlog.EnvVerbose, "1")
	if !testlog.Quiet().Enabled(t.Context(), -4) {
		t.Fatal("with the variable set the logger does not log debug lines")
	}
}
