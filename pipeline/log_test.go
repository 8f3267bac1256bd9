package pipeline

import (
	"log/slog"
	"testing"
)

// quietLogger logs warnings and errors through t.Log, so a failing test
// shows them and a passing one stays quiet.
func quietLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
