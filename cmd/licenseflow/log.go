package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// newLogger returns the structured logger commands log with: text to
// stderr, level from --log-level.
func newLogger(cmd *cobra.Command) *slog.Logger {
	level := slog.LevelInfo
	if s, _ := cmd.Flags().GetString("log-level"); s != "" {
		_ = level.UnmarshalText([]byte(s))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
