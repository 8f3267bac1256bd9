package licensepush

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoListeningSocket holds the stage's posture: it only polls and makes
// outgoing requests; no code of the package (tests aside) listens.
func TestNoListeningSocket(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	listen := regexp.MustCompile(`\b(net\.Listen\w*|ListenAndServe\w*|ListenPacket|ListenTCP|ListenUDP|http\.Serve|\.Serve(TLS)?)\(`)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if m := listen.Find(src); m != nil {
			t.Errorf("%s calls %s: the license-push stage must not listen", f, m)
		}
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}
