package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	segmentExt  = ".wal"
	snapshotExt = ".snap"
	tempExt     = ".tmp"
	lockName    = "LOCK"
)

func segmentName(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", id, segmentExt))
}

func snapshotName(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", id, snapshotExt))
}

// dirContents is what Open finds in a log directory.
type dirContents struct {
	segments  []uint64 // sorted
	snapshots []uint64 // sorted
	temps     []string // leftovers of interrupted snapshots
}

func listDir(dir string) (dirContents, error) {
	var c dirContents
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, fmt.Errorf("listing log directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, tempExt):
			c.temps = append(c.temps, filepath.Join(dir, name))
		case strings.HasSuffix(name, segmentExt):
			if id, ok := parseID(name, segmentExt); ok {
				c.segments = append(c.segments, id)
			}
		case strings.HasSuffix(name, snapshotExt):
			if id, ok := parseID(name, snapshotExt); ok {
				c.snapshots = append(c.snapshots, id)
			}
		}
	}
	slices.Sort(c.segments)
	slices.Sort(c.snapshots)
	return c, nil
}

func parseID(name, ext string) (uint64, bool) {
	id, err := strconv.ParseUint(strings.TrimSuffix(name, ext), 10, 64)
	return id, err == nil && id > 0
}

// syncDir makes renames, creations and deletions in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening log directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing log directory: %w", err)
	}
	return nil
}

// createSegment creates segment id with its header; with sync it fsyncs
// the file and the directory, so the segment survives a power loss before
// the first record is acknowledged in it.
func createSegment(dir string, id uint64, sync bool) (*os.File, error) {
	f, err := os.OpenFile(segmentName(dir, id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating segment: %w", err)
	}
	if _, err := f.WriteAt(segmentMagic[:], 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing segment header: %w", err)
	}
	if sync {
		if err := datasync(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("syncing segment: %w", err)
		}
		if err := syncDir(dir); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}
