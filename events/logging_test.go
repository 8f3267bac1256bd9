package events

import (
	"log/slog"
	"os"
)

// quietLogger keeps test output to errors unless LICENSEFLOW_TEST_LOG is set.
func quietLogger() *slog.Logger {
	level := slog.LevelError
	if os.Getenv("LICENSEFLOW_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
