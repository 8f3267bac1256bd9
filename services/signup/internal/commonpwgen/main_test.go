package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestEmbeddedListIsCurrent fails when the list signup embeds is not what
// this command writes today: run go generate in services/signup.
func TestEmbeddedListIsCurrent(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "list.gz")
	if err := write(out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gunzip(t, out), gunzip(t, "../../common-passwords.txt.gz")) {
		t.Fatal("services/signup/common-passwords.txt.gz is stale: run go generate ./services/signup")
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
