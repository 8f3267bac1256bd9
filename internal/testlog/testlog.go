// Package testlog gives tests their loggers: Quiet for code whose logs a
// test does not read, Buffer for tests that read what was logged. For tests
// only.
package testlog

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
)

// EnvVerbose names the variable that, set to anything, makes Quiet loggers
// write every level to stderr, to see what code under test logs.
const EnvVerbose = "LICENSEFLOW_TEST_LOG"

// Quiet returns a logger for code whose logs the test does not read: it
// discards everything, unless EnvVerbose is set.
func Quiet() *slog.Logger {
	if os.Getenv(EnvVerbose) == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Buffer collects what a logger writes, for a test to read. It is safe for
// concurrent use; the zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Text returns a logger writing text lines (key=value) of every level into b.
func (b *Buffer) Text() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// JSON returns a logger writing JSON lines of every level into b.
func (b *Buffer) JSON() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
