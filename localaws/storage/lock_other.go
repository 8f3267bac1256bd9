//go:build !unix

package storage

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrLocked is returned by Open when another Log holds the directory.
var ErrLocked = errors.New("storage: log directory in use")

// lockDir opens the lock file; without flock it locks nothing.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
}

// unlockDir closes f.
func unlockDir(f *os.File) error { return f.Close() }
