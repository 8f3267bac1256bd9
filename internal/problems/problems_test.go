package problems_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/licenseflow/licenseflow/internal/problems"
)

func TestList(t *testing.T) {
	t.Parallel()
	var none problems.List
	none.If(false, "never")
	none.Add(nil)
	if err := none.Err(); err != nil {
		t.Fatalf("no problem recorded, Err() = %v, want nil", err)
	}

	var l problems.List
	l.If(true, "db is nil")
	l.If(false, "publisher is nil")
	l.If(true, "public key has %d bytes, want %d", 3, 32)
	l.Add(nil)
	l.Add(fs.ErrNotExist)
	l.Wrap("plans", nil)
	l.Wrap("plans", fs.ErrInvalid)
	err := l.Err()
	want := "db is nil\npublic key has 3 bytes, want 32\nfile does not exist\nplans: invalid argument"
	if err == nil || err.Error() != want {
		t.Fatalf("Err() = %v, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("Err() = %v does not wrap what was added", err)
	}
}
