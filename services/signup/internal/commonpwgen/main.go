// Command commonpwgen writes services/signup's list of common passwords:
// the passwords of zxcvbn's frequency list (compiled from leaked password
// sets), lowercased, one a line, gzipped. The signup package embeds its
// output, so programs that link the package carry the list as bytes and
// build its set only when a password is checked, instead of the map of
// slices the frequency package builds at every program's start.
//
// Run it through go generate in services/signup.
package main

import (
	"compress/gzip"
	"fmt"
	"os"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: commonpwgen OUT.gz")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "commonpwgen:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	seen := make(map[string]bool)
	var b strings.Builder
	for _, p := range frequency.FrequencyLists["passwords"] {
		p = strings.ToLower(p)
		if seen[p] {
			continue
		}
		seen[p] = true
		b.WriteString(p)
		b.WriteByte('\n')
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	_, err = zw.Write([]byte(b.String()))
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
