package storage

import (
	"errors"
	"os"
	"syscall"
)

// datasync flushes f's data (and the metadata needed to read it back, such
// as its size) to stable storage.
func datasync(f *os.File) error {
	fd := int(f.Fd())
	for {
		err := syscall.Fdatasync(fd)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
